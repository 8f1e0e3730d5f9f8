"""HTML error pages for the server-rendered areas (the API has its own JSON errors)."""
from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

PAGES = {
    400: ("Something was wrong with that request", "Please go back and try again."),
    403: ("You do not have access to this page", "Your account cannot open this page."),
    404: ("Page not found", "Check the address, or start again from your start page."),
    405: ("That action is not allowed here", "Please go back and try again."),
    500: ("Something went wrong", "The problem has been logged. Please try again shortly."),
}


def register(app: Flask) -> None:
    """Render the error page for each code in PAGES."""

    def render(code):
        title, message = PAGES[code]
        return render_template("errors.html", title=title, message=message), code

    for code in PAGES:
        app.register_error_handler(code, lambda _e, code=code: render(code))

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_template(
            "errors.html",
            title="This form has expired",
            message="For your security, forms time out. Go back, reload the page and try again.",
        ), 400
