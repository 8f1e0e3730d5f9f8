"""Commissioner views of frontline intelligence: the area's drug alerts and field reports
(counts under 5 suppressed: they leave the drug service), and the use reports behind an
outcome figure. Read-only."""

import datetime as dt

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import roles_required
from ..clock import uk_today
from ..extensions import db
from ..models import DrugAlert, FieldReport, Organisation
from ..vocab import NALOXONE_SOURCES, USE_OUTCOMES, USE_PLACE_TYPES
from . import bp, outcomes
from .exports import suppress
from .filters import filters_from_args
from .metrics import in_scope


@bp.get("/alerts")
@roles_required("commissioner")
def alerts_overview():
    """Every drug alert of the area's services, and field reports by district and week."""
    area_orgs = select(Organisation.id).where(Organisation.area_id == current_user.organisation_id)
    rows = db.session.execute(
        select(DrugAlert, Organisation.name)
        .join(Organisation, DrugAlert.organisation_id == Organisation.id)
        .where(DrugAlert.organisation_id.in_(area_orgs))
        .order_by(DrugAlert.issued_at.desc())
        .limit(100)
    ).all()
    r = FieldReport
    # Grouped by ISO week here rather than in SQL: the week functions differ per database.
    reports = db.session.execute(
        in_scope(select(r.area, r.seen_on, r.more_than_one_dose), r, current_user)
    ).all()
    clusters: dict[tuple, list[int]] = {}
    for area, seen_on, more in reports:
        counts = clusters.setdefault((area, seen_on - dt.timedelta(days=seen_on.weekday())), [0, 0])
        counts[0] += 1
        counts[1] += int(more)
    table = sorted(
        ((area, week, n, more) for (area, week), (n, more) in clusters.items()),
        key=lambda row: (-row[1].toordinal(), row[0]),
    )
    return render_template(
        "monitoring/alerts.html", rows=rows, clusters=table, suppress=suppress, now=uk_today()
    )


@bp.get("/use-reports")
@roles_required("commissioner")
def use_report_log():
    """The counted use reports behind an outcome figure (drill-down), with the filters."""
    f = filters_from_args(request.args, current_user, uk_today(), records=True)
    narrow = {
        key: request.args.get(key)
        for key in ("outcome", "called_999", "place_type", "naloxone_source")
    }
    rows = outcomes.use_report_log(current_user, f, **narrow)
    names = dict(db.session.execute(select(Organisation.id, Organisation.name)).all())
    return render_template(
        "monitoring/use_reports.html",
        rows=rows,
        f=f,
        narrow=narrow,
        names=names,
        outcomes=USE_OUTCOMES,
        places=USE_PLACE_TYPES,
        sources=NALOXONE_SOURCES,
        limit=outcomes.USE_LOG_LIMIT,
    )
