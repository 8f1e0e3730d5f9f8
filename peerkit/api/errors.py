"""One JSON error shape for the whole API: {"error": {"code", "message", "fields"?}}."""

from flask import jsonify

from ..api_messages import N_, translate, translate_errors


class ApiError(Exception):
    """Raised anywhere in an API request; rendered by `render`."""

    def __init__(self, status: int, code: str, message: str, fields=None, **extra):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields, self.extra = fields, extra


def error_response(status: int, code: str, message: str, fields=None, **extra):
    """The JSON response for an error, its message and fields' messages in the request's
    language (they are written in English: peerkit/api_messages.py)."""
    body = {"code": code, "message": translate(message)}
    if fields:
        body["fields"] = translate_errors(fields)
    body.update(extra)
    return jsonify({"error": body}), status


def render(error: ApiError):
    """Flask error handler for ApiError."""
    return error_response(error.status, error.code, error.message, error.fields, **error.extra)


# Status codes Flask or Werkzeug may raise before our code runs, as API errors.
HTTP_ERRORS = {
    400: ("invalid_request", N_("The request could not be understood.")),
    401: ("not_authenticated", N_("Sign in and enrol this device first.")),
    403: ("forbidden", N_("This account may not do that.")),
    404: ("not_found", N_("There is nothing at this address.")),
    405: ("method_not_allowed", N_("This address does not accept that method.")),
    413: ("body_too_large", N_("The request is too large: send fewer records at a time.")),
    415: ("unsupported_media_type", N_("Send JSON (Content-Type: application/json).")),
    429: ("rate_limited", N_("Too many requests: wait a little and try again.")),
    500: (
        "server_error",
        N_("Something went wrong on the server; nothing was stored. Try again later."),
    ),
}
