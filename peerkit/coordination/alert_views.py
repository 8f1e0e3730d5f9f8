"""Drug alerts a coordinator issues to phones, and withdraws."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from .. import alerts as alert_rules
from .. import webpush
from ..auth.access import roles_required
from ..extensions import db
from ..models import utcnow
from . import bp, operations, queries
from .forms import DrugAlertForm


@bp.route("/alerts", methods=["GET", "POST"])
@roles_required("coordinator")
def alerts():
    """Drug alerts: issue one to the service's phones or (agreed) the area; see them all."""
    form = DrugAlertForm()
    form.agreed_by.choices = [SelectChoice("", _l("Not needed for our own phones"))] + [
        SelectChoice(u.id, u.display_name) for u in alert_rules.area_commissioners(current_user)
    ]
    if request.method == "GET" and request.args.get("reports"):
        form.report_ids.data = request.args["reports"][:8000]  # from the triage list
    if form.validate_on_submit():
        alert = operations.create_alert(current_user, form)
        # Deliberate: the alert is durable before phones are pushed to fetch it, and
        # pushing waits on push services, never inside a transaction.
        db.session.commit()
        pushed = webpush.push_alert(alert)
        if pushed:
            flash(
                _(
                    "Alert sent: phones show it from their next sync; pushed to %(n)s "
                    "phone(s) now.",
                    n=pushed,
                ),
                "info",
            )
        else:
            flash(_("Alert sent: phones show it from their next sync."), "info")
        return redirect(url_for("coordination.alert_detail", alert_id=alert.id))
    return render_template(
        "coordination/alerts.html",
        form=form,
        rows=queries.recent_alerts(current_user),
        now=utcnow(),
    ), (400 if form.errors else 200)


@bp.post("/alerts/<int:alert_id>/withdraw")
@roles_required("coordinator")
def withdraw_alert(alert_id):
    """Take an alert off phones early."""
    if not FlaskForm().validate_on_submit():  # a button: only its CSRF token to check
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.alerts"))
    operations.withdraw_alert(current_user, alert_id)
    flash(_("Alert withdrawn: phones drop it at their next sync."), "info")
    return redirect(url_for("coordination.alerts"))
