"""Coordinator screens for frontline intelligence: the triage list of field reports, an
alert's delivery, referral destinations and referral outcomes. Thin: scope, form,
operation (peerkit.alerts, peerkit.referrals), redirect (the request boundary commits)."""

import datetime as dt

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from .. import alerts, referrals
from ..auth.access import roles_required
from ..clock import uk_today
from ..extensions import db
from ..models import DrugAlert, FieldReport, Organisation, User
from ..scoping import managed_organisation_ids
from ..vocab import FIELD_REPORT_STATUSES, REFERRAL_KINDS, REFERRAL_OUTCOMES
from . import bp
from .intel_forms import ReferralDestinationForm, ReferralOutcomeForm

TRIAGE_WEEKS = 12


@bp.get("/field-reports")
@roles_required("coordinator")
def field_reports():
    """Suspected bad batches reported from the field, clustered by district and week."""
    since = uk_today() - dt.timedelta(weeks=TRIAGE_WEEKS)
    people = dict(
        db.session.execute(
            select(User.id, User.display_name).where(
                User.organisation_id.in_(managed_organisation_ids(current_user))
            )
        ).all()
    )
    return render_template(
        "coordination/field_reports.html",
        clusters=alerts.triage_clusters(current_user, since),
        weeks=TRIAGE_WEEKS,
        people=people,
        statuses=FIELD_REPORT_STATUSES,
    )


@bp.post("/field-reports/<report_id>/dismiss")
@roles_required("coordinator")
def dismiss_field_report(report_id):
    """Set a field report aside: no alert needed."""
    if not FlaskForm().validate_on_submit():
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.field_reports"))
    alerts.dismiss_report(current_user, report_id)
    flash(_("Report set aside."), "info")
    return redirect(url_for("coordination.field_reports"))


@bp.get("/alerts/<int:alert_id>")
@roles_required("coordinator")
def alert_detail(alert_id):
    """One alert: who it went to, how many phones received and opened it, the reports it
    came from, and the service's phones that refused notifications (to phone them)."""
    alert = db.session.scalar(
        select(DrugAlert).where(
            DrugAlert.id == alert_id, DrugAlert.organisation_id == current_user.organisation_id
        )
    )
    if alert is None:
        abort(404)
    reports = db.session.scalars(
        select(FieldReport).where(FieldReport.alert_id == alert.id).order_by(FieldReport.seen_on)
    ).all()
    agreed_by = db.session.get(User, alert.agreed_by_id) if alert.agreed_by_id else None
    return render_template(
        "coordination/alert_detail.html",
        alert=alert,
        counts=alerts.delivery_counts(alert),
        reports=reports,
        agreed_by=agreed_by,
        refused=alerts.refused_phones(managed_organisation_ids(current_user)),
        service=db.session.get(Organisation, alert.organisation_id),
    )


@bp.route("/referral-destinations", methods=["GET", "POST"])
@roles_required("coordinator")
def referral_destinations():
    """The service's list of places it refers people to; phones offer the active ones."""
    form = ReferralDestinationForm()
    if form.validate_on_submit():
        referrals.add_destination(current_user, form.name.data, form.kind.data)
        flash(_("Destination added: phones offer it from their next sync."), "info")
        return redirect(url_for("coordination.referral_destinations"))
    return render_template(
        "coordination/referral_destinations.html",
        form=form,
        rows=referrals.destinations(current_user),
        kinds=REFERRAL_KINDS,
    ), (400 if form.errors else 200)


@bp.post("/referral-destinations/<int:destination_id>/retire")
@roles_required("coordinator")
def retire_referral_destination(destination_id):
    """Stop offering a destination; past referrals keep it."""
    if not FlaskForm().validate_on_submit():
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.referral_destinations"))
    referrals.retire_destination(current_user, destination_id)
    flash(_("Destination retired."), "info")
    return redirect(url_for("coordination.referral_destinations"))


@bp.get("/referrals")
@roles_required("coordinator")
def referrals_awaiting():
    """Accepted referrals still waiting for the service to record what happened."""
    rows = referrals.awaiting_outcome(current_user)
    names = {d.id: d.name for d in referrals.destinations(current_user)}
    return render_template(
        "coordination/referrals.html",
        rows=rows,
        names=names,
        form=ReferralOutcomeForm(),
        outcomes=REFERRAL_OUTCOMES,
    )


@bp.post("/referrals/<supply_id>")
@roles_required("coordinator")
def record_referral_outcome(supply_id):
    """Record whether the person attended, declined, or it is not known."""
    form = ReferralOutcomeForm()
    if not form.validate_on_submit():
        flash(_("Choose the outcome and a date that is not in the future."), "error")
        return redirect(url_for("coordination.referrals_awaiting"))
    referrals.record_outcome(current_user, supply_id, form.outcome.data, form.on.data)
    flash(_("Outcome recorded."), "info")
    return redirect(url_for("coordination.referrals_awaiting"))
