"""Error pages: HTML for people, the API's one JSON error shape under /api/."""
from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError

from .api.errors import HTTP_ERRORS, error_response

PAGES = {
    400: ("Something was wrong with that request", "Please go back and try again."),
    403: ("You do not have access to this page", "Your account cannot open this page."),
    401: ("Please sign in", "Sign in to continue."),
    404: ("Page not found", "Check the address, or start again from your start page."),
    405: ("That action is not allowed here", "Please go back and try again."),
    413: ("That was too large to send", "Please send less at a time."),
    415: ("That kind of content is not accepted here", "Please go back and try again."),
    429: ("Too many attempts", "Please wait a few minutes and try again."),
    500: ("Something went wrong", "The problem has been logged. Please try again shortly."),
}


def register(app: Flask) -> None:
    """Render the error page for each code in PAGES."""

    def render(code):
        if request.path.startswith("/api/"):
            return error_response(code, *HTTP_ERRORS[code])
        title, message = PAGES[code]
        return render_template("errors.html", title=title, message=message), code

    for code in set(PAGES) | set(HTTP_ERRORS):
        app.register_error_handler(code, lambda _e, code=code: render(code))

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_template(
            "errors.html",
            title="This form has expired",
            message="For your security, forms time out. Go back, reload the page and try again.",
        ), 400
