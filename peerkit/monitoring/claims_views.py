"""Pharmacy claims pages: the month's overview, each pharmacy's printable statement and
its CSV. Commissioners only, their own area; statements and CSVs are audited like every
other export."""

from flask import render_template, request
from flask_login import current_user

from .. import audit
from ..auth.access import roles_required
from ..clock import uk_today
from ..extensions import db
from ..models import Organisation
from . import bp, claims, exports
from .views import _csv


@bp.route("/claims")
@roles_required("commissioner")
def claims_overview():
    """Every pharmacy's kits in a month, with links to its statement and CSV."""
    month = claims.parse_month(request.args.get("month"), uk_today())
    return render_template(
        "monitoring/claims.html",
        month=month,
        rows=claims.overview(current_user, month),
        filters=claims.month_filters(month),
    )


@bp.route("/claims/<int:organisation_id>")
@roles_required("commissioner")
def claims_statement(organisation_id):
    """A pharmacy's monthly claims statement, to print."""
    pharmacy = claims.pharmacy(current_user, organisation_id)
    month = claims.parse_month(request.args.get("month"), uk_today())
    statement = claims.statement(current_user, pharmacy, month)
    audit.record(
        "export.claims_statement",
        "organisation",
        pharmacy.id,
        month=month.strftime("%Y-%m"),
        kits=statement.kits,
    )
    return render_template(
        "monitoring/claims_statement.html",
        s=statement,
        today=uk_today(),
        area=db.session.get(Organisation, current_user.organisation_id),
    )


@bp.route("/claims/<int:organisation_id>.csv")
@roles_required("commissioner")
def claims_csv(organisation_id):
    """A pharmacy's monthly claims statement as CSV."""
    pharmacy = claims.pharmacy(current_user, organisation_id)
    month = claims.parse_month(request.args.get("month"), uk_today())
    statement = claims.statement(current_user, pharmacy, month)
    audit.record(
        "export.claims_csv",
        "organisation",
        pharmacy.id,
        month=month.strftime("%Y-%m"),
        rows=len(statement.lines),
        kits=statement.kits,
    )
    # Deliberate: the download is audited durably before its file is built.
    db.session.commit()
    return _csv(
        f"naloxone-claims-{pharmacy.id}-{month:%Y-%m}.csv",
        exports.csv_text(claims.CSV_HEADER, claims.csv_rows(statement)),
    )
