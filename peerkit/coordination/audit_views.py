"""The service's audit log: who did what, when."""

import datetime as dt

from flask import render_template, request
from flask_login import current_user

from .. import audit_sentences
from ..auth.access import roles_required
from . import bp, queries


@bp.get("/audit")
@roles_required("coordinator")
def audit_log():
    """Who did what, when, in this service; filter by action, person and dates."""
    action = (request.args.get("action") or "").strip()[:60]
    who = request.args.get("user", type=int)
    since = _date_arg("since")
    until = _date_arg("until")
    rows = queries.audit_events(current_user, action, who, since, until)
    sentences = audit_sentences.describe([event for event, _ in rows])
    actions, people = queries.audit_filter_choices(current_user)
    return render_template(
        "coordination/audit.html",
        rows=zip(rows, sentences, strict=True),
        actions=actions,
        action=action,
        people=people,
        who=who,
        since=since,
        until=until,
    )


def _date_arg(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
