"""Coordination pages for what phones sent that needs a person: held records, discarded
records, consent withdrawals made at the service. Thin: scope, form, rule
(the request boundary commits)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import review
from ..auth.access import roles_required
from ..clock import uk_today
from ..consents import WithdrawalError, withdraw
from ..extensions import db
from ..models import Consent, Organisation
from ..signing import recipient_code_salt
from . import bp
from .forms import ConsentWithdrawalForm, ReviewForm


@bp.get("/held")
@roles_required("coordinator")
def held():
    """Records kept but held for review, and records people discarded on their phones."""
    return render_template(
        "coordination/held.html",
        rows=review.held_records(current_user),
        discards=review.discard_notices(current_user),
        form=ReviewForm(),
        labels=review.KIND_LABELS,
    )


@bp.post("/held/<kind>/<record_id>")
@roles_required("coordinator")
def decide(kind, record_id):
    """Accept a held record (it counts from now on) or reject it with a reason."""
    record = review.managed_held_record(current_user, kind, record_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash(_("That form has expired or the note is too long: try again."), "error")
        return redirect(url_for("coordination.held"))
    try:
        if form.reject.data:
            review.reject(record, kind, current_user, form.note.data)
            message = _("Rejected: kept, and not counted.")
        else:
            review.accept(record, kind, current_user, form.note.data)
            message = _("Accepted: it counts in the figures from now on.")
    except ValueError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("coordination.held"), 303)
    flash(message, "info")
    return redirect(url_for("coordination.held"), 303)


@bp.route("/consents/withdraw", methods=["GET", "POST"])
@roles_required("coordinator")
def withdraw_consent():
    """A person withdraws their consent at the service (whoever recorded it in the area).

    The page's script makes the recipient code from initials, date of birth and sex in the
    browser, with the area's salt, as the phones do; only the code is posted.
    """
    form = ConsentWithdrawalForm()
    status = 200
    if form.validate_on_submit():
        codes = form.recipient_codes.data.split(",")
        area_orgs = select(Organisation.id).where(
            Organisation.area_id == current_user.organisation.area_id
        )
        consents = db.session.scalars(
            select(Consent).where(
                Consent.recipient_code.in_(codes),
                Consent.organisation_id.in_(area_orgs),
                Consent.withdrawn_on.is_(None),
            )
        ).all()
        try:
            for consent in consents:
                withdraw(consent, form.withdrawn_on.data, current_user)
        except WithdrawalError as error:
            db.session.rollback()
            form.withdrawn_on.errors = [str(error)]
            status = 400
        else:
            if consents:
                flash(
                    _(
                        "Withdrawal recorded for %(n)s consent(s). Their recipient code is "
                        "erased; the kits they were given still count.",
                        n=len(consents),
                    ),
                    "info",
                )
            else:
                flash(
                    _(
                        "No consent in force in this area matches those details. Check the "
                        "initials, date of birth and sex."
                    ),
                    "error",
                )
            return redirect(url_for("coordination.withdraw_consent"), 303)
    elif request.method == "POST":
        status = 400
    if request.method == "GET":
        form.withdrawn_on.data = uk_today()
    salt = recipient_code_salt(current_user.organisation.area_id or current_user.organisation_id)
    return render_template("coordination/withdraw_consent.html", form=form, salt=salt), status
