"""Error pages: HTML for people, the API's one JSON error shape under /api/."""

from flask import Flask, make_response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import MethodNotAllowed

from .api.errors import HTTP_ERRORS, error_response

PAGES = {
    400: (_l("Something was wrong with that request"), _l("Please go back and try again.")),
    403: (_l("You do not have access to this page"), _l("Your account cannot open this page.")),
    401: (_l("Please sign in"), _l("Sign in to continue.")),
    404: (_l("Page not found"), _l("Check the address, or start again from your start page.")),
    405: (_l("That action is not allowed here"), _l("Please go back and try again.")),
    413: (_l("That was too large to send"), _l("Please send less at a time.")),
    415: (_l("That kind of content is not accepted here"), _l("Please go back and try again.")),
    429: (_l("Too many attempts"), _l("Please wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("The problem has been logged. Please try again shortly.")),
}


def register(app: Flask) -> None:
    """Render the error page for each code in PAGES."""

    def render(code, error):
        if request.path.startswith("/api/"):
            response = make_response(error_response(code, *HTTP_ERRORS[code]))
        else:
            title, message = PAGES[code]
            response = make_response(
                render_template("errors.html", title=title, message=message), code
            )
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            # HTTP requires a 405 to say which methods the address does accept.
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return response

    for code in set(PAGES) | set(HTTP_ERRORS):
        app.register_error_handler(code, lambda error, code=code: render(code, error))

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return render_template(
            "errors.html",
            title=_("This form has expired"),
            message=_("For your security, forms time out. Go back, reload the page and try again."),
        ), 400
