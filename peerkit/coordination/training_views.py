"""Supplier training: who is signed off and when a refresher is due, signing someone off,
and the training cascade (who trained whom)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import roles_required
from ..clock import format_uk_date, uk_today
from ..vocab import ROLES
from . import bp, operations, queries
from .forms import SignOffForm


@bp.get("/people")
@roles_required("coordinator")
def people():
    """Suppliers and their sign-off: overdue and due first."""
    return render_template(
        "coordination/people.html", rows=queries.people_status(current_user), roles=ROLES
    )


@bp.route("/people/<int:user_id>/sign-off", methods=["GET", "POST"])
@roles_required("coordinator", "admin")
def sign_off(user_id):
    """Record that a person's supplier training and competency are signed off.

    Coordinators sign off the people their service runs; a coordinator's own sign-off
    (they supply at the service) comes from an admin of the area, never a fellow
    coordinator (the privilege rule, peerkit/auth/privilege.py)."""
    if current_user.role == "admin":
        person = operations.area_coordinator(current_user, user_id)
        done = url_for("coordination.index")
    else:
        person = operations.managed_user(current_user, user_id)
        done = url_for("coordination.people")
    form = SignOffForm()
    if form.validate_on_submit():
        record = operations.sign_off(
            current_user, person, form.trained_on.data, form.assessed_on.data
        )
        flash(
            _(
                "%(name)s is signed off until %(day)s.",
                name=person.display_name,
                day=format_uk_date(record.refresher_due),
            ),
            "info",
        )
        return redirect(done)
    if request.method == "GET":
        form.trained_on.data = form.assessed_on.data = uk_today()
    return render_template("coordination/sign_off.html", form=form, person=person), (
        400 if form.errors else 200
    )


@bp.get("/cascade")
@roles_required("coordinator")
def cascade():
    """The training cascade: how many people each trainer reached, and who trained whom."""
    return render_template(
        "coordination/cascade.html",
        reach=queries.cascade_reach(current_user),
        links=queries.cascade_links(current_user),
    )
