"""An admin's area: organisations, sites and coordinators, and a coordinator's fresh
set-up link (sent by email: the admin never sees it)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..auth.access import roles_required
from ..emails import MailNotSent
from ..extensions import db
from ..models import Organisation
from ..vocab import ORGANISATION_KINDS
from . import bp, operations
from .forms import CoordinatorForm, OrganisationForm, SiteForm


@bp.post("/coordinators/<int:user_id>/invite")
@roles_required("admin")
def reinvite_coordinator(user_id):
    """Email a coordinator a fresh set-up link (the admin never sees it)."""
    person = operations.area_coordinator(current_user, user_id)
    if not FlaskForm().validate_on_submit():
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.index"))
    try:
        operations.issue_setup_link(current_user, person)
    except MailNotSent as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("coordination.index"))
    flash(_("A new set-up link has been emailed to %(name)s.", name=person.display_name), "info")
    return redirect(url_for("coordination.index"))


@bp.route("/organisations", methods=["GET", "POST"])
@roles_required("admin")
def organisations():
    """Admins add organisations, sites and coordinators for their area."""
    org_form, site_form, coordinator_form = (
        OrganisationForm(prefix="org"),
        SiteForm(prefix="site"),
        CoordinatorForm(prefix="coord"),
    )
    orgs = db.session.scalars(
        operations.area_organisations(current_user).order_by(Organisation.name)
    ).all()
    services = [(o.id, o.name) for o in orgs if o.kind == "drug_service"]
    org_form.managed_by_id.choices = [(0, _("Not run by a service"))] + services
    site_form.organisation_id.choices = [
        (o.id, o.name) for o in orgs if o.kind != "commissioning_area"
    ]
    coordinator_form.organisation_id.choices = services
    submitted = next(
        (f for f in (org_form, site_form, coordinator_form) if f.submit.name in request.form), None
    )
    if submitted is not None and submitted.validate_on_submit():
        try:
            if submitted is org_form:
                operations.create_organisation(
                    current_user,
                    org_form.name.data,
                    org_form.kind.data,
                    org_form.managed_by_id.data,
                )
            elif submitted is site_form:
                operations.create_site(
                    current_user,
                    site_form.organisation_id.data,
                    site_form.name.data,
                    site_form.site_type.data,
                    site_form.postcode_district.data,
                )
            else:
                person = operations.create_coordinator(
                    current_user,
                    coordinator_form.display_name.data,
                    coordinator_form.username.data,
                    coordinator_form.organisation_id.data,
                    coordinator_form.email.data,
                )
                try:
                    operations.issue_setup_link(current_user, person)
                except MailNotSent as error:
                    # The account stands; its link can be sent again from the start page.
                    flash(
                        _(
                            "%(name)s's account is created, but: %(error)s",
                            name=person.display_name,
                            error=error,
                        ),
                        "error",
                    )
                    return redirect(url_for("coordination.index"))
                flash(
                    _(
                        "%(name)s's account is created and their set-up link emailed to them.",
                        name=person.display_name,
                    ),
                    "info",
                )
                return redirect(url_for("coordination.index"))
            flash(_("Saved."), "info")
            return redirect(url_for("coordination.organisations"))
        except ValueError as error:
            db.session.rollback()
            flash(str(error), "error")
    status = 400 if submitted is not None else 200
    return render_template(
        "coordination/organisations.html",
        orgs=orgs,
        kinds=ORGANISATION_KINDS,
        org_form=org_form,
        site_form=site_form,
        coordinator_form=coordinator_form,
    ), status
