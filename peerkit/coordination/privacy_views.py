"""Privacy screens: the service's privacy notices, a person's subject-access or erasure
request, and the area's retention periods. Thin: form, rule, commit once."""

from flask import Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import privacy_notices, retention, subject_access
from ..auth.access import roles_required
from ..clock import format_uk_date, uk_today
from ..extensions import db
from ..monitoring.exports import csv_text
from ..recipient_codes import RecipientDetailsError
from . import bp
from .privacy_forms import PrivacyNoticeForm, RetentionForm, SubjectForm


@bp.route("/privacy-notices", methods=["GET", "POST"])
@roles_required("coordinator")
def privacy_notices_page():
    """The service's notices, newest first; publish a new version (never edit one)."""
    form = PrivacyNoticeForm()
    status = 200
    if form.validate_on_submit():
        try:
            privacy_notices.publish(
                current_user, form.version.data, form.text.data, form.in_force_from.data
            )
        except privacy_notices.NoticeError as error:
            db.session.rollback()
            getattr(form, error.field).errors = [str(error)]
            status = 400
        else:
            flash(
                _(
                    "Version %(version)s published: phones show it from %(since)s, after "
                    "their next sync.",
                    version=form.version.data.strip(),
                    since=format_uk_date(form.in_force_from.data),
                ),
                "info",
            )
            return redirect(url_for("coordination.privacy_notices_page"), 303)
    elif form.is_submitted():
        status = 400
    if not form.is_submitted():
        form.in_force_from.data = uk_today()
    notices = privacy_notices.versions(current_user.organisation)
    return render_template(
        "coordination/privacy_notices.html",
        form=form,
        notices=list(reversed(notices)),
        current=privacy_notices.in_force(notices, uk_today()),
        area=current_user.organisation.area,
    ), status


@bp.route("/subject-access", methods=["GET", "POST"])
@roles_required("coordinator")
def subject_access_page():
    """A person's request: list, export (CSV) or erase what is held under their code.
    POST only; the details are used for this one request and never kept."""
    form = SubjectForm()
    found, status = None, 200
    if form.validate_on_submit():
        try:
            codes = subject_access.person_codes(
                current_user, form.initials.data, form.date_of_birth.data.isoformat(), form.sex.data
            )
        except RecipientDetailsError as error:
            form.initials.errors = [str(error)]
            status = 400
        else:
            if form.erase.data:
                counts = subject_access.erase(current_user, codes)
                flash(
                    _(
                        "Their code is erased: %(consents)s consent(s) withdrawn, "
                        "%(supplies)s other supply record(s) cleared. The kits they were "
                        "given still count.",
                        consents=counts["consents_withdrawn"],
                        supplies=counts["supplies"],
                    ),
                    "info",
                )
                return redirect(url_for("coordination.subject_access_page"), 303)
            found = subject_access.records(current_user, codes)
            subject_access.audit_access(
                current_user, "export" if form.export.data else "look_up", found
            )
            # Deliberate: the look-up or download is audited durably before the records
            # are shown or their file is built.
            db.session.commit()
            if form.export.data:
                return Response(
                    csv_text(subject_access.CSV_HEADER, subject_access.csv_rows(found)),
                    mimetype="text/csv",
                    headers={
                        "Content-Disposition": "attachment; filename=subject-access.csv",
                        "Cache-Control": "no-store",
                    },
                )
    elif form.is_submitted():
        status = 400
    return render_template("coordination/subject_access.html", form=form, found=found), status


@bp.get("/retention")
@roles_required("coordinator", "admin")
def retention_page():
    """The area's retention periods: coordinators see them, admins set them."""
    area = current_user.organisation.area
    form = RetentionForm(
        supply_years=area.retention_supply_years, code_years=area.retention_code_years
    )
    return render_template("coordination/retention.html", form=form, area=area)


@bp.post("/retention")
@roles_required("admin")
def set_retention():
    """An admin sets the area's periods (audited); the next daily run applies them."""
    area = current_user.organisation.area
    form = RetentionForm()
    if not form.validate_on_submit():
        return render_template("coordination/retention.html", form=form, area=area), 400
    retention.set_periods(area, form.supply_years.data, form.code_years.data, current_user)
    flash(_("Retention periods saved: the next daily run applies them."), "info")
    return redirect(url_for("coordination.retention_page"), 303)
