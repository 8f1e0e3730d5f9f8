"""Thin views over `metrics`, `log` and `exports`. Commissioners only, read-only except
for their own coverage denominator; every export is audited."""

from dataclasses import replace

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import audit
from ..auth.access import roles_required
from ..clock import format_uk_date, uk_datetime, uk_today
from ..extensions import db
from ..models import Organisation, Product, Site, utcnow
from ..scoping import visible_organisation_ids
from ..vocab import CHANNELS, RECIPIENT_CATEGORIES, REPEAT_REASONS, SUPPLY_TYPES
from . import bp, charts, coverage, exports, first_screen, log, metrics, outcomes
from .filters import AGE_BAND_CHOICES, REFERRALS, REVIEW_CHOICES, filters_from_args
from .forms import CoverageForm


def _filters(records: bool = False):
    return filters_from_args(request.args, current_user, uk_today(), records=records)


def _choices() -> dict:
    """What the filter form offers: only organisations and sites in scope."""
    visible = visible_organisation_ids(current_user)
    return dict(
        channels=CHANNELS,
        age_bands=AGE_BAND_CHOICES,
        organisations=db.session.execute(
            select(Organisation.id, Organisation.name)
            .where(Organisation.id.in_(visible), Organisation.kind != "commissioning_area")
            .order_by(Organisation.name)
        ).all(),
        sites=db.session.execute(
            select(Site.id, Site.name).where(Site.organisation_id.in_(visible)).order_by(Site.name)
        ).all(),
        products=db.session.execute(select(Product.id, Product.name).order_by(Product.name)).all(),
    )


def _figures(f):
    today = uk_today()
    return (
        metrics.summary(current_user, f, today),
        metrics.stock(current_user, today),
        metrics.freshness(current_user, utcnow()),
    )


def _audit_export(action: str, as_of, f, **detail) -> None:
    """Audit an export with the filters it covered, at the moment its figures were taken
    (so records arriving while it ran count as after it: `metrics.last_export`)."""
    event = audit.record(action, **f.args(), **detail)
    event.at = as_of


def _charts(summary, suppress=False) -> dict:
    return dict(
        weekly=charts.weekly_stacked(
            summary.weeks,
            summary.channels_in_chart,
            CHANNELS,
            _("Kits issued per week by channel"),
            suppress=suppress,
        ),
        channels=charts.horizontal_bars(
            [(b.label, b.kits) for b in summary.by_channel],
            _("Kits issued by channel"),
            suppress=suppress,
        ),
    )


def _outcome_rows(f) -> list[tuple]:
    figures = outcomes.figures(current_user, f)
    return outcomes.summary_rows(figures["use"], figures["referrals"], exports.suppress)


@bp.route("/")
@roles_required("commissioner")
def dashboard():
    """The dashboard: every period figure, with drill-down links, and data freshness."""
    f = _filters()
    today = uk_today()
    summary = metrics.summary(current_user, f, today)
    late = metrics.late(current_user, f, today)
    cards, before = first_screen.cards(current_user, f, summary, late, today)
    use = outcomes.figures(current_user, f)
    form = CoverageForm(year=f.start.year)
    return render_template(
        "monitoring/dashboard.html",
        s=summary,
        late=late,
        cards=cards,
        before=before,
        freshness=metrics.freshness(current_user, utcnow()),
        f=f,
        charts=dict(_charts(summary), **_overview_charts(summary, use)),
        form=form,
        outcomes=use,
        **_choices(),
    )


def _overview_charts(summary, use) -> dict:
    """The four charts under the first screen's cards, each readable without its table."""
    week = _("w/c %(monday)s")  # translated once, filled in per week
    return dict(
        areas=charts.horizontal_bars(
            [(b.label, b.kits) for b in summary.by_area],
            _("Kits issued by area"),
            chart_id="chart-areas",
            unit=_("kits"),
        ),
        reasons=charts.horizontal_bars(
            [(b.label, b.supplies) for b in summary.repeat_reasons],
            _("Repeat supplies by reason"),
            chart_id="chart-reasons",
            unit=_("supplies"),
        ),
        use_weeks=charts.horizontal_bars(
            [
                (week % {"monday": format_uk_date(w["monday"], year=False)}, w["reports"])
                for w in summary.weeks
            ],
            _("Use reports by week"),
            chart_id="chart-use-weeks",
            unit=_("reports"),
        ),
        outcomes=charts.horizontal_bars(
            [(c.label, c.count) for c in use["use"]["outcome"]],
            _("Use reports by outcome"),
            chart_id="chart-outcomes",
            unit=_("reports"),
        ),
    )


@bp.route("/stock")
@roles_required("commissioner")
def stock():
    """Stock today: a snapshot over all time, so kept off the period dashboard."""
    today = uk_today()
    return render_template(
        "monitoring/stock.html", today=today, stock=metrics.stock(current_user, today, _filters())
    )


@bp.route("/log")
@roles_required("commissioner")
def distribution_log():
    """The supplies behind the figures (or the held, rejected or late ones), pseudonymous,
    a page at a time."""
    f = _filters(records=True)
    number = request.args.get("page", "1")
    if not number.isdigit() or int(number) < 1:
        abort(400)
    total = log.count(current_user, f)
    pages = max(1, -(-total // log.PAGE_SIZE))
    number = min(int(number), pages)
    return render_template(
        "monitoring/log.html",
        f=f,
        rows=log.page(current_user, f, number),
        total=total,
        page=number,
        pages=pages,
        labels=dict(
            recipient_category=RECIPIENT_CATEGORIES,
            supply_type=SUPPLY_TYPES,
            repeat_reason=REPEAT_REASONS,
            referral=REFERRALS,
            review=REVIEW_CHOICES,
        ),
        review_labels=REVIEW_CHOICES,
        filter_names=LOG_FILTER_NAMES,
        arrived_after=uk_datetime(f.arrived_after),
        **_choices(),
    )


# The log's own filters, by the query argument each sets.
LOG_FILTER_NAMES = {
    "recipient_category": _l("Recipient category"),
    "supply_type": _l("Supply type"),
    "repeat_reason": _l("Repeat reason"),
    "referral": _l("Referral"),
    "review": _l("Review"),
}


def _csv(name: str, text: str) -> Response:
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.route("/log.csv")
@roles_required("commissioner")
def export_log():
    """The log as CSV (pseudonymous, not suppressed: it stays with the commissioner)."""
    f = _filters(records=True)
    as_of = utcnow()
    rows = list(exports.log_rows(log.every_row(current_user, f)))
    held = metrics.record_counts(current_user, replace(f, review="held"))
    _audit_export("export.log_csv", as_of, f, rows=len(rows))
    # Deliberate: the download is audited durably before its file is built.
    db.session.commit()
    notes = exports.log_notes(f, uk_datetime(as_of), len(rows), held)
    return _csv(
        f"distribution-log-{f.start}-{f.end}.csv", exports.csv_text(exports.LOG_HEADER, rows, notes)
    )


@bp.route("/summary.csv")
@roles_required("commissioner")
def export_summary():
    """The summary figures as CSV, counts under 5 suppressed."""
    f = _filters()
    as_of = utcnow()
    summary, stock, freshness = _figures(f)
    rows = exports.summary_rows(summary, stock, freshness, uk_datetime(as_of))
    rows += _outcome_rows(f)
    _audit_export("export.summary_csv", as_of, f, records=summary.records["records"])
    # Deliberate: the download is audited durably before its file is built.
    db.session.commit()
    return _csv(
        f"naloxone-summary-{f.start}-{f.end}.csv", exports.csv_text(exports.SUMMARY_HEADER, rows)
    )


@bp.route("/report")
@roles_required("commissioner")
def board_report():
    """The printable board report: one page per section, counts under 5 suppressed."""
    f = _filters()
    as_of = utcnow()
    summary, stock, freshness = _figures(f)
    _audit_export("export.board_report", as_of, f, records=summary.records["records"])
    return render_template(
        "monitoring/report.html",
        s=summary,
        f=f,
        as_of=uk_datetime(as_of),
        pages=exports.report_pages(summary, stock, freshness, uk_datetime(as_of))
        + [outcomes.report_page(_outcome_rows(f))],
        charts=_charts(summary, suppress=True),
        suppress=exports.suppress,
        channel_labels=CHANNELS,
        area=db.session.get(Organisation, current_user.organisation_id),
    )


@bp.route("/coverage", methods=["POST"])
@roles_required("commissioner")
def set_coverage():
    """Save the coverage denominator for the commissioner's own area."""
    form = CoverageForm()
    if not form.validate_on_submit():
        abort(400)
    coverage.set_estimate(
        current_user, form.year.data, form.estimated_opiate_users.data, form.source.data
    )
    flash(_("Estimate for %(year)s saved.", year=form.year.data), "success")
    return redirect(url_for("monitoring.dashboard", **_filters().args()))
