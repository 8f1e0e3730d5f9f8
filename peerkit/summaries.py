"""Daily summaries of field records, kept in the same transaction as the records.

The commissioner's figures add up hundreds of thousands of supplies. Rather than scan them
for every page, each kit supply, training session and use report adds itself to one row
of each daily summary table (`SupplyChannelDay`, `SupplyAreaDay` and `SupplyDay` at three
grains, `SupplyLateDay` for late supplies by area, `ReferralDay` for referral stages,
`TrainingDay`, `UseReportDay`, `ActivityDay` for "peers active", and `SupplyBatch`),
keyed by its organisation, review status, event day and the dimensions
the dashboard filters on; movements and supplies change `StockBalance`. Rows are written
in the transaction that writes the record, so the two never disagree:

- records stored through the ORM (coordinators' screens, review, factories, the demo)
  are summarised by a flush hook: a new row adds, a changed row moves its contribution
  from its old key to its new one, a deleted row takes it away;
- the sync API inserts in bulk (`peerkit.api.push`) and calls `add_rows` for exactly the
  rows it stored.

Bulk SQL UPDATE or DELETE of these records bypasses both: run `flask peerkit
rebuild-summaries` after one (`rebuild` recomputes every row from the records, with SQL
written independently of the incremental code; the tests check that both agree).

A removal can lower a row's `last_arrived` (the latest moment one of its records reached
the figures), which a running maximum cannot undo, so a row losing a record has it
recomputed from the records, and a row left with no records is deleted.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import (
    Date,
    and_,
    case,
    cast,
    delete,
    event,
    func,
    insert,
    literal,
    literal_column,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, attributes

from .bulk import json_rows, json_text
from .clock import uk_datetime
from .models import (
    ActivityDay,
    KitSupply,
    NaloxoneUseReport,
    ReferralDay,
    StockBalance,
    StockMovement,
    SupplyAreaDay,
    SupplyBatch,
    SupplyChannelDay,
    SupplyDay,
    SupplyLateDay,
    TrainingDay,
    User,
    UseReportDay,
)
from .stock import PERSONAL_HOLDER_ROLES
from .vocab import RECIPIENT_CATEGORIES, REPEAT_REASONS, USED_REPEAT_REASONS

COUNTED = "counted"


def _category_columns(code: str) -> tuple[str, str]:
    return f"supplies_{code}", f"kits_{code}"


def _reason_columns(code: str) -> tuple[str, str]:
    return f"repeat_{code}", f"repeat_kits_{code}"


@dataclass(frozen=True)
class Part:
    """How records of one model add up into one summary table.

    `key` maps each key column of the summary to the record's attribute and the value
    stored when it is absent (attribute None: always that value). `measures` computes a
    record's contribution in Python; `measures_sql` the same sums in SQL, for `rebuild`.
    `count` is the measure that says how many records a row holds. `include` (and
    `include_sql(dialect)`, the same test in SQL) keeps only some records, when given.
    """

    record: type
    summary: type
    key: tuple[tuple[str, str | None, object], ...]
    measures: Callable[[Callable], dict]
    measures_sql: Callable[[], dict]
    count: str
    include: Callable[[Callable], bool] | None = None
    include_sql: Callable[[str], object] | None = None


def _supply_measures(get) -> dict:
    kits = get("quantity") or 1
    first = get("supply_type") == "first"
    reason = get("repeat_reason")
    values = dict(
        supplies=1,
        kits=kits,
        first=int(first),
        used=int(reason in USED_REPEAT_REASONS),
        reach=int(first and get("recipient_category") == "person_at_risk"),
        referral_offered=int(bool(get("referral_offered"))),
        referral_accepted=int(bool(get("referral_accepted"))),
    )
    if get("recipient_category") in RECIPIENT_CATEGORIES:
        supplies, kit_column = _category_columns(get("recipient_category"))
        values[supplies], values[kit_column] = 1, kits
    if reason in REPEAT_REASONS:
        supplies, kit_column = _reason_columns(reason)
        values[supplies], values[kit_column] = 1, kits
    return values


def _supply_measures_sql() -> dict:
    k = KitSupply

    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    def kits_if(condition):
        return func.sum(case((condition, k.quantity), else_=0))

    values = dict(
        supplies=func.count(),
        kits=func.sum(k.quantity),
        first=count_if(k.supply_type == "first"),
        used=count_if(k.repeat_reason.in_(USED_REPEAT_REASONS)),
        reach=count_if(and_(k.supply_type == "first", k.recipient_category == "person_at_risk")),
        referral_offered=count_if(k.referral_offered.is_(True)),
        referral_accepted=count_if(k.referral_accepted.is_(True)),
    )
    for code in RECIPIENT_CATEGORIES:
        supplies, kits = _category_columns(code)
        values[supplies] = count_if(k.recipient_category == code)
        values[kits] = kits_if(k.recipient_category == code)
    for code in REPEAT_REASONS:
        supplies, kits = _reason_columns(code)
        values[supplies] = count_if(k.repeat_reason == code)
        values[kits] = kits_if(k.repeat_reason == code)
    return values


def _training_attendees(get) -> int:
    return sum(
        get(name) or 0
        for name in (
            "attendees_at_risk",
            "attendees_family",
            "attendees_worker",
            "attendees_unknown",
        )
    )


def _training_measures(get) -> dict:
    attendees = _training_attendees(get)
    return dict(sessions=1, attendees=attendees, with_kit=min(get("kits_taken") or 0, attendees))


def _training_measures_sql() -> dict:
    from .models import TrainingSession as t

    attendees = t.attendees_at_risk + t.attendees_family + t.attendees_worker + t.attendees_unknown
    return dict(
        sessions=func.count(),
        attendees=func.sum(attendees),
        with_kit=func.sum(case((t.kits_taken < attendees, t.kits_taken), else_=attendees)),
    )


def _referral_measures(get) -> dict:
    outcome = get("referral_outcome")
    return dict(
        offered=1,
        attended=int(outcome == "attended"),
        declined=int(outcome == "declined"),
        not_known=int(outcome == "not_known"),
    )


def _referral_measures_sql() -> dict:
    k = KitSupply

    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    return dict(
        offered=func.count(),
        attended=count_if(k.referral_outcome == "attended"),
        declined=count_if(k.referral_outcome == "declined"),
        not_known=count_if(k.referral_outcome == "not_known"),
    )


def _arrived_after_its_day(get) -> bool:
    return arrival_day(_arrived(get)) > get("supplied_on")


def _one_record(_get) -> dict:
    return dict(records=1)


def arrival_day(arrived: dt.datetime) -> dt.date:
    """The UK day in which a record reached the figures, counted so that "after the end of
    day d" (after midnight UK time, `monitoring.filters.period_end`) is exactly
    `arrival_day > d`: a record arriving on the stroke of midnight belongs to the day that
    ended."""
    return uk_datetime(arrived - dt.timedelta(microseconds=1)).date()


def arrival_day_sqlite(stored: str | None) -> str | None:
    """`arrival_day` of a timestamp as SQLite stores it, for SQL on SQLite
    (`peerkit.database` registers it as peerkit_arrival_day on every connection)."""
    if stored is None:
        return None
    return arrival_day(dt.datetime.fromisoformat(stored)).isoformat()


def _arrival_day_sql(record, dialect: str):
    arrived = func.coalesce(record.reviewed_at, record.received_at)
    if dialect == "postgresql":
        local = func.timezone(
            "Europe/London",
            func.timezone("UTC", arrived - literal_column("interval '1 microsecond'")),
        )
        return cast(local, Date)
    return func.peerkit_arrival_day(arrived)


# A key column computed from the record rather than read from one of its attributes.
ARRIVED_ON = ("arrived_on", "@arrived_on", None)


def _parts() -> list[Part]:
    from .models import TrainingSession

    common = (
        ("organisation_id", "organisation_id", None),
        ("review_status", "review_status", COUNTED),
    )
    supply = Part(
        KitSupply,
        SupplyDay,
        common
        + (
            ("supplied_on", "supplied_on", None),
            ("channel", "channel", None),
            ("site_id", "site_id", 0),
            ("product_id", "product_id", 0),
            ("area", "area", ""),
            ("age_band", "age_band", ""),
        ),
        _supply_measures,
        _supply_measures_sql,
        "supplies",
    )
    by_channel = Part(
        KitSupply,
        SupplyChannelDay,
        common
        + (
            ("supplied_on", "supplied_on", None),
            ("channel", "channel", None),
            ("site_id", "site_id", 0),
            ("product_id", "product_id", 0),
            ARRIVED_ON,
        ),
        _supply_measures,
        _supply_measures_sql,
        "supplies",
    )
    by_area = Part(
        KitSupply,
        SupplyAreaDay,
        common
        + (
            ("supplied_on", "supplied_on", None),
            ("channel", "channel", None),
            ("area", "area", ""),
            ("age_band", "age_band", ""),
        ),
        lambda get: dict(supplies=1, kits=get("quantity") or 1),
        lambda: dict(supplies=func.count(), kits=func.sum(KitSupply.quantity)),
        "supplies",
    )
    training = Part(
        TrainingSession,
        TrainingDay,
        common
        + (
            ("session_date", "session_date", None),
            ("kind", "kind", None),
            ("site_id", "site_id", 0),
            ARRIVED_ON,
        ),
        _training_measures,
        _training_measures_sql,
        "sessions",
    )
    reports = Part(
        NaloxoneUseReport,
        UseReportDay,
        common
        + (
            ("used_on", "used_on", None),
            ("area", "area", ""),
            ("product_id", "product_id", 0),
            ARRIVED_ON,
        ),
        lambda _get: dict(reports=1),
        lambda: dict(reports=func.count()),
        "reports",
    )
    activity = [
        Part(
            model,
            ActivityDay,
            common
            + (
                ("day", day, None),
                ("user_id", "user_id", None),
                ("record", None, model.__tablename__),
                ("channel", channel, ""),
                ("site_id", site, 0),
                ("product_id", product, 0),
            ),
            _one_record,
            lambda: dict(records=func.count()),
            "records",
        )
        for model, day, channel, site, product in (
            (KitSupply, "supplied_on", "channel", "site_id", "product_id"),
            (TrainingSession, "session_date", None, "site_id", None),
            (NaloxoneUseReport, "used_on", None, None, "product_id"),
        )
    ]
    late = Part(
        KitSupply,
        SupplyLateDay,
        common
        + (
            ("supplied_on", "supplied_on", None),
            ("channel", "channel", None),
            ("area", "area", ""),
            ("age_band", "age_band", ""),
            ARRIVED_ON,
        ),
        lambda get: dict(supplies=1, kits=get("quantity") or 1),
        lambda: dict(supplies=func.count(), kits=func.sum(KitSupply.quantity)),
        "supplies",
        _arrived_after_its_day,
        lambda dialect: _arrival_day_sql(KitSupply, dialect) > KitSupply.supplied_on,
    )
    referrals = Part(
        KitSupply,
        ReferralDay,
        common
        + (
            ("supplied_on", "supplied_on", None),
            ("channel", "channel", None),
            ("site_id", "site_id", 0),
            ("product_id", "product_id", 0),
            ("referral_destination_id", "referral_destination_id", 0),
            ("referral_accepted", "referral_accepted", None),
        ),
        _referral_measures,
        _referral_measures_sql,
        "offered",
        lambda get: bool(get("referral_offered")),
        lambda _dialect: KitSupply.referral_offered.is_(True),
    )
    batches = Part(
        KitSupply,
        SupplyBatch,
        common + (("site_id", "site_id", 0), ("batch_id", "batch_id", None)),
        lambda get: dict(supplies=1, kits=get("quantity") or 1),
        lambda: dict(supplies=func.count(), kits=func.sum(KitSupply.quantity)),
        "supplies",
    )
    return [supply, by_channel, by_area, late, referrals, training, reports, *activity, batches]


PARTS = _parts()
PARTS_BY_RECORD = defaultdict(list)
for _part in PARTS:
    PARTS_BY_RECORD[_part.record].append(_part)
SUMMARY_MODELS = (
    SupplyDay,
    SupplyChannelDay,
    SupplyAreaDay,
    SupplyLateDay,
    ReferralDay,
    TrainingDay,
    UseReportDay,
    ActivityDay,
    SupplyBatch,
)
# The record attributes a summary depends on: a change to any other leaves it alone.
WATCHED = {
    model: {"received_at", "reviewed_at"}
    | {
        name
        for part in parts
        for _column, name, _absent in part.key
        if name and not name.startswith("@")
    }
    | {
        "quantity",
        "supply_type",
        "repeat_reason",
        "recipient_category",
        "referral_offered",
        "referral_accepted",
        "referral_outcome",
        "attendees_at_risk",
        "attendees_family",
        "attendees_worker",
        "attendees_unknown",
        "kits_taken",
    }
    & set(model.__table__.columns.keys())
    for model, parts in PARTS_BY_RECORD.items()
}


def _key(part: Part, get) -> tuple:
    values = []
    for _column, name, absent in part.key:
        if name == ARRIVED_ON[1]:
            values.append(arrival_day(_arrived(get)))
            continue
        value = get(name) if name else None
        values.append(absent if value is None else value)
    return tuple(values)


def _arrived(get):
    return get("reviewed_at") or get("received_at")


class _Changes:
    """Contributions to apply: {part: {key: [measures, latest arrival, removed?]}}."""

    def __init__(self):
        self.by_part: dict[Part, dict] = defaultdict(dict)

    def add(self, part: Part, get, sign: int) -> None:
        """Add (sign +n: n records alike) or take away (sign -1) one record's contribution."""
        if part.include is not None and not part.include(get):
            return
        key = _key(part, get)
        entry = self.by_part[part].setdefault(key, [defaultdict(int), None, False])
        for name, value in part.measures(get).items():
            entry[0][name] += sign * value
        if sign > 0:
            arrived = _arrived(get)
            if arrived is not None and (entry[1] is None or arrived > entry[1]):
                entry[1] = arrived
        else:
            entry[2] = True

    def apply(self, connection) -> None:
        """SQLite: a statement per table (PostgreSQL writes all in one: `_write`)."""
        for part in PARTS:
            if part in self.by_part:
                _apply(connection, part, self.by_part[part])


def _adding_on_conflict(statement, table, key_columns, measures):
    """`statement`, an INSERT into a summary `table`, adding its measures to the row with
    the same key when there is one, and keeping the later arrival."""
    latest = case(
        (statement.excluded.last_arrived.is_(None), table.c.last_arrived),
        (table.c.last_arrived.is_(None), statement.excluded.last_arrived),
        (statement.excluded.last_arrived > table.c.last_arrived, statement.excluded.last_arrived),
        else_=table.c.last_arrived,
    )
    return statement.on_conflict_do_update(
        index_elements=list(key_columns),
        set_={**{m: table.c[m] + statement.excluded[m] for m in measures}, "last_arrived": latest},
    )


@functools.cache
def _upsert_statement(summary, key_columns: tuple, measures: tuple):
    """SQLite: INSERT ... ON CONFLICT DO UPDATE adding to a summary row (built once per
    table)."""
    table = summary.__table__
    return _adding_on_conflict(sqlite.insert(table), table, key_columns, measures)


@functools.cache
def _measure_names(part: Part) -> tuple:
    return tuple(sorted(part.measures_sql()))


def _apply(connection, part: Part, entries: dict) -> None:
    summary = part.summary
    key_columns = [column for column, _name, _absent in part.key]
    measure_names = _measure_names(part)
    rows = []
    for key in sorted(entries, key=repr):
        measures, arrived, _removed = entries[key]
        if not any(measures.values()) and arrived is None:
            continue
        rows.append(
            {
                **dict(zip(key_columns, key, strict=True)),
                **{m: measures.get(m, 0) for m in measure_names},
                "last_arrived": arrived,
            }
        )
    if rows:
        connection.execute(
            _upsert_statement(summary, tuple(key_columns), measure_names),
            rows,
        )
    _settle_removed(connection, part, entries)


def _settle_removed(connection, part: Part, entries: dict) -> None:
    """`_settle` every row of `part` that a record left (after the changes are written)."""
    key_columns = [column for column, _name, _absent in part.key]
    for key, (_measures, _arrived, removed) in entries.items():
        if removed:
            _settle(connection, part, dict(zip(key_columns, key, strict=True)))


def _settle(connection, part: Part, key: dict) -> None:
    """After a removal: delete the row if it holds no record, else recompute its latest
    arrival from the records (a maximum cannot be undone)."""
    table = part.summary.__table__
    where = and_(*(table.c[column] == value for column, value in key.items()))
    connection.execute(delete(table).where(where, table.c[part.count] <= 0))
    parts = [p for p in PARTS if p.summary is part.summary]
    maxima = [
        select(
            func.max(func.coalesce(p.record.reviewed_at, p.record.received_at)).label("at")
        ).where(*_record_conditions(p, key, connection.dialect.name))
        for p in parts
    ]
    both = union_all(*maxima).subquery() if len(maxima) > 1 else maxima[0].subquery()
    connection.execute(
        table.update()
        .where(where)
        .values(last_arrived=select(func.max(both.c.at)).scalar_subquery())
    )


def _record_conditions(part: Part, key: dict, dialect: str) -> list:
    conditions = [] if part.include_sql is None else [part.include_sql(dialect)]
    for column, name, absent in part.key:
        if name == ARRIVED_ON[1]:
            conditions.append(_arrival_day_sql(part.record, dialect) == key[column])
            continue
        if name is None:
            if key[column] != absent:
                conditions.append(literal(False))
            continue
        attribute = getattr(part.record, name)
        if key[column] == absent and absent is not None:
            conditions.append((attribute.is_(None)) | (attribute == absent))
        else:
            conditions.append(attribute == key[column])
    return conditions


# --- stock balances: kits in hand per holder and batch ------------------------------------

BALANCE_WATCHED = {
    StockMovement: {
        "quantity",
        "batch_id",
        "from_site_id",
        "from_user_id",
        "to_site_id",
        "to_user_id",
    },
    KitSupply: {"quantity", "batch_id", "site_id", "user_id"},
}


def _balance_deltas(model, get, roles: dict[int, str]) -> list[tuple[tuple, int]]:
    """((site id or 0, user id or 0, batch id), kits) a record moves into or out of stock.

    A peer's or carrier's supplies come out of their own stock, anyone else's out of the
    site's where they supplied (`peerkit.stock`): the person's role at the time decides."""
    quantity, batch = get("quantity") or 0, get("batch_id")
    if model is KitSupply:
        if roles[get("user_id")] in PERSONAL_HOLDER_ROLES:
            return [((0, get("user_id"), batch), -quantity)]
        return [((get("site_id"), 0, batch), -quantity)]
    deltas = []
    for prefix, sign in (("to", 1), ("from", -1)):
        if get(f"{prefix}_site_id") is not None:
            deltas.append(((get(f"{prefix}_site_id"), 0, batch), sign * quantity))
        if get(f"{prefix}_user_id") is not None:
            deltas.append(((0, get(f"{prefix}_user_id"), batch), sign * quantity))
    return deltas


# Everything a summary or a stock balance reads from a record, per model (`add_rows`).
SUMMARISED = {
    model: tuple(sorted(WATCHED.get(model, set()) | BALANCE_WATCHED.get(model, set())))
    for model in {*PARTS_BY_RECORD, StockMovement}
}


class _Balances:
    """Changes to stock balances within one flush or bulk insert."""

    def __init__(self, connection):
        self.connection = connection
        self.deltas: dict[tuple, int] = defaultdict(int)
        self.roles: dict[int, str] = {}

    def add(self, model, get, sign: int) -> None:
        if model is KitSupply and get("user_id") not in self.roles:
            self.roles[get("user_id")] = self.connection.scalar(
                select(User.role).where(User.id == get("user_id"))
            )
        for key, kits in _balance_deltas(model, get, self.roles):
            self.deltas[key] += sign * kits

    def rows(self) -> list[dict]:
        """The balance changes to add, in key order (so locks are taken in one order)."""
        return [
            dict(site_id=site, user_id=user, batch_id=batch, quantity=kits)
            for (site, user, batch), kits in sorted(self.deltas.items())
            if kits
        ]

    def apply(self) -> None:
        """SQLite: add the changes to the balances (PostgreSQL: `_write`)."""
        rows = self.rows()
        if not rows:
            return
        table = StockBalance.__table__
        statement = sqlite.insert(table)
        self.delete_emptied(
            [
                (site, user, batch)
                for site, user, batch, quantity in self.connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=["site_id", "user_id", "batch_id"],
                        set_={"quantity": table.c.quantity + statement.excluded.quantity},
                    ).returning(
                        table.c.site_id, table.c.user_id, table.c.batch_id, table.c.quantity
                    ),
                    rows,
                )
                if quantity == 0
            ]
        )

    def delete_emptied(self, emptied: list[tuple]) -> None:
        """A holder with none of a batch left has no row: delete the (site, user, batch)
        balances the last change left at 0."""
        if emptied:
            table = StockBalance.__table__
            self.connection.execute(
                delete(table).where(
                    tuple_(table.c.site_id, table.c.user_id, table.c.batch_id).in_(emptied),
                    table.c.quantity == 0,
                )
            )


# --- incremental: the flush hook and the sync API's bulk insert --------------------------


def _getter(obj):
    return lambda name: getattr(obj, name)


def _old_getter(obj):
    """The attribute values `obj` had before this flush."""

    def get(name):
        history = attributes.get_history(obj, name)
        if history.deleted:
            return history.deleted[0]
        if history.unchanged:
            return history.unchanged[0]
        return getattr(obj, name)

    return get


def _changed(obj, names) -> bool:
    return any(attributes.get_history(obj, name).has_changes() for name in names)


@event.listens_for(Session, "after_flush")
def _summarise_flush(session: Session, _flush_context) -> None:
    if not any(
        type(obj) in PARTS_BY_RECORD or type(obj) in BALANCE_WATCHED
        for obj in (*session.new, *session.dirty, *session.deleted)
    ):
        return
    connection = session.connection()
    changes, balances = _Changes(), _Balances(connection)
    for obj in session.new:
        for part in PARTS_BY_RECORD.get(type(obj), ()):
            changes.add(part, _getter(obj), +1)
        if type(obj) in BALANCE_WATCHED:
            balances.add(type(obj), _getter(obj), +1)
    for obj in session.dirty:
        model = type(obj)
        if model in PARTS_BY_RECORD and _changed(obj, WATCHED[model]):
            for part in PARTS_BY_RECORD[model]:
                changes.add(part, _old_getter(obj), -1)
                changes.add(part, _getter(obj), +1)
        if model in BALANCE_WATCHED and _changed(obj, BALANCE_WATCHED[model]):
            balances.add(model, _old_getter(obj), -1)
            balances.add(model, _getter(obj), +1)
    for obj in session.deleted:
        for part in PARTS_BY_RECORD.get(type(obj), ()):
            changes.add(part, _old_getter(obj), -1)
        if type(obj) in BALANCE_WATCHED:
            balances.add(type(obj), _old_getter(obj), -1)
    _write(connection, changes, balances)


def add_rows(
    session: Session, stored: dict[type, list[dict]], roles: dict[int, str] | None = None
) -> None:
    """Summarise records just inserted in bulk ({model: the dicts inserted}), and move the
    stock they move: every summary table once, in one fixed order.

    The sync API calls this last, just before it commits: on PostgreSQL a pushed record's
    summary rows stay locked until the commit, and other phones' pushes to the same rows
    (same service, day, site and product) wait for it, so the less work after it, the
    shorter they wait. `roles` ({user id: role}) saves reading the roles of suppliers the
    caller already knows (whose stock a supply comes out of depends on it)."""
    connection = session.connection()
    changes, balances = _Changes(), _Balances(connection)
    balances.roles.update(roles or {})
    for model, rows in stored.items():
        read = SUMMARISED.get(model)
        if not rows or read is None:  # consents, discard notices...: in no summary
            continue
        # A batch's records mostly share what summaries read (same day, site, batch,
        # answers), so each distinct set of those values is summarised once, weighted by
        # how many share it.
        alike: dict[tuple, int] = defaultdict(int)
        for row in rows:
            alike[tuple(row.get(name) for name in read)] += 1
        for values, count in alike.items():
            get = dict(zip(read, values, strict=True)).get
            for part in PARTS_BY_RECORD.get(model, ()):
                changes.add(part, get, count)
            if model in BALANCE_WATCHED:
                balances.add(model, get, count)
    _write(connection, changes, balances)


def _write(connection, changes: _Changes, balances: _Balances) -> None:
    """Write the summaries' and stock balances' changes: on PostgreSQL as one statement
    (`_one_statement`), which every writer (a push, a review, a coordinator's edit) runs
    first, so two writers meeting on the same rows lock them in the same order; rows left
    holding no record are then settled. On SQLite (one writer at a time, no round trips),
    a statement per table."""
    if connection.dialect.name != "postgresql":
        changes.apply(connection)
        balances.apply()
        return
    _write_in_one_statement(connection, changes, balances)
    for part in PARTS:
        _settle_removed(connection, part, changes.by_part.get(part, {}))


# The summary tables, in the order the one statement (`_one_statement`) names them.
WRITE_ORDER = tuple(dict.fromkeys(part.summary for part in PARTS))


@functools.cache
def _layout(summary) -> tuple[tuple, tuple]:
    """(key columns, measures) of a summary table, over every part that adds to it."""
    parts = [part for part in PARTS if part.summary is summary]
    keys = tuple(column for column, _name, _absent in parts[0].key)
    measures = tuple(sorted(set().union(*(_measure_names(part) for part in parts))))
    return keys, measures


@functools.cache
def _one_statement():
    """PostgreSQL: every summary table's upsert and the stock balances' as one statement
    (data-modifying WITH queries), each table's rows from one JSON text parameter named
    after it; answers the balances it left at 0.

    One statement, not one per table: a push of supplies wrote six tables and the
    balances, and each statement costs a round trip and SQLAlchemy's own work (about a
    quarter of a push of five). Every writer runs the same statement, so two meeting on
    the same rows lock them in the same order (rows are sorted within each table, and `[]`
    stands for a table with none).
    """
    ctes = []
    for summary in WRITE_ORDER:
        table = summary.__table__
        keys, measures = _layout(summary)
        names = (*keys, *measures, "last_arrived")
        written = _adding_on_conflict(
            postgresql.insert(table).from_select(list(names), json_rows(table, names, table.name)),
            table,
            keys,
            measures,
        )
        ctes.append(written.returning(literal(1)).cte(f"{table.name}_written"))
    table = StockBalance.__table__
    names = ("site_id", "user_id", "batch_id", "quantity")
    moved = postgresql.insert(table).from_select(list(names), json_rows(table, names, table.name))
    balances = (
        moved.on_conflict_do_update(
            index_elements=list(names[:3]),
            set_={"quantity": table.c.quantity + moved.excluded.quantity},
        )
        .returning(table.c.site_id, table.c.user_id, table.c.batch_id, table.c.quantity)
        .cte("stock_balance_written")
    )
    return (
        select(balances.c.site_id, balances.c.user_id, balances.c.batch_id)
        .where(balances.c.quantity == 0)
        .add_cte(*ctes)
    )


def _write_in_one_statement(connection, changes: _Changes, balances: _Balances) -> None:
    """`changes.apply` and `balances.apply` on PostgreSQL, as `_one_statement`."""
    by_table: dict[type, dict[tuple, list]] = {summary: {} for summary in WRITE_ORDER}
    for part, entries in changes.by_part.items():
        keys, _measures = _layout(part.summary)
        part_keys = [column for column, _name, _absent in part.key]
        merged = by_table[part.summary]
        for key, (measures, arrived, _removed) in entries.items():
            named = dict(zip(part_keys, key, strict=True))
            entry = merged.setdefault(tuple(named[k] for k in keys), [defaultdict(int), None])
            for name, value in measures.items():
                entry[0][name] += value
            if arrived is not None and (entry[1] is None or arrived > entry[1]):
                entry[1] = arrived
    parameters = {}
    for summary, entries in by_table.items():
        keys, measures = _layout(summary)
        parameters[summary.__table__.name] = json_text(
            [
                {
                    **dict(zip(keys, key, strict=True)),
                    **{m: values.get(m, 0) for m in measures},
                    "last_arrived": arrived,
                }
                # Sorted, so two writers touching the same rows lock them in the same order.
                for key, (values, arrived) in sorted(entries.items(), key=lambda kv: repr(kv[0]))
                if any(values.values()) or arrived is not None
            ]
        )
    parameters[StockBalance.__tablename__] = json_text(balances.rows())
    emptied = [tuple(row) for row in connection.execute(_one_statement(), parameters)]
    balances.delete_emptied(emptied)


# --- rebuild ------------------------------------------------------------------------------


def _rebuild_select(part: Part, dialect: str):
    record = part.record
    columns = []
    for column, name, absent in part.key:
        if name == ARRIVED_ON[1]:
            columns.append(_arrival_day_sql(record, dialect).label(column))
        elif name is None:
            columns.append(literal(absent).label(column))
        elif absent is None:
            columns.append(getattr(record, name).label(column))
        else:
            columns.append(func.coalesce(getattr(record, name), literal(absent)).label(column))
    return columns


def rebuild(session: Session) -> dict[str, int]:
    """Recompute every summary row from the records (in the caller's transaction)."""
    counts = {}
    dialect = session.get_bind().dialect.name
    for summary in SUMMARY_MODELS:
        session.execute(delete(summary))
        parts = [p for p in PARTS if p.summary is summary]
        key_columns = [column for column, _name, _absent in parts[0].key]
        measures = parts[0].measures_sql()
        if len(parts) == 1:
            part = parts[0]
            keys = _rebuild_select(part, dialect)
            source = select(
                *keys,
                *(value.label(name) for name, value in measures.items()),
                func.max(func.coalesce(part.record.reviewed_at, part.record.received_at)).label(
                    "last_arrived"
                ),
            ).group_by(*keys)
            if part.include_sql is not None:
                source = source.where(part.include_sql(dialect))
        else:  # activity: every kind of record, one row per person and day
            rows = union_all(
                *(
                    select(
                        *_rebuild_select(p, dialect),
                        func.coalesce(p.record.reviewed_at, p.record.received_at).label("at"),
                    )
                    for p in parts
                )
            ).subquery()
            keys = [rows.c[column] for column in key_columns]
            source = select(
                *keys, func.count().label("records"), func.max(rows.c.at).label("last_arrived")
            ).group_by(*keys)
        names = [*key_columns, *measures, "last_arrived"]
        session.execute(insert(summary).from_select(names, source))
        counts[summary.__tablename__] = session.scalar(select(func.count()).select_from(summary))
    counts["stock_balance"] = _rebuild_balances(session)
    return counts


def _rebuild_balances(session: Session) -> int:
    """Kits in hand per holder and batch: movements in, less movements out, less kits
    supplied (by the person if they carry kits, else at the site)."""
    m, k = StockMovement, KitSupply
    zero = literal(0)
    moves = [
        select(site, user, m.batch_id.label("batch_id"), amount.label("kits")).where(
            column.is_not(None)
        )
        for column, site, user, amount in (
            (m.to_site_id, m.to_site_id.label("site_id"), zero.label("user_id"), m.quantity),
            (m.to_user_id, zero.label("site_id"), m.to_user_id.label("user_id"), m.quantity),
            (m.from_site_id, m.from_site_id.label("site_id"), zero.label("user_id"), -m.quantity),
            (m.from_user_id, zero.label("site_id"), m.from_user_id.label("user_id"), -m.quantity),
        )
    ]
    personal = User.role.in_(PERSONAL_HOLDER_ROLES)
    supplies = select(
        case((personal, 0), else_=k.site_id).label("site_id"),
        case((personal, k.user_id), else_=0).label("user_id"),
        k.batch_id.label("batch_id"),
        (-k.quantity).label("kits"),
    ).join(User, User.id == k.user_id)
    every = union_all(*moves, supplies).subquery()
    keys = (every.c.site_id, every.c.user_id, every.c.batch_id)
    session.execute(delete(StockBalance))
    session.execute(
        insert(StockBalance).from_select(
            ["site_id", "user_id", "batch_id", "quantity"],
            select(*keys, func.sum(every.c.kits))
            .group_by(*keys)
            .having(func.sum(every.c.kits) != 0),
        )
    )
    return session.scalar(select(func.count()).select_from(StockBalance))
