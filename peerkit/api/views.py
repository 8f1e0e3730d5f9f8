"""Sync API routes. Thin: parse, authorise, call push/pull, answer (the request boundary
commits; the push commits itself, before answering)."""

import datetime as dt
import json
import re
import secrets

from flask import current_app, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from marshmallow import ValidationError
from wtforms import ValidationError as WTFValidationError

from .. import audit
from ..api_messages import N_, translate
from ..devices import enrol_device, sign_out_device
from ..extensions import csrf, db
from ..models import utcnow
from ..sealing import published_key
from ..signing import make_device_token
from . import bp, errors
from .auth import FIELD_ROLES, device_required, locked_out_reason, revoked_message
from .errors import ApiError
from .openapi import openapi_document
from .pull import pull
from .push import push_records
from .schemas import (
    EnrolRequestSchema,
    EnrolResponseSchema,
    PullQuerySchema,
    PullResponseSchema,
    PushRequestSchema,
    PushResponseSchema,
)

# Bearer-token endpoints carry no cookies a forger could ride on; enrolment checks CSRF itself.
csrf.exempt(bp)
bp.register_error_handler(ApiError, errors.render)


def _json_body(max_bytes: int):
    """The request's JSON, refusing oversized or malformed bodies with a clear error."""
    if request.content_length is not None and request.content_length > max_bytes:
        raise ApiError(
            413,
            "body_too_large",
            _("The request is larger than %(kib)s KiB: send fewer records.", kib=max_bytes // 1024),
        )
    raw = request.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise ApiError(
            413,
            "body_too_large",
            _("The request is larger than %(kib)s KiB: send fewer records.", kib=max_bytes // 1024),
        )
    if not request.mimetype or request.mimetype != "application/json":
        raise ApiError(
            415, "unsupported_media_type", N_("Send JSON (Content-Type: application/json).")
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_json", N_("The request body is not valid JSON.")) from None
    try:
        body = json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except _DuplicateKey as error:
        raise ApiError(
            400,
            "duplicate_key",
            _(
                "The key '%(key)s' appears twice in one object: send each field once.",
                key=error.key,
            ),
            {error.key: [N_("Appears twice.")]},
        ) from None
    except RecursionError:
        # The C parser stops cleanly at the interpreter's recursion limit.
        raise _too_deep() from None
    except ValueError:
        raise ApiError(400, "malformed_json", N_("The request body is not valid JSON.")) from None
    if _nests_deeper_than(body, MAX_JSON_DEPTH):
        raise _too_deep()
    return body


def _too_deep() -> ApiError:
    return ApiError(
        400,
        "too_deeply_nested",
        _("JSON may nest at most %(levels)s levels of objects and lists.", levels=MAX_JSON_DEPTH),
    )


# Deep enough for every request the API defines (a push nests 5 levels), far below what
# exhausts the parser's recursion.
MAX_JSON_DEPTH = 10


def _nests_deeper_than(value, limit: int) -> bool:
    """Whether objects and lists nest more than `limit` levels in parsed JSON `value`.

    Walked with a stack, not recursion, after parsing: checking the text instead meant a
    pass over every character of every push."""
    stack = [(value, 1)] if isinstance(value, (dict, list)) else []
    while stack:
        node, depth = stack.pop()
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, (dict, list)):
                if depth == limit:
                    return True
                stack.append((child, depth + 1))
    return False


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key[:60]


def _refuse_duplicate_keys(pairs: list) -> dict:
    """json object hook: a key sent twice is ambiguous (which one counts?), so refuse it."""
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        raise _DuplicateKey(next(k for k, _ in pairs if k in seen or seen.add(k)))
    return result


def _load(schema, data):
    try:
        return schema.load(data)
    except ValidationError as error:
        messages = error.normalized_messages()
        if not isinstance(messages, dict):
            messages = {"_body": messages}
        raise ApiError(
            400, "invalid_request", N_("Some fields are wrong: see 'fields'."), messages
        ) from None


@bp.post("/devices")
def enrol():
    """Enrol the phone in hand for the signed-in account and give it a device token."""
    if not current_user.is_authenticated:
        raise ApiError(401, "not_authenticated", N_("Sign in first, then enrol this phone."))
    try:
        validate_csrf(request.headers.get("X-CSRFToken"))
    except (CSRFError, WTFValidationError):
        raise ApiError(
            400, "csrf_failed", N_("The page has expired: reload it and try again.")
        ) from None
    if current_user.role not in FIELD_ROLES:
        raise ApiError(
            403, "forbidden", N_("Only peer, pharmacy and service accounts enrol phones.")
        )
    body = _load(EnrolRequestSchema(), _json_body(4096))
    installation = request.cookies.get(INSTALLATION_COOKIE, "")
    if not _INSTALLATION_ID.fullmatch(installation):
        installation = secrets.token_urlsafe(32)
    device = enrol_device(current_user, body["label"], installation)
    answer = {
        "device_id": device.id,
        "token": make_device_token(device),
        "user": current_user,
        "sealing_key": published_key(),
    }
    response = jsonify(EnrolResponseSchema().dump(answer))
    # Renewed at every set-up. HttpOnly and scoped to this path: no script reads it, it
    # rides on no other request, and it outlives the app's own wipe of its storage.
    response.set_cookie(
        INSTALLATION_COOKIE,
        installation,
        max_age=INSTALLATION_MAX_AGE,
        path=request.path,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Strict",
    )
    return response, 201


# The browser's installation id (docs/COORDINATION.md, "Phones"): 32 random bytes.
INSTALLATION_COOKIE = "peerkit_installation"
_INSTALLATION_ID = re.compile(r"[A-Za-z0-9_-]{43}")
# Chrome keeps no cookie longer than 400 days; each set-up starts the 400 days again.
INSTALLATION_MAX_AGE = dt.timedelta(days=400)


@bp.post("/sync/push")
@device_required(allow_locked_out=True)
def sync_push():
    """Store a batch of records; answer each one. Committed before the answer is sent.

    A locked-out phone may still push: its records are facts, so they are kept and held
    for review, and the answer tells it to wipe once everything is answered.
    """
    config = current_app.config
    body = _json_body(config["SYNC_MAX_BODY_BYTES"])
    if (
        isinstance(body, dict)
        and isinstance(body.get("records"), list)
        and len(body["records"]) > config["SYNC_MAX_BATCH"]
    ):
        raise ApiError(
            413,
            "batch_too_large",
            _(
                "At most %(records)s records a request: send the rest next.",
                records=config["SYNC_MAX_BATCH"],
            ),
        )
    envelope = _load(PushRequestSchema(), body)
    locked_out = locked_out_reason(g.device)
    now = utcnow()
    # Before the records, so nothing but the summaries comes between them and the commit.
    g.device.last_seen_at = g.device.last_sync_at = now
    if envelope["records_waiting"] is not None:
        # The phone counts the batch in flight as waiting; every record is answered here
        # (delivered, or moved to Needs attention), so the last push of an outbox leaves 0,
        # "Nothing waiting", rather than the count it started with.
        g.device.records_waiting = max(0, envelope["records_waiting"] - len(envelope["records"]))
        g.device.records_waiting_at = now
    results = push_records(g.user, g.device, envelope["records"], locked_out)
    counts = {
        status: sum(r["status"] == status for r in results)
        for status in ("stored", "held", "invalid")
    }
    answer = {"results": results, "server_time": now}
    if locked_out:
        answer["device"] = {"revoked": True, "message": translate(revoked_message(g.device))}
        audit.record("device.records_after_lockout", "device", g.device.id, user=g.user, **counts)
    device_id = g.device.id  # read now: the commit expires it, and a reload is a query
    # Deliberate: the records are durable before the log says stored and the phone is
    # told so (it deletes what it is told is stored).
    db.session.commit()
    # Counts only: an unexpected run of invalid records (e.g. a sealing key missing from
    # FIELD_SEALING_KEYS) shows here, and no record's content does.
    current_app.logger.info(
        "push device=%s records=%d stored=%d held=%d invalid=%d",
        device_id,
        len(results),
        counts["stored"],
        counts["held"],
        counts["invalid"],
    )
    # Each result is built in its answered form already (`push._result`: strings, a list of
    # strings, field messages), so only the envelope goes through the schema; dumping
    # hundreds of results field by field was a tenth of a push.
    results = answer.pop("results")
    return jsonify({**PushResponseSchema(exclude=("results",)).dump(answer), "results": results})


@bp.get("/sync/pull")
@device_required
def sync_pull():
    """Changes after the cursor, one page at a time, and the snapshot."""
    query = _load(PullQuerySchema(), request.args)
    answer = pull(g.user, query["cursor"], query["limit"])
    answer["sealing_key"] = published_key()
    g.device.last_seen_at = g.device.last_sync_at = utcnow()
    return jsonify(PullResponseSchema().dump(answer))


@bp.post("/devices/current/sign-out")
@device_required
def sign_out():
    """The person signed out on this phone: its token stops working at once.

    The phone calls this once its outbox is sent; anything it sends later is kept and held,
    as from any locked-out phone.
    """
    sign_out_device(g.device)
    return jsonify({"signed_out": True})


@bp.get("/openapi.json")
def openapi_json():
    """The OpenAPI 3 document, generated from the schemas above."""
    return jsonify(openapi_document())
