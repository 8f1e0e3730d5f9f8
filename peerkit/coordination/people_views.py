"""Pages for people, organisations and sites over time. Thin: scope, form, operation,
redirect (the rules are in people_ops; the request boundary commits)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..auth.access import roles_required
from ..extensions import db
from ..models import Organisation, User
from ..vocab import ORGANISATION_KINDS, ROLES, SITE_TYPES
from . import bp, people_ops
from .people_forms import DeactivateForm, EditPersonForm, RenameForm


@bp.get("/accounts")
@roles_required("coordinator", "admin")
def accounts():
    """Every account the user manages, active or not; leavers show the kits they hold."""
    people = db.session.scalars(
        people_ops.managed_people(current_user)
        .join(Organisation, Organisation.id == User.organisation_id)
        .order_by(User.active.desc(), Organisation.name, User.display_name)
    ).all()
    kits = {p.id: people_ops.kits_in_hand(p) for p in people if not p.active}
    return render_template("coordination/accounts.html", people=people, kits=kits, roles=ROLES)


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
@roles_required("coordinator", "admin")
def edit_account(user_id):
    """Change a person's name or (coordinators) move them within the service."""
    person = people_ops.manageable_person(current_user, user_id)
    form = EditPersonForm(obj=person)
    if current_user.role == "coordinator":
        form.organisation_id.choices = [
            (o.id, o.name) for o in people_ops.move_choices(current_user, person)
        ]
    else:  # admins rename coordinators; a coordinator changes service by a new account
        del form.organisation_id
    if form.validate_on_submit():
        # The form offers only the moves edit_person allows, so its own checks are for
        # other callers.
        people_ops.edit_person(
            current_user,
            person,
            form.display_name.data,
            form.organisation_id.data if "organisation_id" in form else None,
        )
        flash(_("Saved."), "info")
        return redirect(url_for("coordination.accounts"))
    return render_template(
        "coordination/edit_account.html",
        person=person,
        form=form,
        deactivate=DeactivateForm(),
        roles=ROLES,
        kits=people_ops.kits_in_hand(person),
    ), (400 if form.errors else 200)


@bp.post("/accounts/<int:user_id>/deactivate")
@roles_required("coordinator", "admin")
def deactivate_account(user_id):
    """Someone has left: lock the account and its phones out at once."""
    person = people_ops.manageable_person(current_user, user_id)
    form = DeactivateForm()
    if not form.validate_on_submit():
        flash(_("That form has expired or the reason is too long: try again."), "error")
        return redirect(url_for("coordination.edit_account", user_id=person.id))
    kits = people_ops.deactivate_person(current_user, person, form.reason.data)
    message = _(
        "%(name)s is deactivated: signed out everywhere and every phone of theirs "
        "locked out. What they recorded stays.",
        name=person.display_name,
    )
    if kits:
        message += " " + _(
            "They still hold %(n)s kit(s): record the return or write-off on the stock page.",
            n=kits,
        )
    flash(message, "info")
    return redirect(url_for("coordination.accounts"))


@bp.post("/accounts/<int:user_id>/reactivate")
@roles_required("coordinator", "admin")
def reactivate_account(user_id):
    """Someone is back: they may sign in again (their old phones stay locked out)."""
    person = people_ops.manageable_person(current_user, user_id)
    if not FlaskForm().validate_on_submit():  # a button: only its CSRF token to check
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.edit_account", user_id=person.id))
    people_ops.reactivate_person(current_user, person)
    flash(_("%(name)s can sign in again and set a phone up.", name=person.display_name), "info")
    return redirect(url_for("coordination.accounts"))


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_organisation(organisation_id):
    """Rename an organisation of the admin's area."""
    organisation = people_ops.area_organisation(current_user, organisation_id)
    form = RenameForm(obj=organisation)
    status = 200
    if form.validate_on_submit():
        try:
            people_ops.rename_organisation(current_user, organisation, form.name.data)
            flash(_("Saved."), "info")
            return redirect(url_for("coordination.organisations"))
        except ValueError as error:
            db.session.rollback()
            flash(str(error), "error")
            status = 409
    elif form.errors:
        status = 400
    return render_template(
        "coordination/edit_organisation.html",
        organisation=organisation,
        form=form,
        kinds=ORGANISATION_KINDS,
    ), status


@bp.route("/sites/<int:site_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_site(site_id):
    """Rename a site of the admin's area; close or reopen it."""
    site = people_ops.area_site(current_user, site_id)
    form = RenameForm(obj=site)
    if form.validate_on_submit():
        people_ops.rename_site(current_user, site, form.name.data)
        flash(_("Saved."), "info")
        return redirect(url_for("coordination.organisations"))
    return render_template(
        "coordination/edit_site.html", site=site, form=form, site_types=SITE_TYPES
    ), (400 if form.errors else 200)


@bp.post("/sites/<int:site_id>/close")
@roles_required("admin")
def close_site(site_id):
    """Close a site: gone from forms and phones, kept in history."""
    site = people_ops.area_site(current_user, site_id)
    if not FlaskForm().validate_on_submit():
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.edit_site", site_id=site.id))
    kits = people_ops.close_site(current_user, site)
    message = _("%(site)s is closed. Its records stay.", site=site.name)
    if kits:
        message += " " + _(
            "%(n)s kit(s) are still recorded there: the service's coordinator "
            "can move them or write them off on the stock page.",
            n=kits,
        )
    flash(message, "info")
    return redirect(url_for("coordination.organisations"))


@bp.post("/sites/<int:site_id>/reopen")
@roles_required("admin")
def reopen_site(site_id):
    """Open a closed site again."""
    site = people_ops.area_site(current_user, site_id)
    if not FlaskForm().validate_on_submit():
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.edit_site", site_id=site.id))
    people_ops.reopen_site(current_user, site)
    flash(_("%(site)s is open again.", site=site.name), "info")
    return redirect(url_for("coordination.organisations"))
