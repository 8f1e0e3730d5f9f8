"""Storing a batch of field records exactly once, each answered on its own.

The order of work for one batch:
1. open sealed records (peerkit/sealing.py), then validate every record with its kind's
   schema (errors name the field); from here on a sealed record is handled as plain data;
2. check what needs the database: sites, batches, supplier sign-off, linked records;
3. tell resends from new records by id and content digest (duplicate vs conflict);
4. insert each kind's new records in one statement that skips ids already stored
   (ON CONFLICT DO NOTHING), so a concurrent identical push stores the record once;
   ids a concurrent push stored first are then re-classified as duplicate or conflict.

A database error on the fast path falls back to one savepoint per record, so one bad
record can never sink the good ones beside it. The caller commits once, before answering.

Answers are in the request's language (peerkit/api_messages.py): what is only answered is
a gettext call where it is written; a hold's reason is stored in English and translated,
reason by reason, into the answer.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from dataclasses import dataclass, field

from flask_babel import force_locale
from flask_babel import gettext as _
from marshmallow import ValidationError
from sqlalchemy import String, Text, any_, bindparam, func, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import joinedload

from .. import privacy_notices, sealing, summaries, vocab
from ..api_messages import (
    BATCH_EXPIRED,
    BATCH_OTHER_SERVICE,
    BATCH_RECALLED,
    BELOW_LICENSED_AGE,
    HELD,
    SITE_CLOSED,
    SITE_NOT_OURS,
    english,
    translate,
    translate_errors,
)
from ..bulk import json_rows, json_text
from ..consents import WithdrawalError, consent_for_withdrawal, withdraw
from ..extensions import db
from ..models import (
    Consent,
    Device,
    DiscardNotice,
    FieldReport,
    KitSupply,
    NaloxoneUseReport,
    Organisation,
    Product,
    ReferralDestination,
    Site,
    StockBatch,
    StockMovement,
    TrainingSession,
    User,
    utcnow,
)
from ..rules import channel_for, supplier_authorised
from ..stock import PERSONAL_HOLDER_ROLES, confirm_transfer
from ..sync_feed import change_marks
from .fastload import FastLoader
from .schemas import RECORD_SCHEMAS, PushRecordSchema

MODELS = {
    "training_session": TrainingSession,
    "consent": Consent,
    "kit_supply": KitSupply,
    "naloxone_use_report": NaloxoneUseReport,
    "stock_movement": StockMovement,
    "discard_notice": DiscardNotice,
    "field_report": FieldReport,
}
# Derived once from the schemas: a valid record loads without marshmallow's per-field
# machinery, anything else is loaded (and answered) by the schema itself.
ENVELOPE_LOADER = FastLoader(PushRecordSchema())
RECORD_LOADERS = {kind: FastLoader(schema()) for kind, schema in RECORD_SCHEMAS.items()}
# Linked records first, so a supply can name a session or consent sent in the same batch.
INSERT_ORDER = (
    "training_session",
    "consent",
    "kit_supply",
    "naloxone_use_report",
    "stock_movement",
    "discard_notice",
    "field_report",
)


@dataclass
class Candidate:
    """A record that passed its schema, on its way to the database."""

    index: int
    kind: str
    id: str
    data: dict
    digest: str = ""
    row: dict = field(default_factory=dict)
    holds: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _result(record_id, kind, status, errors=None, message=None, warnings=None) -> dict:
    result = {"id": record_id, "kind": kind, "status": status}
    if errors:
        result["errors"] = errors
    if message:
        result["message"] = message
    if warnings:
        result["warnings"] = warnings
    return result


def _digest(kind: str, data: dict) -> str:
    """A fingerprint of the record's content, to tell a resend from a different record."""
    canonical = json.dumps(
        {"kind": kind, "data": data}, sort_keys=True, default=str, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _naive_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


class PushContext:
    """What the checks need about the user, loaded once per batch rather than per record.

    The sites and batches the records name are looked up in the whole commissioning area:
    one of the user's own is fine, another organisation's in the area is a fact to hold for
    review, and anything else is unknown (the same answer whether or not it exists in
    another area).
    """

    def __init__(self, user: User, records: list[Candidate], locked_out: str | None = None):
        self.user = user
        self.locked_out = locked_out
        org = user.organisation
        # Only what the batch names is loaded: an area's sites and batches grow for years,
        # a batch of records names a handful.
        named = {name: set() for name in ("site_id", "batch_id", "product_id")}
        named |= {"trainee_user_id": set(), "referral_destination_id": set()}
        for c in records:
            for name, values in named.items():
                if c.data.get(name) is not None:
                    values.add(c.data[name])
        area_orgs = select(Organisation.id).where(Organisation.area_id == org.area_id)
        self.area_sites = {
            s.id: s
            for s in _load_named(Site, named["site_id"], Site.organisation_id.in_(area_orgs))
        }
        # Kits come from the user's own organisation or the drug service that manages it.
        self.holders = {org.id} | ({org.managed_by_id} if org.managed_by_id else set())
        batches = _load_named(
            StockBatch,
            named["batch_id"],
            StockBatch.organisation_id.in_(area_orgs),
            options=[joinedload(StockBatch.product)],
        )
        self.area_batches = {b.id: b for b in batches}
        self.products = {b.product.id: b.product for b in batches}
        unread = named["product_id"] - set(self.products)
        self.products |= {p.id: p for p in _load_named(Product, unread)}
        self.referral_destinations = {
            d.id
            for d in _load_named(
                ReferralDestination,
                named["referral_destination_id"],
                ReferralDestination.organisation_id.in_(self.holders),
            )
        }
        self.colleague_ids = {
            u.id
            for u in _load_named(
                User, named["trainee_user_id"], User.organisation_id == org.id, User.id != user.id
            )
        }
        self._authorised: dict[dt.date, tuple[bool, str | None]] = {}

    @functools.cached_property
    def privacy_notices(self) -> list:
        """The organisation's privacy notices, read only for a batch holding a consent."""
        return privacy_notices.versions(self.user.organisation)

    def supplier_authorised(self, on: dt.date) -> tuple[bool, str | None]:
        if on not in self._authorised:
            self._authorised[on] = supplier_authorised(self.user, on)
        return self._authorised[on]


def _load_named(model, ids: set, *conditions, options=()) -> list:
    """Rows of `model` with one of `ids` that meet `conditions` (no query for no ids)."""
    if not ids:
        return []
    statement = select(model).where(model.id.in_(ids), *conditions).options(*options)
    return list(db.session.scalars(statement))


def _existing(model, ids, organisation_id: int) -> set[str]:
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(model.id).where(model.id.in_(ids), model.organisation_id == organisation_id)
        )
    )


def _stored_consent_codes(ids: list[str], organisation_id: int) -> dict[str, str | None]:
    """{consent id: its recipient code} for consents of the organisation still in force."""
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Consent.id, Consent.recipient_code).where(
                Consent.id.in_(ids),
                Consent.organisation_id == organisation_id,
                Consent.withdrawn_on.is_(None),
                Consent.consent_to_record.is_(True),
            )
        ).all()
    )


def _invalid(c: Candidate, field_name: str, message: str) -> dict:
    return _result(c.id, c.kind, "invalid", {field_name: [message]})


def _not_sent_yet(link: str) -> str:
    """The refusal of a record naming a linked record the server has not received."""
    if link == "training_session_id":
        return _("No training session with this id has reached the server: send it first.")
    if link == "consent_id":
        return _("No consent with this id has reached the server: send it first.")
    return _("No use report with this id has reached the server: send it first.")


def _check_site(c: Candidate, ctx: PushContext):
    site_id = c.data.get("site_id")
    if site_id is None:
        return None
    site = ctx.area_sites.get(site_id)
    if site is None:
        return _invalid(c, "site_id", _("Unknown site: sync the phone and choose it again."))
    if site.organisation_id != ctx.user.organisation_id:
        c.holds.append(english(SITE_NOT_OURS, site=site.name))
    elif not site.active:
        c.holds.append(english(SITE_CLOSED, site=site.name))
    return None


def _check_batch(c: Candidate, ctx: PushContext, on: dt.date | None):
    """Batch rules. `on` is the day kits were handed out (supplies only)."""
    batch = ctx.area_batches.get(c.data.get("batch_id"))
    if batch is None:
        return _invalid(c, "batch_id", _("Unknown batch: sync the phone and choose it again."))
    if batch.organisation_id not in ctx.holders:
        c.holds.append(english(BATCH_OTHER_SERVICE, batch=batch.batch_number))
    if on is None:
        return None
    if batch.recalled_at is not None:
        c.holds.append(english(BATCH_RECALLED, batch=batch.batch_number))
        c.warnings.append(
            _(
                "Batch %(batch)s is recalled: swap this kit for one from another batch, "
                "and return the recalled ones.",
                batch=batch.batch_number,
            )
        )
    if batch.expiry_date < on:
        expired = f"{batch.expiry_date:%d/%m/%Y}"
        c.holds.append(english(BATCH_EXPIRED, batch=batch.batch_number, day=expired))
        c.warnings.append(
            _(
                "Batch %(batch)s expired on %(day)s: swap this kit for an in-date one.",
                batch=batch.batch_number,
                day=expired,
            )
        )
    product = ctx.products.get(batch.product_id)
    band = c.data.get("age_band")
    if (
        product is not None
        and product.min_age
        and band
        and vocab.AGE_BAND_YOUNGEST[band] < product.min_age
    ):
        with force_locale("en_GB"):  # stored: the band's English label, whatever is asked
            label = str(vocab.AGE_BANDS[band])
        c.holds.append(
            english(BELOW_LICENSED_AGE, product=product.name, age=product.min_age, band=label)
        )
    return None


def _check(
    c: Candidate,
    ctx: PushContext,
    linkable: dict[str, set[str]],
    consent_codes: dict[str, str | None],
):
    """Rules for one record. Refuses (returns its answer) only what cannot be stored;
    adds to `c.holds` the rules it breaks, so a person can review it."""
    data, kind = c.data, c.kind
    refusal = _check_site(c, ctx)
    if refusal is None and kind in ("kit_supply", "stock_movement"):
        refusal = _check_batch(c, ctx, data.get("supplied_on"))
    if refusal is not None:
        return refusal
    if data.get("trainee_user_id") is not None and data["trainee_user_id"] not in ctx.colleague_ids:
        return _invalid(
            c,
            "trainee_user_id",
            _("Only a colleague of your own organisation can be named as trained."),
        )
    if data.get("product_id") is not None and data["product_id"] not in ctx.products:
        return _invalid(c, "product_id", _("Unknown product."))
    if kind == "kit_supply":
        for link in ("training_session_id", "consent_id"):
            if data.get(link) is not None and str(data[link]) not in linkable[link]:
                return _invalid(c, link, _not_sent_yet(link))
        code = data.get("recipient_code")
        if code and consent_codes.get(str(data["consent_id"])) != code:
            return _invalid(
                c,
                "recipient_code",
                _(
                    "This recipient code is not the one the "
                    "consent records, or that consent was withdrawn."
                ),
            )
        if (
            data.get("referral_destination_id") is not None
            and data["referral_destination_id"] not in ctx.referral_destinations
        ):
            return _invalid(
                c,
                "referral_destination_id",
                _("Unknown referral destination: sync the phone and choose it again."),
            )
        allowed, reason = ctx.supplier_authorised(data["supplied_on"])
        if not allowed:
            c.holds.append(reason)
    if kind == "consent":
        reason = privacy_notices.hold_reason(
            ctx.privacy_notices, data["privacy_notice_version"], data["given_on"]
        )
        if reason:
            c.holds.append(reason)
    if (
        kind == "field_report"
        and data.get("use_report_id") is not None
        and str(data["use_report_id"]) not in linkable["use_report_id"]
    ):
        return _invalid(c, "use_report_id", _not_sent_yet("use_report_id"))
    if (
        kind == "stock_movement"
        and ctx.user.role not in PERSONAL_HOLDER_ROLES
        and data.get("site_id") is None
    ):
        return _invalid(c, "site_id", _("Say which site's stock this is."))
    if ctx.locked_out:
        c.holds.append(ctx.locked_out)
    return None


def _row(candidate: Candidate, ctx: PushContext, device: Device, now: dt.datetime) -> dict:
    """The database row for a checked record."""
    user = ctx.user
    data = dict(candidate.data)
    row = {
        "id": candidate.id,
        "organisation_id": user.organisation_id,
        "user_id": user.id,
        "device_id": device.id,
        "client_created_at": _naive_utc(data.pop("client_created_at")),
        "received_at": now,
        "payload_digest": candidate.digest,
        "review_status": "held" if candidate.holds else "counted",
        "hold_reason": " ".join(candidate.holds)[:300] or None,
    }
    # Fields newer phones send: every row of one insert needs the same columns.
    if candidate.kind == "kit_supply":
        data.setdefault("referral_destination_id", None)
    elif candidate.kind == "naloxone_use_report":
        data.setdefault("naloxone_source", None)
    elif candidate.kind == "consent":
        # A phone of before the two answers asked one question that meant both.
        data.setdefault("consent_to_recognise", bool(data.get("recipient_code")))
    for key in ("training_session_id", "consent_id", "use_report_id"):
        if data.get(key) is not None:
            data[key] = str(data[key])
    if candidate.kind == "kit_supply":
        data["product_id"] = ctx.area_batches[data["batch_id"]].product_id
        data["channel"] = data.get("channel") or channel_for(user.organisation)
    elif candidate.kind == "discard_notice":
        data["discarded_at"] = _naive_utc(data["discarded_at"])
    elif candidate.kind == "stock_movement":
        site_id = data.pop("site_id")
        carries_kits = user.role in PERSONAL_HOLDER_ROLES
        data["from_user_id"] = user.id if carries_kits else None
        data["from_site_id"] = None if carries_kits else site_id
        data.update(to_user_id=None, to_site_id=None, kit_supply_id=None)
    row.update(data)
    return row


def _insert_skipping_stored(model, rows: list[dict]) -> set[str]:
    """Insert rows whose id is new; return the ids this statement actually stored."""
    table = model.__table__
    if db.session.get_bind().dialect.name == "postgresql":
        statement = _batch_insert_statement(table, tuple(rows[0]))
        return set(db.session.execute(statement, {"rows": json_text(rows)}).scalars())
    statement = (
        sqlite.insert(table).on_conflict_do_nothing(index_elements=["id"]).returning(table.c.id)
    )
    return set(db.session.execute(statement, rows).scalars())


@functools.cache
def _batch_insert_statement(table, names: tuple[str, ...]):
    """PostgreSQL: insert the rows of the bound JSON text `rows`, skipping stored ids (one
    statement whatever the batch size: `bulk.json_rows`). Every row of one insert has
    the same columns (`_row`)."""
    return (
        postgresql.insert(table)
        .from_select(list(names), json_rows(table, names, "rows"))
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(table.c.id)
    )


@functools.cache
def _stored_ids_statement(dialect: str):
    """(kind, id, digest, organisation) of stored records of every kind whose id is among
    the bound `ids`: one statement, built once.

    The ids travel as one parameter, not one each: a batch's hundreds of ids as separate
    parameters make a statement the driver must parse afresh every time. PostgreSQL takes
    an array; SQLite, which has none, takes JSON text unpacked by json_each.
    """
    if dialect == "postgresql":
        ids = any_(bindparam("ids", type_=postgresql.ARRAY(String)))

        def among(column):
            return column == ids

    else:
        unpacked = func.json_each(bindparam("ids", type_=Text)).table_valued("value")

        def among(column):
            return column.in_(select(unpacked.c.value))

    # Every kind: an id reused for another kind is a conflict too.
    return union_all(
        *(
            select(
                literal(kind).label("kind"),
                model.id.label("id"),
                model.payload_digest.label("digest"),
                model.organisation_id.label("org"),
            ).where(among(model.id))
            for kind, model in MODELS.items()
        )
    )


@functools.cache
def _stored_ids_sql() -> tuple[str, dict]:
    """PostgreSQL: `_stored_ids_statement` as the driver's SQL text and fixed parameters."""
    compiled = _stored_ids_statement("postgresql").compile(dialect=postgresql.psycopg.dialect())
    return str(compiled), {k: v for k, v in compiled.params.items() if k != "ids"}


def _stored_ids_planned_for(connection, ids: list[str]) -> list[tuple]:
    """PostgreSQL: the stored-ids lookup, planned for these ids every time.

    The driver prepares a statement it has run five times, and PostgreSQL may then keep
    one generic plan for it, made for the tables as they were then. On a young database
    that grows fast (a new service's first weeks, a benchmark) this lookup kept a plan
    that read whole tables while they were small: 70-90 ms a push of 100 against 1-2.5 ms
    when planned for its ids. So this one statement is never prepared; the others keep
    their plans (planning every statement of a push made pushes a third slower).
    """
    sql, fixed = _stored_ids_sql()
    cursor = connection.connection.driver_connection.cursor()
    try:
        return cursor.execute(sql, {**fixed, "ids": ids}, prepare=False).fetchall()
    finally:
        cursor.close()


def _classify_existing(candidates: list[Candidate], results: list, organisation_id: int) -> None:
    """Answer records whose id is already stored: same content duplicate, else conflict.

    An id another organisation stored is a conflict whatever its content, with the same
    words as any other conflict, so a push can never tell what another area recorded.
    """
    if not candidates:
        return
    ids = [c.id for c in candidates]
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        found = _stored_ids_planned_for(connection, ids)
    else:
        found = connection.execute(_stored_ids_statement("sqlite"), {"ids": json.dumps(ids)})
    stored = {rid: (kind, digest, org) for kind, rid, digest, org in found}
    for c in candidates:
        if c.id not in stored:
            continue
        kind, digest, org = stored[c.id]
        if kind == c.kind and digest == c.digest and org == organisation_id:
            results[c.index] = _result(
                c.id, c.kind, "duplicate", message=_("Already stored; nothing changed.")
            )
        else:
            results[c.index] = _result(
                c.id,
                c.kind,
                "conflict",
                message=_(
                    "A different record was already stored under this id. "
                    "Check it and send it again as a new record if it is right."
                ),
            )


def _withdraw_consents(withdrawals: list[Candidate], user: User, results: list) -> None:
    for c in withdrawals:
        consent = consent_for_withdrawal(user, str(c.data["consent_id"]))
        if consent is None:
            results[c.index] = _invalid(
                c, "consent_id", _("No consent with this id has reached the server from your area.")
            )
            continue
        try:
            changed = withdraw(consent, c.data["withdrawn_on"], user)
        except WithdrawalError as error:
            results[c.index] = _invalid(c, error.field, str(error))
            continue
        results[c.index] = (
            _result(c.id, c.kind, "stored")
            if changed
            else _result(
                c.id, c.kind, "duplicate", message=_("This consent was already withdrawn.")
            )
        )


def _confirm_transfers(receipts: list[Candidate], user: User, results: list) -> None:
    for c in receipts:
        before = db.session.scalar(
            select(StockMovement.receipt_confirmed_at).where(
                StockMovement.id == str(c.data["movement_id"])
            )
        )
        movement = confirm_transfer(user, str(c.data["movement_id"]), c.data["quantity_received"])
        if movement is None:
            results[c.index] = _invalid(
                c, "movement_id", _("No transfer to you with this id: sync and try again.")
            )
        elif before is not None:
            results[c.index] = _result(
                c.id, c.kind, "duplicate", message=_("This transfer was already confirmed.")
            )
        else:
            results[c.index] = _result(c.id, c.kind, "stored")


def _store(
    by_kind: dict[str, list[Candidate]], results: list, organisation_id: int
) -> dict[type, list[dict]]:
    """Insert new records kind by kind; fall back to a savepoint each on a database error.
    Returns the rows stored, by model, for the summaries."""
    total = sum(len(v) for v in by_kind.values())
    marks = iter(change_marks(db.session, total))  # on PostgreSQL, no lock: see sync_feed
    for kind in INSERT_ORDER:
        for c in by_kind.get(kind, []):
            c.row.update(next(marks))
    try:
        with db.session.begin_nested():
            stored = set()
            for kind in INSERT_ORDER:
                if by_kind.get(kind):
                    stored |= _insert_skipping_stored(MODELS[kind], [c.row for c in by_kind[kind]])
    except DBAPIError:
        stored = set()
        for kind in INSERT_ORDER:
            for c in by_kind.get(kind, []):
                try:
                    with db.session.begin_nested():
                        stored |= _insert_skipping_stored(MODELS[kind], [c.row])
                except DBAPIError:
                    results[c.index] = _result(
                        c.id,
                        c.kind,
                        "invalid",
                        message=_(
                            "The server could not store this record as sent. "
                            "Check its details and send it again."
                        ),
                    )
    lost_race = []
    for kind in INSERT_ORDER:
        for c in by_kind.get(kind, []):
            if c.id in stored and c.holds:
                results[c.index] = _result(
                    c.id,
                    c.kind,
                    "held",
                    # Each reason on its own: the stored sentence is English (hold_reason).
                    message=_(HELD, reasons=" ".join(translate(hold) for hold in c.holds)),
                    warnings=c.warnings,
                )
            elif c.id in stored:
                results[c.index] = _result(c.id, c.kind, "stored", warnings=c.warnings)
            elif results[c.index] is None:
                lost_race.append(c)
    _classify_existing(lost_race, results, organisation_id)
    return {
        MODELS[kind]: [c.row for c in by_kind.get(kind, []) if c.id in stored]
        for kind in INSERT_ORDER
    }


def push_records(
    user: User, device: Device, records: list, locked_out: str | None = None
) -> list[dict]:
    """Validate, de-duplicate and store `records`; return one answer per record, in order.

    `locked_out` is the reason every record is held (a locked-out phone's last records).
    """
    results: list[dict | None] = [None] * len(records)
    candidates: list[Candidate] = []
    sealing_keys = sealing.current_keys()
    for index, raw in enumerate(records):
        raw_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        raw_kind = (
            raw.get("kind") if isinstance(raw, dict) and isinstance(raw.get("kind"), str) else None
        )
        try:
            envelope = ENVELOPE_LOADER.load(raw if isinstance(raw, dict) else {})
            kind, record_id = envelope["kind"], str(envelope["id"])
            # The id exactly as sent: the phone sealed with it, before any normalising.
            fields_sent = (
                envelope["data"]
                if "data" in envelope
                else sealing.open_sealed(sealing_keys, kind, raw_id, envelope["sealed"])
            )
            data = RECORD_LOADERS[kind].load(fields_sent)
        except ValidationError as error:
            results[index] = _result(
                raw_id and raw_id[:64],
                raw_kind and raw_kind[:40],
                "invalid",
                # The schemas' and marshmallow's English, into the request's language.
                translate_errors(error.normalized_messages()),
            )
            continue
        except sealing.SealError as error:
            results[index] = _result(record_id, kind, "invalid", {"sealed": [str(error)]})
            continue
        candidates.append(Candidate(index, kind, record_id, data, _digest(kind, data)))

    # The same id twice in one batch: the first one counts, the second is answered as a resend.
    seen: dict[str, Candidate] = {}
    unique = []
    for c in candidates:
        first = seen.setdefault(c.id, c)
        if first is c:
            unique.append(c)
        elif first.digest == c.digest and first.kind == c.kind:
            results[c.index] = ("same-as", first.index)
        else:
            results[c.index] = _result(
                c.id,
                c.kind,
                "conflict",
                message=_("Two different records in this batch share an id."),
            )
    _classify_existing(unique, results, user.organisation_id)
    fresh = [c for c in unique if results[c.index] is None]

    ctx = PushContext(user, fresh, locked_out)
    consent_codes = _stored_consent_codes(
        [str(c.data["consent_id"]) for c in fresh if c.data.get("consent_id")], user.organisation_id
    )
    linkable = {
        "training_session_id": _existing(
            TrainingSession,
            [
                str(c.data["training_session_id"])
                for c in fresh
                if c.data.get("training_session_id")
            ],
            user.organisation_id,
        ),
        "consent_id": set(consent_codes),
        "use_report_id": _existing(
            NaloxoneUseReport,
            [str(c.data["use_report_id"]) for c in fresh if c.data.get("use_report_id")],
            user.organisation_id,
        ),
    }
    now = utcnow()
    by_kind: dict[str, list[Candidate]] = {}
    withdrawals, receipts = [], []
    # In INSERT_ORDER, so a supply can link to a session or consent accepted just before it.
    for c in sorted(
        fresh,
        key=lambda c: INSERT_ORDER.index(c.kind) if c.kind in INSERT_ORDER else len(INSERT_ORDER),
    ):
        refusal = _check(c, ctx, linkable, consent_codes)
        if refusal is not None:
            results[c.index] = refusal
        elif c.kind == "consent_withdrawal":
            withdrawals.append(c)
        elif c.kind == "transfer_receipt":
            receipts.append(c)
        else:
            c.row = _row(c, ctx, device, now)
            by_kind.setdefault(c.kind, []).append(c)
            if c.kind == "training_session":
                linkable["training_session_id"].add(c.id)
            elif c.kind == "naloxone_use_report":
                linkable["use_report_id"].add(c.id)
            elif c.kind == "consent" and c.data["consent_to_record"]:
                linkable["consent_id"].add(c.id)
                consent_codes[c.id] = c.data.get("recipient_code")
    stored = _store(by_kind, results, user.organisation_id)
    _withdraw_consents(withdrawals, user, results)
    _confirm_transfers(receipts, user, results)
    # The daily summaries last, in this same transaction (the bulk insert has no ORM hook):
    # their rows stay locked until the commit (see summaries.add_rows).
    db.session.flush()
    summaries.add_rows(db.session, stored, roles={user.id: user.role})

    for index, result in enumerate(results):
        if isinstance(result, tuple):  # a repeat within the batch answers like its first
            first = results[result[1]]
            status = (
                "duplicate"
                if first["status"] in ("stored", "held", "duplicate")
                else first["status"]
            )
            results[index] = {**first, "status": status}
    return results
