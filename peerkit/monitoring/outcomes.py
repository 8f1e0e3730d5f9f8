"""Outcomes for commissioners: what happened when naloxone was used, and where referrals
went. Built on `metrics.in_scope`, so only counted records of the commissioner's area
count, for the same period and filters as the rest of the dashboard.

- Use reports by outcome (survived, died, unknown), 999 called, doses given (1, 2, 3 or
  more), setting (place type) and naloxone source (this scheme, elsewhere, not known,
  not recorded by phones older than the question).
- Referral stages by destination: offered -> accepted -> attended (also declined, not
  known, and awaiting an outcome). A destination is recorded only on accepted referrals,
  so referrals offered but not accepted form their own row.

Shared outputs (summary CSV, board report) suppress counts under 5 (`exports.suppress`);
the dashboard shows them, with drill-down to the use-report log.
"""

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..models import KitSupply, NaloxoneUseReport, ReferralDay, ReferralDestination
from ..vocab import NALOXONE_SOURCES, REFERRAL_KINDS, USE_OUTCOMES, USE_PLACE_TYPES
from .filters import Filters
from .metrics import _other_conditions, in_scope, reads_summaries, scoped_supplies

NOT_RECORDED = "not_recorded"
DOSE_BANDS = {"1": _l("1 dose"), "2": _l("2 doses"), "3+": _l("3 or more doses")}
CALLED_999 = {"yes": _l("999 called"), "no": _l("999 not called")}
# The referral stages the summary counts, in order.
STAGES = {"offered": _l("offered"), "accepted": _l("accepted"), "attended": _l("attended")}


@dataclass
class Count:
    """One row of an outcome table: the code (for drill-down), its label, the count."""

    code: str
    label: str
    count: int


def use_reports_statement(user, f: Filters):
    """Counted use reports in scope and period, grouped by every outcome dimension (plain
    columns: the dose bands are folded in Python, the same on both databases)."""
    r = NaloxoneUseReport
    return (
        in_scope(
            select(r.outcome, r.called_999, r.doses, r.place_type, r.naloxone_source, func.count()),
            r,
            user,
            f.review,
        )
        .where(*_other_conditions(r, r.used_on, user, f, site=False))
        .group_by(r.outcome, r.called_999, r.doses, r.place_type, r.naloxone_source)
    )


def _table(totals: dict, labels: dict) -> list[Count]:
    return [Count(code, label, totals.get(code, 0)) for code, label in labels.items()]


def use_outcomes(user, f: Filters) -> dict:
    """{"total", "outcome", "called_999", "doses", "setting", "source"}: lists of Count,
    every category shown even at zero so tables line up period to period."""
    totals = {key: {} for key in ("outcome", "called_999", "doses", "setting", "source")}
    total = 0
    for outcome, called, doses, place, source, count in db.session.execute(
        use_reports_statement(user, f)
    ):
        total += count
        for key, code in (
            ("outcome", outcome),
            ("called_999", "yes" if called else "no"),
            ("doses", "3+" if doses >= 3 else str(doses)),
            ("setting", place),
            ("source", source or NOT_RECORDED),
        ):
            totals[key][code] = totals[key].get(code, 0) + count
    return {
        "total": total,
        "outcome": _table(totals["outcome"], USE_OUTCOMES),
        "called_999": _table(totals["called_999"], CALLED_999),
        "doses": _table(totals["doses"], DOSE_BANDS),
        "setting": _table(totals["setting"], USE_PLACE_TYPES),
        "source": _table(totals["source"], {**NALOXONE_SOURCES, NOT_RECORDED: _l("Not recorded")}),
    }


@dataclass
class ReferralStages:
    """Referrals to one destination (or not accepted) through their stages."""

    label: str
    offered: int
    accepted: int
    attended: int
    declined: int
    not_known: int
    awaiting: int


def referral_stages_statement(user, f: Filters, *, from_rows: bool = False):
    """(destination id, accepted, offered, attended, declined, not known) rows: from the
    `ReferralDay` summary unless the view is filtered by what it does not hold (area, age
    band, or a filter only rows answer), or `from_rows` (the tests compare both)."""
    d = ReferralDay
    if from_rows or not reads_summaries(f) or f.area is not None or f.age_band is not None:
        k = KitSupply
        return scoped_supplies(
            select(
                k.referral_destination_id,
                k.referral_accepted,
                func.count(),
                func.count().filter(k.referral_outcome == "attended"),
                func.count().filter(k.referral_outcome == "declined"),
                func.count().filter(k.referral_outcome == "not_known"),
            )
            .where(k.referral_offered.is_(True))
            .group_by(k.referral_destination_id, k.referral_accepted),
            user,
            f,
        )
    conditions = [d.supplied_on >= f.start, d.supplied_on <= f.end]
    for name in ("channel", "organisation_id", "site_id", "product_id"):
        if getattr(f, name) is not None:
            conditions.append(getattr(d, name) == getattr(f, name))
    destination = func.nullif(d.referral_destination_id, 0)
    return (
        in_scope(
            select(
                destination,
                d.referral_accepted,
                func.sum(d.offered),
                func.sum(d.attended),
                func.sum(d.declined),
                func.sum(d.not_known),
            ),
            d,
            user,
            f.review,
        )
        .where(*conditions)
        .group_by(destination, d.referral_accepted)
    )


def referral_stages(user, f: Filters, *, from_rows: bool = False) -> list[ReferralStages]:
    """Offered -> accepted -> attended by destination, for the period's counted supplies;
    the last row is the total."""
    rows = [
        (destination, accepted, *(int(n or 0) for n in counts))
        for destination, accepted, *counts in db.session.execute(
            referral_stages_statement(user, f, from_rows=from_rows)
        )
    ]
    ids = {r[0] for r in rows if r[0] is not None}
    names = (
        {
            d.id: f"{d.name} ({REFERRAL_KINDS.get(d.kind, d.kind)})"
            for d in db.session.scalars(
                select(ReferralDestination).where(ReferralDestination.id.in_(ids))
            )
        }
        if ids
        else {}
    )
    stages: dict[str, ReferralStages] = {}
    for destination, accepted, count, attended, declined, not_known in rows:
        label = (
            names.get(destination, _l("Destination not recorded"))
            if accepted
            else _l("Offered, not accepted")
        )
        row = stages.setdefault(label, ReferralStages(label, 0, 0, 0, 0, 0, 0))
        row.offered += count
        if accepted:
            row.accepted += count
            row.attended += attended
            row.declined += declined
            row.not_known += not_known
            row.awaiting += count - attended - declined - not_known
    ordered = sorted(
        stages.values(), key=lambda s: (s.label == _l("Offered, not accepted"), s.label)
    )
    total = ReferralStages(
        _l("All referrals"),
        *(
            sum(getattr(s, name) for s in ordered)
            for name in ("offered", "accepted", "attended", "declined", "not_known", "awaiting")
        ),
    )
    return ordered + [total]


def summary_rows(outcomes: dict, stages: list[ReferralStages], suppress) -> list[tuple]:
    """(section, measure, value) rows for the summary CSV and board report, suppressed."""
    rows = [(_l("Use outcomes"), _l("Use reports"), suppress(outcomes["total"]))]
    for key, section in (
        ("outcome", _l("Use outcomes")),
        ("called_999", _l("Use: 999 called")),
        ("doses", _l("Use: doses given")),
        ("setting", _l("Use: setting")),
        ("source", _l("Use: naloxone source")),
    ):
        rows += [(section, c.label, suppress(c.count)) for c in outcomes[key]]
    for s in stages:
        rows += [
            (
                _l("Referral stages"),
                _("%(destination)s: %(stage)s", destination=s.label, stage=STAGES[stage]),
                suppress(getattr(s, stage)),
            )
            for stage in STAGES
        ]
    return rows


REPORT_SECTIONS = (
    _l("Use outcomes"),
    _l("Use: 999 called"),
    _l("Use: doses given"),
    _l("Use: setting"),
    _l("Use: naloxone source"),
    _l("Referral stages"),
)


def report_page(rows: list[tuple]) -> dict:
    """The board report's page for these rows (the same rows the summary CSV holds)."""
    sections: dict[str, list] = {}
    for section, measure, value in rows:
        sections.setdefault(section, []).append((measure, value))
    return dict(
        title=_l("Outcomes of naloxone use, and referrals"),
        sections=[(name, sections.get(name, [])) for name in REPORT_SECTIONS],
    )


def figures(user, f: Filters) -> dict:
    """Everything the dashboard's outcome section shows."""
    return {"use": use_outcomes(user, f), "referrals": referral_stages(user, f)}


USE_LOG_LIMIT = 500


def use_report_log(user, f: Filters, **narrow) -> list[NaloxoneUseReport]:
    """The counted use reports behind an outcome figure (drill-down), newest first.
    `narrow` takes outcome, called_999 ("yes"/"no"), place_type, naloxone_source."""
    r = NaloxoneUseReport
    statement = in_scope(select(r), r, user, f.review).where(
        *_other_conditions(r, r.used_on, user, f, site=False)
    )
    if narrow.get("outcome"):
        statement = statement.where(r.outcome == narrow["outcome"])
    if narrow.get("called_999") in ("yes", "no"):
        statement = statement.where(r.called_999.is_(narrow["called_999"] == "yes"))
    if narrow.get("place_type"):
        statement = statement.where(r.place_type == narrow["place_type"])
    if narrow.get("naloxone_source") == NOT_RECORDED:
        statement = statement.where(r.naloxone_source.is_(None))
    elif narrow.get("naloxone_source"):
        statement = statement.where(r.naloxone_source == narrow["naloxone_source"])
    return db.session.scalars(statement.order_by(r.used_on.desc(), r.id).limit(USE_LOG_LIMIT)).all()
