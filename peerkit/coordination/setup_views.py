"""Peer and pharmacy accounts a coordinator creates: the one-time set-up link (with a QR
code for the new phone), a fresh link, and clearing a sign-in lock."""

import segno
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from .. import audit, ratelimit
from ..auth.access import roles_required
from ..emails import setup_link
from ..extensions import db
from . import bp, operations, queries
from .forms import NewPersonForm


def _invitation_page(person, token: str):
    """The set-up link of a peer or pharmacist for their coordinator, with a QR code to
    scan on the new phone (a link only this coordinator may see: peerkit.auth.privilege)."""
    link = setup_link(token)
    qr = segno.make(link, error="m").svg_inline(scale=4, title=_("Set-up link as a QR code"))
    return render_template("coordination/invitation.html", person=person, link=link, qr=qr)


@bp.route("/people/new", methods=["GET", "POST"])
@roles_required("coordinator")
def new_person():
    """Create a peer or pharmacy account and show its one-time set-up link."""
    form = NewPersonForm()
    form.organisation_id.choices = [
        (o.id, o.name) for o in queries.supplying_organisations(current_user)
    ]
    if form.validate_on_submit():
        try:
            person = operations.create_person(
                current_user,
                form.display_name.data,
                form.username.data,
                form.organisation_id.data,
                form.role.data,
            )
        except ValueError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("coordination/new_person.html", form=form), 400
        return _invitation_page(person, operations.issue_setup_link(current_user, person))
    return render_template("coordination/new_person.html", form=form), (400 if form.errors else 200)


@bp.post("/people/<int:user_id>/invite")
@roles_required("coordinator")
def reinvite(user_id):
    """A fresh set-up link for someone the coordinator manages, e.g. for a forgotten
    password (the old password stops working only when the new one is set)."""
    person = operations.managed_user(current_user, user_id)
    if not FlaskForm().validate_on_submit():
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.people"))
    return _invitation_page(person, operations.issue_setup_link(current_user, person))


@bp.post("/people/<int:user_id>/unlock")
@roles_required("coordinator")
def unlock(user_id):
    """Clear the sign-in lock on someone the coordinator manages (too many failed tries
    from many places), once the coordinator knows the person is who they say."""
    person = operations.managed_user(current_user, user_id)
    if not FlaskForm().validate_on_submit():
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.people"))
    ratelimit.unlock(person)
    audit.record("user.unlock", "user", person.id, user=current_user)
    flash(_("%(name)s can sign in again.", name=person.display_name), "info")
    return redirect(url_for("coordination.people"))
