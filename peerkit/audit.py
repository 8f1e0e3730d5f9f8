"""The audit log: one function every change and export calls."""

from flask import has_request_context
from flask_login import current_user

from .extensions import db
from .models import AuditEvent


def record(action: str, object_type: str | None = None, object_id=None, *, user=None, **detail):
    """Add an audit event to the session (committed with the change it describes).

    `detail` must hold codes and ids only: the audit log is read by staff and must not
    carry names, recipient codes or health details.
    """
    if user is None and has_request_context() and current_user.is_authenticated:
        user = current_user
    event = AuditEvent(
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        user_id=getattr(user, "id", None),
        organisation_id=getattr(user, "organisation_id", None),
        detail=detail,
    )
    db.session.add(event)
    return event
