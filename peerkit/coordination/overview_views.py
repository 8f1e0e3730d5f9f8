"""The coordination start page: a coordinator's counts of what needs doing, or an admin's
organisations and coordinators."""

from flask import render_template
from flask_login import current_user

from .. import review
from ..auth.access import roles_required
from ..models import utcnow
from ..vocab import ORGANISATION_KINDS
from . import bp, phones, queries


@bp.get("/")
@roles_required("coordinator", "admin")
def index():
    """The coordinator's start page (admins see organisations and coordinators)."""
    if current_user.role == "admin":
        organisations, coordinators = queries.area_organisations_and_coordinators(current_user)
        return render_template(
            "coordination/admin.html",
            organisations=organisations,
            coordinators=coordinators,
            kinds=ORGANISATION_KINDS,
        )
    return render_template("coordination/index.html", counts=_counts())


def _counts() -> dict:
    status = queries.people_status(current_user)
    phones_now = phones.phones_of_service(current_user, utcnow())
    return {
        "held": review.held_count(current_user),
        "devices": phones.in_use_count(phones_now),
        "silent": phones.silent_count(phones_now),
        "overdue": sum(1 for p in status if p["state"] in ("overdue", "none")),
        "due": sum(1 for p in status if p["state"] == "due"),
        "alerts": queries.live_alert_count(current_user),
    }
