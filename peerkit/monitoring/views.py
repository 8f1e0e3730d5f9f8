"""Thin views over `metrics`, `log` and `exports`. Commissioners only, read-only except
for their own coverage denominator; every export is audited."""
import datetime as dt

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..auth.access import roles_required
from ..extensions import db
from ..models import Organisation, Product, Site, utcnow
from ..scoping import visible_organisation_ids
from ..vocab import CHANNELS, RECIPIENT_CATEGORIES, REPEAT_REASONS, SUPPLY_TYPES
from . import bp, charts, coverage, exports, log, metrics
from .filters import REFERRALS, filters_from_args
from .forms import CoverageForm


def _today() -> dt.date:
    """Today in the UK, which is what "this week" means to the people reading the page."""
    return dt.datetime.now(metrics.LONDON).date()


def _filters():
    return filters_from_args(request.args, current_user, _today())


def _choices() -> dict:
    """What the filter form offers: only organisations and sites in scope."""
    visible = visible_organisation_ids(current_user)
    return dict(
        channels=CHANNELS,
        organisations=db.session.execute(select(Organisation.id, Organisation.name)
                                         .where(Organisation.id.in_(visible),
                                                Organisation.kind != "commissioning_area")
                                         .order_by(Organisation.name)).all(),
        sites=db.session.execute(select(Site.id, Site.name).where(Site.organisation_id.in_(visible))
                                 .order_by(Site.name)).all(),
        products=db.session.execute(select(Product.id, Product.name).order_by(Product.name)).all(),
    )


def _figures(f):
    today = _today()
    return (metrics.summary(current_user, f, today), metrics.stock(current_user, today),
            metrics.freshness(current_user, utcnow()))


def _charts(summary, suppress=False) -> dict:
    return dict(
        weekly=charts.weekly_stacked(summary.weeks, summary.channels_in_chart, CHANNELS,
                                     "Kits issued per week by channel", suppress=suppress),
        channels=charts.horizontal_bars([(b.label, b.kits) for b in summary.by_channel],
                                        "Kits issued by channel", suppress=suppress),
    )


@bp.route("/")
@roles_required("commissioner")
def dashboard():
    """The dashboard: every period figure, with drill-down links, and data freshness."""
    f = _filters()
    summary = metrics.summary(current_user, f, _today())
    form = CoverageForm(year=f.start.year)
    return render_template("monitoring/dashboard.html", s=summary,
                           freshness=metrics.freshness(current_user, utcnow()), f=f,
                           charts=_charts(summary), form=form, **_choices())


@bp.route("/stock")
@roles_required("commissioner")
def stock():
    """Stock today: a snapshot over all time, so kept off the period dashboard."""
    today = _today()
    return render_template("monitoring/stock.html", today=today,
                           stock=metrics.stock(current_user, today, _filters()))


@bp.route("/log")
@roles_required("commissioner")
def distribution_log():
    """The supplies behind the figures, pseudonymous, a page at a time."""
    f = _filters()
    number = request.args.get("page", "1")
    if not number.isdigit() or int(number) < 1:
        abort(400)
    total = log.count(current_user, f)
    pages = max(1, -(-total // log.PAGE_SIZE))
    number = min(int(number), pages)
    return render_template("monitoring/log.html", f=f, rows=log.page(current_user, f, number),
                           total=total, page=number, pages=pages,
                           labels=dict(recipient_category=RECIPIENT_CATEGORIES,
                                       supply_type=SUPPLY_TYPES, repeat_reason=REPEAT_REASONS,
                                       referral=REFERRALS),
                           **_choices())


def _csv(name: str, text: str) -> Response:
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{name}"'})


@bp.route("/log.csv")
@roles_required("commissioner")
def export_log():
    """The log as CSV (pseudonymous, not suppressed: it stays with the commissioner)."""
    f = _filters()
    rows = list(exports.log_rows(log.every_row(current_user, f)))
    audit.record("export.log_csv", rows=len(rows), **f.args())
    db.session.commit()
    return _csv(f"distribution-log-{f.start}-{f.end}.csv",
                exports.csv_text(exports.LOG_HEADER, rows))


@bp.route("/summary.csv")
@roles_required("commissioner")
def export_summary():
    """The summary figures as CSV, counts under 5 suppressed."""
    f = _filters()
    rows = exports.summary_rows(*_figures(f))
    audit.record("export.summary_csv", **f.args())
    db.session.commit()
    return _csv(f"naloxone-summary-{f.start}-{f.end}.csv",
                exports.csv_text(exports.SUMMARY_HEADER, rows))


@bp.route("/report")
@roles_required("commissioner")
def board_report():
    """The printable board report: one page per section, counts under 5 suppressed."""
    f = _filters()
    summary, stock, freshness = _figures(f)
    audit.record("export.board_report", **f.args())
    db.session.commit()
    return render_template("monitoring/report.html", s=summary, f=f,
                           pages=exports.report_pages(summary, stock, freshness),
                           charts=_charts(summary, suppress=True), suppress=exports.suppress,
                           channel_labels=CHANNELS, area=db.session.get(Organisation, current_user.organisation_id))


@bp.route("/coverage", methods=["POST"])
@roles_required("commissioner")
def set_coverage():
    """Save the coverage denominator for the commissioner's own area."""
    form = CoverageForm()
    if not form.validate_on_submit():
        abort(400)
    coverage.set_estimate(current_user, form.year.data, form.estimated_opiate_users.data,
                          form.source.data)
    db.session.commit()
    flash(f"Estimate for {form.year.data} saved.", "success")
    return redirect(url_for("monitoring.dashboard", **_filters().args()))
