"""The commissioner's figures, as plain functions over scoped queries.

The dashboard, the CSV exports and the board report all call `summary` (and `stock`,
`freshness`), so they agree by construction. Periods are by event date (the day a kit
was supplied, a session held, naloxone used), so a record that syncs days late lands in
the week it happened. Definitions are in docs/MONITORING.md.

Figures are read from the daily summaries (`peerkit.summaries`, kept in the same
transaction as the records) wherever a figure can be read from them exactly: every
dashboard filter. The drill-down filters of the log (recipient category, supply type,
repeat reason, used, reach, referral) and late arrivals count the rows themselves, with the
statements below (`statements`, which the benchmark also runs bare as its baseline).

Only records whose review status is "counted" count: `in_scope`, which every statement
here (and every other module that counts field records for the commissioner) starts from,
adds that condition, so no output can forget it. Held records are counted beside the
figures, never in them.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field, fields, replace

from flask import g, has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    and_,
    case,
    false,
    func,
    literal,
    null,
    or_,
    select,
    tuple_,
    union,
    union_all,
)

from .. import stock as stock_module
from .. import summaries
from ..clock import uk_datetime
from ..extensions import db
from ..models import (
    ActivityDay,
    AuditEvent,
    CoverageEstimate,
    Device,
    KitSupply,
    NaloxoneUseReport,
    Organisation,
    Product,
    Site,
    StockBatch,
    SupplierSignOff,
    SupplyAreaDay,
    SupplyBatch,
    SupplyChannelDay,
    SupplyDay,
    SupplyLateDay,
    TrainingDay,
    TrainingSession,
    User,
    UseReportDay,
)
from ..rules import ORGANISATION_CHANNEL
from ..scoping import visible_organisation_ids
from ..vocab import CHANNELS, RECIPIENT_CATEGORIES, REPEAT_REASONS, USED_REPEAT_REASONS
from .filters import AGE_BAND_CHOICES, AGE_NOT_RECORDED, Filters, period_end, week_start

# The one review status that counts in figures (see peerkit.models.FieldRecordMixin).
COUNTED = "counted"
# Every monitoring export; each is audited with the filters it covered (`Filters.args`).
EXPORT_ACTIONS = ("export.summary_csv", "export.log_csv", "export.board_report")
# The channels always shown side by side, even at zero: the comparison funders ask for.
MAIN_CHANNELS = ("peer", "drug_service", "pharmacy")
SILENT_AFTER = dt.timedelta(days=3)
EXPIRING_WITHIN = dt.timedelta(days=90)
# Training kinds whose attendees are people who might need naloxone (the others train
# suppliers: peers, pharmacists, workers).
RECIPIENT_TRAINING = ("overdose_awareness",)


def arrived(model):
    """When a record reached the figures: when it arrived, or, if it was held first, when a
    person accepted it."""
    return func.coalesce(model.reviewed_at, model.received_at)


def supply_conditions(f: Filters) -> list:
    """WHERE conditions on KitSupply for `f` (scope and review status are added by
    `in_scope`)."""
    conditions = [KitSupply.supplied_on >= f.start, KitSupply.supplied_on <= f.end]
    for column, value in (
        (KitSupply.channel, f.channel),
        (KitSupply.organisation_id, f.organisation_id),
        (KitSupply.site_id, f.site_id),
        (KitSupply.product_id, f.product_id),
        (KitSupply.area, f.area),
        (KitSupply.recipient_category, f.recipient_category),
        (KitSupply.supply_type, f.supply_type),
        (KitSupply.repeat_reason, f.repeat_reason),
    ):
        if value is not None:
            conditions.append(column == value)
    if f.used:
        conditions.append(KitSupply.repeat_reason.in_(USED_REPEAT_REASONS))
    if f.reach:
        conditions.append(
            and_(KitSupply.supply_type == "first", KitSupply.recipient_category == "person_at_risk")
        )
    if f.referral == "offered":
        conditions.append(KitSupply.referral_offered.is_(True))
    if f.referral == "accepted":
        conditions.append(KitSupply.referral_accepted.is_(True))
    if f.age_band == AGE_NOT_RECORDED:
        conditions.append(KitSupply.age_band.is_(None))
    elif f.age_band is not None:
        conditions.append(KitSupply.age_band == f.age_band)
    if f.arrived_after is not None:
        conditions.append(arrived(KitSupply) > f.arrived_after)
    return conditions


def _visible_ids(user) -> list[int]:
    """`visible_organisation_ids(user)`, looked up once per request: a dashboard asks
    for it in some twenty statements."""
    if not has_request_context():
        return db.session.scalars(visible_organisation_ids(user)).all()
    cache = g.setdefault("visible_organisation_ids", {})
    if user.id not in cache:
        cache[user.id] = db.session.scalars(visible_organisation_ids(user)).all()
    return cache[user.id]


def in_scope(statement, model, user, review: str | None = None):
    """`statement` over field records of `model` that `user` may see and that count.

    The base of every figure: only records with review status "counted" count, unless
    `review` asks for the "held" or "rejected" ones instead (to show them beside the
    figures, never in them). The organisation ids come from `visible_organisation_ids`,
    the one scoping rule; listing them rather than joining the subquery lets PostgreSQL
    use an index on the other columns (the latest arrival goes from a scan of every row
    to one index probe)."""
    return statement.where(
        model.organisation_id.in_(_visible_ids(user)), model.review_status == (review or COUNTED)
    )


def scoped_supplies(statement, user, f: Filters):
    """`statement` over KitSupply narrowed to `user`'s scope and `f` (counted supplies,
    unless `f.review` asks for held or rejected ones)."""
    return in_scope(statement, KitSupply, user, f.review).where(*supply_conditions(f))


def _channel_organisations(user, channel: str):
    """Ids of organisations in scope whose records count in `channel` (for records that,
    unlike supplies, carry no channel of their own)."""
    kinds = [kind for kind, code in ORGANISATION_CHANNEL.items() if code == channel]
    return select(Organisation.id).where(
        Organisation.kind.in_(kinds), Organisation.id.in_(visible_organisation_ids(user))
    )


def _other_conditions(
    model, date_column, user, f: Filters, *, site=True, area=True, product=True
) -> list:
    """Conditions for training sessions and use reports: the filters that apply to them."""
    conditions = [date_column >= f.start, date_column <= f.end]
    if f.organisation_id is not None:
        conditions.append(model.organisation_id == f.organisation_id)
    if f.channel is not None:
        conditions.append(model.organisation_id.in_(_channel_organisations(user, f.channel)))
    if f.site_id is not None:
        conditions.append(
            model.site_id == f.site_id
            if site
            else model.organisation_id
            == select(Site.organisation_id).where(Site.id == f.site_id).scalar_subquery()
        )
    if f.area is not None and area:
        conditions.append(model.area == f.area)
    if f.product_id is not None and product:
        conditions.append(model.product_id == f.product_id)
    if f.arrived_after is not None:
        conditions.append(arrived(model) > f.arrived_after)
    return conditions


# --- the statements (also run bare by the benchmark) -------------------------------------

# The groupings supplies are counted by. One scan serves them all: GROUPING SETS on
# PostgreSQL, a UNION ALL of GROUP BYs on SQLite (which has no grouping sets). Few, small
# groupings: each one costs PostgreSQL a hash-table update per row.
K = KitSupply
GROUPED = (
    K.supplied_on,
    K.channel,
    K.site_id,
    K.product_id,
    K.recipient_category,
    K.repeat_reason,
    K.area,
    K.age_band,
    K.user_id,
)
GROUPINGS = {
    "day": (K.supplied_on, K.channel),
    "kind": (K.site_id, K.product_id, K.recipient_category, K.repeat_reason),
    # Age band rides with area (a few dozen groups) rather than costing a grouping of its own.
    "area": (K.area, K.age_band),
    "user": (K.user_id,),
}
# PostgreSQL's GROUPING() bit mask of each grouping: a bit set for every column left out.
_MASKS = {
    name: sum(
        1 << (len(GROUPED) - 1 - i) for i, column in enumerate(GROUPED) if column not in columns
    )
    for name, columns in GROUPINGS.items()
}
GROUPING_OF_MASK = {mask: name for name, mask in _MASKS.items()}
MEASURES = ("supplies", "kits", "used", "reach", "first", "referral_offered", "referral_accepted")


def _measures():
    return (
        func.count(),
        func.sum(K.quantity),
        func.count().filter(K.repeat_reason.in_(USED_REPEAT_REASONS)),
        func.count().filter(
            and_(K.supply_type == "first", K.recipient_category == "person_at_risk")
        ),
        func.count().filter(K.supply_type == "first"),
        func.count().filter(K.referral_offered.is_(True)),
        func.count().filter(K.referral_accepted.is_(True)),
    )


def supplies_statement(user, f: Filters, dialect: str):
    """Supplies counted by every grouping in GROUPINGS; rows start with their mask."""
    if dialect == "postgresql":
        return scoped_supplies(
            select(func.grouping(*GROUPED), *GROUPED, *_measures()).group_by(
                func.grouping_sets(*(tuple_(*columns) for columns in GROUPINGS.values()))
            ),
            user,
            f,
        )
    parts = []
    for name, columns in GROUPINGS.items():
        shown = [c if c in columns else null() for c in GROUPED]
        parts.append(
            scoped_supplies(
                select(literal(_MASKS[name]), *shown, *_measures()).group_by(*columns), user, f
            )
        )
    return union_all(*parts)


def others_active_statement(user, f: Filters):
    """Who recorded a training session or use report with an event date in the period."""
    sources = []
    for model, date_column, kw in (
        (TrainingSession, TrainingSession.session_date, dict(area=False, product=False)),
        (NaloxoneUseReport, NaloxoneUseReport.used_on, dict(site=False)),
    ):
        sources.append(
            in_scope(select(model.user_id), model, user, f.review).where(
                *_other_conditions(model, date_column, user, f, **kw)
            )
        )
    return union(*sources)


def training_statement(user, f: Filters):
    """Sessions, attendees and kits taken per training kind."""
    t = TrainingSession
    attendees = t.attendees_at_risk + t.attendees_family + t.attendees_worker + t.attendees_unknown
    with_kit = case((t.kits_taken < attendees, t.kits_taken), else_=attendees)
    return (
        in_scope(
            select(t.kind, func.count(), func.sum(attendees), func.sum(with_kit)), t, user, f.review
        )
        .where(*_other_conditions(t, t.session_date, user, f, area=False, product=False))
        .group_by(t.kind)
    )


def use_reports_statement(user, f: Filters):
    """Use reports per event day."""
    r = NaloxoneUseReport
    return (
        in_scope(select(r.used_on, func.count()), r, user, f.review)
        .where(*_other_conditions(r, r.used_on, user, f, site=False))
        .group_by(r.used_on)
    )


def statements(user, f: Filters, dialect: str) -> list:
    """Every period statement `summary` runs, in order (the benchmark's baseline)."""
    return [
        supplies_statement(user, f, dialect),
        others_active_statement(user, f),
        training_statement(user, f),
        use_reports_statement(user, f),
    ]


# --- the same figures read from the daily summaries (peerkit.summaries) -----------------

# Filters only the rows can answer: the summaries hold no recipient category, supply type
# or referral per key (they are measures), and no arrival time but the latest.
ROW_ONLY_FILTERS = (
    "recipient_category",
    "supply_type",
    "repeat_reason",
    "used",
    "reach",
    "referral",
    "arrived_after",
)


def reads_summaries(f: Filters) -> bool:
    """Whether every figure under `f` can be read exactly from the daily summaries."""
    return not any(getattr(f, name) for name in ROW_ONLY_FILTERS)


# What the period total adds beyond MEASURES: supplies and kits per recipient category and
# per repeat reason (columns of the supply summaries, so no grouping needs them as keys).
MIX_MEASURES = tuple(m for m in summaries.PARTS[0].measures_sql() if m not in MEASURES)


def _summary_conditions(model, f: Filters) -> list:
    conditions = [model.supplied_on >= f.start, model.supplied_on <= f.end]
    for name in ("channel", "organisation_id", "site_id", "product_id", "area"):
        if getattr(f, name) is not None:
            conditions.append(getattr(model, name) == getattr(f, name))
    if f.age_band is not None:
        conditions.append(model.age_band == ("" if f.age_band == AGE_NOT_RECORDED else f.age_band))
    return conditions


def _sums(model, columns: tuple, measures: tuple, user, f: Filters) -> list[dict]:
    """Rows of the supply summary `model` under `f`, added up by `columns` (none: one row,
    the total), as dicts of the columns' keys and `measures`.

    Each figure asks only for the sums it shows: adding up a year of day rows costs the
    database per sum, so one statement carrying every measure for every grouping (as
    GROUPING SETS or a UNION ALL) cost more than these few narrow ones."""
    statement = in_scope(
        select(*columns, *(func.sum(getattr(model, m)) for m in measures)), model, user, f.review
    ).where(*_summary_conditions(model, f))
    if columns:
        statement = statement.group_by(*columns)
    keys = [column.key for column in columns]
    return [
        dict(zip(keys, row[: len(keys)], strict=True))
        | {m: int(v or 0) for m, v in zip(measures, row[len(keys) :], strict=True)}
        for row in db.session.execute(statement)
    ]


def _supply_figures_from_summaries(user, f: Filters) -> dict[str, list[dict]]:
    """Supplies by day and channel, site, product, recipient category, repeat reason, area
    and age band, as the rows `summary` folds, from the smallest summary that holds them:
    `SupplyChannelDay` (a few rows a day) unless the view is filtered by area or age band
    (then `SupplyDay`); areas and age bands from `SupplyAreaDay` unless the view is
    filtered by site or product. Sites and products come as (site, product) rows, which
    `_breakdown` adds up by either."""
    by_area = f.area is not None or f.age_band is not None
    model = SupplyDay if by_area else SupplyChannelDay
    shown = ("supplies", "kits")
    pairs = _sums(model, (model.site_id, model.product_id), shown, user, f)
    figures = {
        "day": _sums(model, (model.supplied_on, model.channel), MEASURES, user, f),
        "site": pairs,
        "product": pairs,
    }
    area_model = (
        SupplyDay if by_area or f.site_id is not None or f.product_id is not None else SupplyAreaDay
    )
    # Age band first: grouped by area first, SQLite's planner reads the whole period through
    # the area index to save a sort, six times slower than the key's index.
    figures["area"] = _sums(area_model, (area_model.age_band, area_model.area), shown, user, f)
    for row in figures["area"]:
        row["age_band"] = row["age_band"] or None
    totals = _sums(model, (), MIX_MEASURES, user, f)[0]
    figures["category"] = [
        dict(
            recipient_category=code,
            supplies=totals[f"supplies_{code}"],
            kits=totals[f"kits_{code}"],
        )
        for code in RECIPIENT_CATEGORIES
        if totals[f"supplies_{code}"]
    ]
    figures["reason"] = [
        dict(
            repeat_reason=code,
            supplies=totals[f"repeat_{code}"],
            kits=totals[f"repeat_kits_{code}"],
        )
        for code in REPEAT_REASONS
        if totals[f"repeat_{code}"]
    ]
    return figures


def _training_from_summaries(user, f: Filters):
    t = TrainingDay
    return (
        in_scope(
            select(t.kind, func.sum(t.sessions), func.sum(t.attendees), func.sum(t.with_kit)),
            t,
            user,
            f.review,
        )
        .where(*_other_conditions(t, t.session_date, user, f, area=False, product=False))
        .group_by(t.kind)
    )


def _reports_from_summaries(user, f: Filters):
    r = UseReportDay
    return (
        in_scope(select(r.used_on, func.sum(r.reports)), r, user, f.review)
        .where(*_other_conditions(r, r.used_on, user, f, site=False))
        .group_by(r.used_on)
    )


def active_people(user, f: Filters, *, from_rows: bool = False) -> set:
    """Ids of who recorded anything counted in the period, under `f` as each kind of record
    takes it (see `_other_conditions`). The activity summary knows each record's channel,
    site and product but not its area or age band: under those filters the rows of
    supplies and use reports say (an index on area and day finds a district's supplies),
    while training, which takes neither filter, still comes from the summary. `from_rows`
    reads every kind from the rows (the tests compare both)."""
    if from_rows:
        supplies = scoped_supplies(select(K.user_id).distinct(), user, f)
        return set(db.session.scalars(supplies)) | set(
            db.session.scalars(others_active_statement(user, f))
        )
    people = set()
    kinds = ("kit_supply", "training_session", "naloxone_use_report")
    if f.area is not None or f.age_band is not None:
        r = NaloxoneUseReport
        people |= set(db.session.scalars(scoped_supplies(select(K.user_id).distinct(), user, f)))
        people |= set(
            db.session.scalars(
                in_scope(select(r.user_id).distinct(), r, user, f.review).where(
                    *_other_conditions(r, r.used_on, user, f, site=False)
                )
            )
        )
        kinds = ("training_session",)
    return people | _active_from_summary(user, f, kinds)


def _active_from_summary(user, f: Filters, records: tuple[str, ...]) -> set:
    """Who recorded any of `records` (kinds of record) in the period, from ActivityDay."""
    a = ActivityDay
    kinds = {"kit_supply": [], "training_session": [], "naloxone_use_report": []}
    if f.channel is not None:
        kinds["kit_supply"].append(a.channel == f.channel)
        for name in ("training_session", "naloxone_use_report"):
            kinds[name].append(a.organisation_id.in_(_channel_organisations(user, f.channel)))
    if f.site_id is not None:
        kinds["kit_supply"].append(a.site_id == f.site_id)
        kinds["training_session"].append(a.site_id == f.site_id)
        kinds["naloxone_use_report"].append(
            a.organisation_id
            == select(Site.organisation_id).where(Site.id == f.site_id).scalar_subquery()
        )
    if f.product_id is not None:  # training carries no product: the filter leaves it
        kinds["kit_supply"].append(a.product_id == f.product_id)
        kinds["naloxone_use_report"].append(a.product_id == f.product_id)
    statement = in_scope(select(a.user_id).distinct(), a, user, f.review).where(
        a.day >= f.start,
        a.day <= f.end,
        or_(
            *(
                and_(a.record == name, *conditions)
                for name, conditions in kinds.items()
                if name in records
            )
        ),
    )
    if f.organisation_id is not None:
        statement = statement.where(a.organisation_id == f.organisation_id)
    return set(db.session.scalars(statement))


def _day_ended_at(moment: dt.datetime | None) -> dt.date | None:
    """The UK day that ended at `moment` (naive UTC), if it is a UK midnight."""
    if moment is None:
        return None
    day = uk_datetime(moment).date() - dt.timedelta(days=1)
    return day if period_end(day) == moment else None


def _record_counts_from_summaries(
    user, f: Filters, arrived_after_day: dt.date | None = None
) -> dict:
    """`record_counts` from the summaries; only records that reached the figures after the
    end of `arrived_after_day` (UK time), if given (by `arrival_day`)."""
    late_only = arrived_after_day is not None
    by_area = f.area is not None or f.age_band is not None
    # Late supplies come from SupplyChannelDay, or under an area or age band filter from
    # SupplyLateDay (the caller then has no site or product filter).
    if late_only:
        s = SupplyLateDay if by_area else SupplyChannelDay
    else:
        s = SupplyDay if by_area else SupplyChannelDay
    t, r = TrainingDay, UseReportDay
    late = {
        model: [model.arrived_on > arrived_after_day] if late_only else []
        for model in (SupplyChannelDay, SupplyLateDay, t, r)
    }
    supplies = in_scope(
        select(func.coalesce(func.sum(s.supplies), 0), func.coalesce(func.sum(s.kits), 0)),
        s,
        user,
        f.review,
    ).where(*_summary_conditions(s, f), *late.get(s, []))
    sessions = in_scope(select(func.coalesce(func.sum(t.sessions), 0)), t, user, f.review).where(
        *_other_conditions(t, t.session_date, user, f, area=False, product=False), *late[t]
    )
    reports = in_scope(select(func.coalesce(func.sum(r.reports), 0)), r, user, f.review).where(
        *_other_conditions(r, r.used_on, user, f, site=False), *late[r]
    )
    # One round trip: the supplies' one-row sums, with the others as scalar subqueries.
    summed = supplies.subquery()
    found = db.session.execute(
        select(*summed.c, sessions.scalar_subquery(), reports.scalar_subquery())
    ).one()
    counts = dict(
        zip(
            ("supplies", "kits", "training_sessions", "use_reports"),
            (int(n) for n in found),
            strict=True,
        )
    )
    counts["records"] = counts["supplies"] + counts["training_sessions"] + counts["use_reports"]
    return counts


# --- the summary -------------------------------------------------------------------------


@dataclass
class Breakdown:
    """One row of a breakdown table: a code, its label, supplies and kits."""

    code: object
    label: str
    supplies: int = 0
    kits: int = 0


@dataclass
class Summary:
    """Every period figure on the dashboard (see docs/MONITORING.md for definitions)."""

    filters: Filters
    weeks: list = field(default_factory=list)  # dicts: monday, channels, kits, used, reports
    channels_in_chart: list = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    by_channel: list = field(default_factory=list)
    by_site: list = field(default_factory=list)
    by_product: list = field(default_factory=list)
    by_category: list = field(default_factory=list)
    by_area: list = field(default_factory=list)
    by_age: list = field(default_factory=list)
    repeat_reasons: list = field(default_factory=list)
    training: dict = field(default_factory=dict)
    peers: dict = field(default_factory=dict)
    coverage: dict = field(default_factory=dict)
    last_changed: dt.datetime | None = None
    # The counted records the figures were built from, and those held beside them (each
    # `record_counts`: supplies, kits, training_sessions, use_reports, records).
    records: dict = field(default_factory=dict)
    held: dict = field(default_factory=dict)


def _weeks(f: Filters, day_rows, reports_by_day) -> tuple[list, list]:
    kits = defaultdict(Counter)
    used = Counter()
    reports = Counter()
    for row in day_rows:
        monday = week_start(row["supplied_on"])
        kits[monday][row["channel"]] += row["kits"]
        used[monday] += row["used"]
    for day, count in reports_by_day:
        reports[week_start(day)] += count
    present = {channel for counts in kits.values() for channel in counts}
    channels = [c for c in CHANNELS if c in MAIN_CHANNELS or c in present]
    weeks = []
    monday = week_start(f.start)
    while monday <= f.end:
        weeks.append(
            dict(
                monday=monday,
                channels={c: kits[monday][c] for c in channels},
                kits=sum(kits[monday].values()),
                used=used[monday],
                reports=reports[monday],
            )
        )
        monday += dt.timedelta(weeks=1)
    return weeks, channels


def _breakdown(rows, key, labels, always=()) -> list[Breakdown]:
    found = {code: Breakdown(code, labels.get(code, str(code))) for code in always}
    for row in rows:
        code = row[key]
        item = found.setdefault(code, Breakdown(code, labels.get(code, str(code))))
        item.supplies += row["supplies"]
        item.kits += row["kits"]
    return list(found.values())


def _names(model, ids, label) -> dict:
    if not ids:
        return {}
    return {
        row.id: label(row) for row in db.session.scalars(select(model).where(model.id.in_(ids)))
    }


def _coverage(user, f: Filters, kits: int) -> dict:
    estimate = db.session.scalar(
        select(CoverageEstimate).where(
            CoverageEstimate.area_id == user.organisation_id, CoverageEstimate.year == f.start.year
        )
    )
    if estimate is None or estimate.estimated_opiate_users <= 0:
        return dict(year=f.start.year, estimate=None, per_100=None, source="")
    return dict(
        year=f.start.year,
        estimate=estimate.estimated_opiate_users,
        per_100=round(100 * kits / estimate.estimated_opiate_users, 1),
        source=estimate.source,
    )


def _signed_off_peers(user, f: Filters, today: dt.date) -> int:
    """Peers in scope whose supplier sign-off covers the end of the period (or today)."""
    on = min(f.end, today)
    peers = select(User.id).where(
        User.role == "peer", User.organisation_id.in_(visible_organisation_ids(user))
    )
    if f.organisation_id is not None:
        peers = peers.where(User.organisation_id == f.organisation_id)
    return (
        db.session.scalar(
            select(func.count(func.distinct(SupplierSignOff.user_id))).where(
                SupplierSignOff.user_id.in_(peers),
                SupplierSignOff.withdrawn_at.is_(None),
                SupplierSignOff.assessed_on <= on,
                SupplierSignOff.refresher_due >= on,
            )
        )
        or 0
    )


def _peers_among(user, user_ids: set) -> int:
    """How many of `user_ids` are peers in scope."""
    if not user_ids:
        return 0
    return db.session.scalar(
        select(func.count())
        .select_from(User)
        .where(
            User.id.in_(user_ids),
            User.role == "peer",
            User.organisation_id.in_(visible_organisation_ids(user)),
        )
    )


def last_changed_statement(user):
    """The latest moment a record the figures count reached them (`arrived`)."""
    latest = union_all(
        *(
            in_scope(select(func.max(arrived(m)).label("at")), m, user)
            for m in (KitSupply, TrainingSession, NaloxoneUseReport)
        )
    ).subquery()
    return select(func.max(latest.c.at))


def last_changed(user) -> dt.datetime | None:
    """When figures last changed, in UK time (the summaries keep each row's latest
    arrival, so this reads them rather than every record)."""
    latest = db.session.execute(
        select(
            *(
                in_scope(select(m.last_arrived), m, user)
                .where(m.last_arrived.is_not(None))
                .order_by(m.last_arrived.desc())
                .limit(1)
                .scalar_subquery()
                for m in (SupplyChannelDay, TrainingDay, UseReportDay)
            )
        )
    ).one()
    return uk_datetime(max((at for at in latest if at is not None), default=None))


def record_counts(user, f: Filters, *, from_rows: bool = False) -> dict:
    """How many records `f` matches (counted ones, or `f.review`'s): supplies and their
    kits, training sessions (every kind) and use reports, and all records together.

    Read from the daily summaries when they hold the answer, including records that
    arrived after a period ended (`arrived_after` a UK midnight); `from_rows` counts the
    rows instead (the tests compare both)."""
    if not from_rows:
        ended = _day_ended_at(f.arrived_after)
        if reads_summaries(f):
            return _record_counts_from_summaries(user, f)
        # SupplyLateDay holds only records that arrived after their own day: enough when
        # the day that ended is not before the period's end (as for "after the period").
        if (
            ended is not None
            and reads_summaries(replace(f, arrived_after=None))
            and (
                (f.area is None and f.age_band is None)
                or (f.site_id is None and f.product_id is None and ended >= f.end)
            )
        ):
            return _record_counts_from_summaries(
                user, replace(f, arrived_after=None), arrived_after_day=ended
            )
    kits = scoped_supplies(select(func.count(), func.coalesce(func.sum(K.quantity), 0)), user, f)
    t, r = TrainingSession, NaloxoneUseReport
    sessions = in_scope(select(func.count()), t, user, f.review).where(
        *_other_conditions(t, t.session_date, user, f, area=False, product=False)
    )
    reports = in_scope(select(func.count()), r, user, f.review).where(
        *_other_conditions(r, r.used_on, user, f, site=False)
    )
    supplies, kit_count = db.session.execute(kits).one()
    counts = dict(
        supplies=supplies,
        kits=int(kit_count),
        training_sessions=db.session.scalar(sessions),
        use_reports=db.session.scalar(reports),
    )
    counts["records"] = counts["supplies"] + counts["training_sessions"] + counts["use_reports"]
    return counts


FILTER_NAMES = tuple(item.name for item in fields(Filters))


def last_export(user, f: Filters) -> dt.datetime | None:
    """When figures for exactly these filters were last exported by anyone in `user`'s
    area (naive UTC, to the second), or None. Exports are audited with their filters."""
    wanted = f.args()
    events = db.session.execute(
        select(AuditEvent.at, AuditEvent.detail)
        .where(
            AuditEvent.action.in_(EXPORT_ACTIONS),
            AuditEvent.organisation_id == user.organisation_id,
            AuditEvent.at >= dt.datetime.combine(f.start, dt.time()),
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    )
    for at, detail in events:
        if {k: v for k, v in (detail or {}).items() if k in FILTER_NAMES} == wanted:
            # To the second, as a link carries it: a record arriving within that second
            # counts as after the export (shown as new rather than missed).
            return at.replace(microsecond=0)
    return None


def late(user, f: Filters, today: dt.date) -> dict:
    """Counted records of the period that reached the figures late: after the period ended
    (once it has ended) and after the last export of these figures (if any). Each is
    `record_counts` plus `since` (naive UTC, for `Filters.arrived_after`) and `since_uk`,
    or None."""

    def after(moment):
        return dict(
            record_counts(user, replace(f, arrived_after=moment)),
            since=moment,
            since_uk=uk_datetime(moment),
        )

    exported = last_export(user, f)
    return dict(
        after_end=after(period_end(f.end)) if f.end < today else None,
        after_export=None if exported is None else after(exported),
    )


def _supply_groups(rows) -> dict[str, list[dict]]:
    """Rows of `supplies_statement` sorted into their groupings, as dicts."""
    groups = defaultdict(list)
    names = tuple(column.key for column in GROUPED) + MEASURES
    for mask, *values in rows:
        row = dict(zip(names, values, strict=True))
        for measure in MEASURES:
            row[measure] = int(row[measure] or 0)
        groups[GROUPING_OF_MASK[mask]].append(row)
    return groups


def _totals(rows, reports_by_day) -> dict:
    """The period's headline totals from supply rows carrying MEASURES (any grouping that
    splits the period) and use reports by day."""
    total = {measure: sum(row[measure] for row in rows) for measure in MEASURES}
    repeats = total["supplies"] - total["first"]
    return dict(
        kits=total["kits"],
        supplies=total["supplies"],
        first=total["first"],
        repeat=repeats,
        repeat_pct=round(100 * repeats / total["supplies"], 1) if total["supplies"] else None,
        used_repeats=total["used"],
        use_reports=sum(count for _day, count in reports_by_day),
        reach=total["reach"],
        referral_offered=total["referral_offered"],
        referral_accepted=total["referral_accepted"],
    )


@dataclass
class Headline:
    """A period's totals and kits by channel: what the first screen's cards compare."""

    totals: dict
    by_channel: list


def headline(user, f: Filters, today: dt.date) -> Headline:
    """`summary`'s totals and by_channel for `f`, and nothing else: the cards read them for
    the previous period on every view. From the daily summaries this is one read grouped
    by channel instead of every breakdown; under a row-only filter it is `summary`'s."""
    if not reads_summaries(f):
        full = summary(user, f, today)
        return Headline(full.totals, full.by_channel)
    model = SupplyDay if f.area is not None or f.age_band is not None else SupplyChannelDay
    rows = _sums(model, (model.channel,), MEASURES, user, f)
    reports_by_day = db.session.execute(_reports_from_summaries(user, f)).all()
    return Headline(
        _totals(rows, reports_by_day),
        _breakdown(rows, "channel", CHANNELS, always=MAIN_CHANNELS),
    )


def summary(user, f: Filters, today: dt.date) -> Summary:
    """Every period figure for `user`'s scope under `f`."""
    s = Summary(filters=f)
    if reads_summaries(f):
        figures = _supply_figures_from_summaries(user, f)
        training_rows = db.session.execute(_training_from_summaries(user, f)).all()
        reports_by_day = db.session.execute(_reports_from_summaries(user, f)).all()
        active = active_people(user, f)
    else:
        supply_rows, others_active, training_rows, reports_by_day = (
            db.session.execute(statement).all()
            for statement in statements(user, f, db.engine.dialect.name)
        )
        groups = _supply_groups(supply_rows)
        kinds = groups["kind"]
        figures = dict(
            day=groups["day"],
            site=kinds,
            product=kinds,
            category=kinds,
            reason=kinds,
            area=groups["area"],
        )
        active = {r["user_id"] for r in groups["user"]} | {uid for (uid,) in others_active}
    days = figures["day"]
    s.weeks, s.channels_in_chart = _weeks(f, days, reports_by_day)
    s.totals = _totals(days, reports_by_day)
    s.by_channel = _breakdown(days, "channel", CHANNELS, always=MAIN_CHANNELS)
    sites = _names(Site, {r["site_id"] for r in figures["site"]}, lambda site: site.name)
    s.by_site = sorted(
        _breakdown(figures["site"], "site_id", sites), key=lambda b: (-b.kits, b.label)
    )
    products = _names(Product, {r["product_id"] for r in figures["product"]}, lambda p: p.name)
    s.by_product = sorted(
        _breakdown(figures["product"], "product_id", products), key=lambda b: b.label
    )
    s.by_category = _breakdown(
        figures["category"], "recipient_category", RECIPIENT_CATEGORIES, always=RECIPIENT_CATEGORIES
    )
    s.by_area = sorted(_breakdown(figures["area"], "area", {}), key=lambda b: b.label)
    ages = [dict(row, age_band=row["age_band"] or AGE_NOT_RECORDED) for row in figures["area"]]
    s.by_age = _breakdown(ages, "age_band", AGE_BAND_CHOICES, always=AGE_BAND_CHOICES)
    s.repeat_reasons = _breakdown(
        [r for r in figures["reason"] if r["repeat_reason"]],
        "repeat_reason",
        REPEAT_REASONS,
        always=REPEAT_REASONS,
    )
    s.peers = dict(signed_off=_signed_off_peers(user, f, today), active=_peers_among(user, active))

    by_kind = {
        kind: (sessions, int(attendees or 0), int(with_kit or 0))
        for kind, sessions, attendees, with_kit in training_rows
    }
    trained = sum(by_kind[k][1] for k in RECIPIENT_TRAINING if k in by_kind)
    with_kit = sum(by_kind[k][2] for k in RECIPIENT_TRAINING if k in by_kind)
    s.training = dict(
        sessions=sum(by_kind[k][0] for k in RECIPIENT_TRAINING if k in by_kind),
        people_trained=trained,
        with_kit=with_kit,
        without_kit=trained - with_kit,
        suppliers_trained=sum(v[1] for k, v in by_kind.items() if k not in RECIPIENT_TRAINING),
    )
    s.coverage = _coverage(user, f, s.totals["kits"])
    s.last_changed = last_changed(user)
    sessions = sum(v[0] for v in by_kind.values())
    s.records = dict(
        supplies=s.totals["supplies"],
        kits=s.totals["kits"],
        training_sessions=sessions,
        use_reports=s.totals["use_reports"],
        records=s.totals["supplies"] + sessions + s.totals["use_reports"],
    )
    s.held = record_counts(user, replace(f, review="held"))
    return s


# --- snapshots: stock and data freshness (not period figures) ----------------------------

# How kits carried personally are labelled, per organisation.
CARRIED_BY = {"peer": _l("Carried by peers"), "carrier": _l("Carried by carriers")}


def stock(user, today: dt.date, f: Filters | None = None) -> dict:
    """Kits on hand per site (and carried by peers or partner agencies' carriers, per
    organisation), expiring within 90 days, expired, and kits of recalled batches supplied
    to recipients: as of today. A closed site shows while it still holds kits. Only the
    organisation and site filters of `f` apply (stock has no period)."""
    visible = visible_organisation_ids(user)
    sites = select(Site).where(Site.organisation_id.in_(visible))
    peers = select(User).where(
        User.role.in_(stock_module.PERSONAL_HOLDER_ROLES), User.organisation_id.in_(visible)
    )
    if f is not None and f.organisation_id is not None:
        sites = sites.where(Site.organisation_id == f.organisation_id)
        peers = peers.where(User.organisation_id == f.organisation_id)
    if f is not None and f.site_id is not None:
        sites = sites.where(Site.id == f.site_id)
        peers = peers.where(false())
    holders = []
    for site in db.session.scalars(sites.order_by(Site.name)):
        amounts = stock_module.in_hand(site_id=site.id)
        if site.active or amounts:
            holders.append(
                (
                    site.name if site.active else _("%(site)s (closed)", site=site.name),
                    site.organisation.name,
                    amounts,
                )
            )
    carried = defaultdict(Counter)
    peers = db.session.scalars(peers)
    for peer in peers:
        carried[peer.organisation.name, peer.role].update(stock_module.in_hand(user_id=peer.id))
    for (organisation, role), amounts in sorted(carried.items()):
        holders.append((CARRIED_BY[role], organisation, dict(amounts)))
    batch_ids = {b for _n, _o, amounts in holders for b in amounts}
    batches = _names(StockBatch, batch_ids, lambda b: b)
    soon = today + EXPIRING_WITHIN
    rows = []
    for name, organisation, amounts in holders:
        row = dict(
            holder=name, organisation=organisation, on_hand=0, expiring=0, expired=0, recalled=0
        )
        for batch_id, kits in amounts.items():
            batch = batches[batch_id]
            row["on_hand"] += kits
            if batch.expiry_date < today:
                row["expired"] += kits
            elif batch.expiry_date <= soon:
                row["expiring"] += kits
            if batch.recalled_at is not None:
                row["recalled"] += kits
        rows.append(row)
    totals = {
        key: sum(r[key] for r in rows) for key in ("on_hand", "expiring", "expired", "recalled")
    }
    # A supply of a recalled batch is held for review when it arrives, so the held ones are
    # counted beside the figure: those kits are with recipients all the same.
    for key, review in (
        ("recalled_with_recipients", None),
        ("recalled_with_recipients_held", "held"),
    ):
        b = SupplyBatch
        recalled = in_scope(
            select(func.coalesce(func.sum(b.kits), literal(0)))
            .join(StockBatch, StockBatch.id == b.batch_id)
            .where(StockBatch.recalled_at.is_not(None)),
            b,
            user,
            review,
        )
        if f is not None and f.organisation_id is not None:
            recalled = recalled.where(b.organisation_id == f.organisation_id)
        if f is not None and f.site_id is not None:
            recalled = recalled.where(b.site_id == f.site_id)
        totals[key] = int(db.session.scalar(recalled) or 0)
    return dict(rows=rows, totals=totals)


def freshness(user, now: dt.datetime) -> list[dict]:
    """Every enrolled phone of people in scope, with its last sync; silent ones flagged."""
    rows = db.session.execute(
        select(Device, User.role, Organisation.name)
        .join(User, User.id == Device.user_id)
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(
            User.organisation_id.in_(visible_organisation_ids(user)), Device.revoked_at.is_(None)
        )
        .order_by(Device.last_sync_at.is_(None).desc(), Device.last_sync_at, Device.id)
    ).all()
    return [
        dict(
            label=device.label or _l("Unnamed device"),
            role=role,
            organisation=organisation,
            last_sync=uk_datetime(device.last_sync_at),
            records_waiting=device.records_waiting,
            silent=device.last_sync_at is None or now - device.last_sync_at > SILENT_AFTER,
        )
        for device, role, organisation in rows
    ]
