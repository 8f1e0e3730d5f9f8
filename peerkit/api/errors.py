"""One JSON error shape for the whole API: {"error": {"code", "message", "fields"?}}."""

from flask import jsonify


class ApiError(Exception):
    """Raised anywhere in an API request; rendered by `render`."""

    def __init__(self, status: int, code: str, message: str, fields=None, **extra):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields, self.extra = fields, extra


def error_response(status: int, code: str, message: str, fields=None, **extra):
    """The JSON response for an error."""
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    body.update(extra)
    return jsonify({"error": body}), status


def render(error: ApiError):
    """Flask error handler for ApiError."""
    return error_response(error.status, error.code, error.message, error.fields, **error.extra)


# Status codes Flask or Werkzeug may raise before our code runs, as API errors.
HTTP_ERRORS = {
    400: ("invalid_request", "The request could not be understood."),
    401: ("not_authenticated", "Sign in and enrol this device first."),
    403: ("forbidden", "This account may not do that."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not accept that method."),
    413: ("body_too_large", "The request is too large: send fewer records at a time."),
    415: ("unsupported_media_type", "Send JSON (Content-Type: application/json)."),
    429: ("rate_limited", "Too many requests: wait a little and try again."),
    500: (
        "server_error",
        "Something went wrong on the server; nothing was stored. Try again later.",
    ),
}
