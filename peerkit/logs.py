"""Request logs: one line per request with its id, route, method, status and duration.

With `LOG_FORMAT=json` every log line is one JSON object. A request line names the URL
rule (`/coordination/people/<int:user_id>/sign-off`), never the path that was asked for:
paths carry ids and one-time link tokens. No query strings, form values, usernames or
addresses are logged. The request id is the caller's `X-Request-ID` when it is a plain
token (a load balancer's), otherwise a new one; it is echoed in the response so a report
from the field can be matched with the server's lines.
"""

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# Anything else (too long, spaces, odd characters) could smuggle data into logs: replaced.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
REQUEST_FIELDS = ("request_id", "method", "route", "status", "duration_ms")

request_logger = logging.getLogger("peerkit.request")


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "(no route)"


class JsonFormatter(logging.Formatter):
    """One JSON object per record; the request id rides along on every line of a request."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if "request_id" not in entry and has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(log_format: str, stream=None) -> None:
    """Send every log line to stderr (or `stream`), as JSON or as plain text, at INFO.

    Called for servers started from the environment; test runs keep pytest's handlers.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
        # The development server's own access lines carry raw paths: keep them out.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def register(app: Flask) -> None:
    """Give every request an id and log one line for it when its response is ready."""

    @app.before_request
    def _start():
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _log(response):
        request_id = g.get("request_id") or uuid.uuid4().hex
        started = g.get("request_started")
        duration_ms = round((time.perf_counter() - started) * 1000, 1) if started else None
        response.headers[REQUEST_ID_HEADER] = request_id
        fields = {
            "request_id": request_id,
            "method": request.method,
            "route": _route(),
            "status": response.status_code,
            "duration_ms": duration_ms,
        }
        request_logger.info(
            "%s %s %s %s ms [%s]",
            fields["method"],
            fields["route"],
            fields["status"],
            duration_ms,
            request_id,
            extra=fields,
        )
        return response

    def log_exception(exc_info) -> None:
        # Flask's own message names the raw path; name the route instead.
        app.logger.error(
            "Exception on %s [%s]",
            _route(),
            request.method,
            exc_info=exc_info,
            extra={"request_id": g.get("request_id")},
        )

    app.log_exception = log_exception
