"""Storing a batch of field records exactly once, each answered on its own.

The order of work for one batch:
1. validate every record with its kind's schema (errors name the field);
2. check what needs the database: sites, batches, supplier sign-off, linked records;
3. tell resends from new records by id and content digest (duplicate vs conflict);
4. insert each kind's new records in one statement that skips ids already stored
   (ON CONFLICT DO NOTHING), so a concurrent identical push stores the record once;
   ids a concurrent push stored first are then re-classified as duplicate or conflict.

A database error on the fast path falls back to one savepoint per record, so one bad
record can never sink the good ones beside it. The caller commits once, before answering.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field

from marshmallow import ValidationError
from sqlalchemy import String, any_, bindparam, literal, select, union_all
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from ..models import (
    Consent,
    Device,
    KitSupply,
    NaloxoneUseReport,
    Product,
    Site,
    StockBatch,
    StockMovement,
    TrainingSession,
    User,
    utcnow,
)
from ..rules import channel_for, supplier_authorised
from ..sync_feed import next_numbers
from .schemas import RECORD_SCHEMAS, PushRecordSchema

MODELS = {
    "training_session": TrainingSession,
    "consent": Consent,
    "kit_supply": KitSupply,
    "naloxone_use_report": NaloxoneUseReport,
    "stock_movement": StockMovement,
}
# Linked records first, so a supply can name a session or consent sent in the same batch.
INSERT_ORDER = ("training_session", "consent", "kit_supply", "naloxone_use_report",
                "stock_movement")


@dataclass
class Candidate:
    """A record that passed its schema, on its way to the database."""

    index: int
    kind: str
    id: str
    data: dict
    digest: str = ""
    row: dict = field(default_factory=dict)


def _result(record_id, kind, status, errors=None, message=None) -> dict:
    result = {"id": record_id, "kind": kind, "status": status}
    if errors:
        result["errors"] = errors
    if message:
        result["message"] = message
    return result


def _digest(kind: str, data: dict) -> str:
    """A fingerprint of the record's content, to tell a resend from a different record."""
    canonical = json.dumps({"kind": kind, "data": data}, sort_keys=True, default=str,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _naive_utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


class PushContext:
    """What the checks need about the user, loaded once per batch rather than per record."""

    def __init__(self, user: User):
        self.user = user
        org = user.organisation
        self.sites = {s.id: s for s in db.session.scalars(
            select(Site).where(Site.organisation_id == org.id))}
        # Kits come from the user's own organisation or the drug service that manages it.
        holders = [org.id] + ([org.managed_by_id] if org.managed_by_id else [])
        self.batches = {b.id: b for b in db.session.scalars(
            select(StockBatch).where(StockBatch.organisation_id.in_(holders)))}
        self.product_ids = set(db.session.scalars(select(Product.id)))
        self.colleague_ids = set(db.session.scalars(select(User.id).where(
            User.organisation_id == org.id, User.id != user.id)))
        self._authorised: dict[dt.date, tuple[bool, str | None]] = {}

    def supplier_authorised(self, on: dt.date) -> tuple[bool, str | None]:
        if on not in self._authorised:
            self._authorised[on] = supplier_authorised(self.user, on)
        return self._authorised[on]


def _existing(model, ids, organisation_id: int) -> set[str]:
    if not ids:
        return set()
    return set(db.session.scalars(select(model.id).where(
        model.id.in_(ids), model.organisation_id == organisation_id)))


def _check(candidate: Candidate, ctx: PushContext, linkable: dict[str, set[str]]):
    """Database-backed rules for one record: None if fine, else its result."""
    data, kind, rid = candidate.data, candidate.kind, candidate.id
    site_id = data.get("site_id")
    if site_id is not None and site_id not in ctx.sites:
        return _result(rid, kind, "forbidden", {"site_id": [
            "This site is not one of your organisation's sites."]},
            "Records can only be made at your own organisation's sites.")
    batch_id = data.get("batch_id")
    if batch_id is not None and batch_id not in ctx.batches:
        return _result(rid, kind, "forbidden", {"batch_id": [
            "This batch is not held by your service."]},
            "Kits can only come from batches your service holds.")
    if data.get("trainee_user_id") is not None and data["trainee_user_id"] not in ctx.colleague_ids:
        return _result(rid, kind, "forbidden", {"trainee_user_id": [
            "Only a colleague of your own organisation can be named as trained."]})
    if data.get("product_id") is not None and data["product_id"] not in ctx.product_ids:
        return _result(rid, kind, "invalid", {"product_id": ["Unknown product."]})
    if kind == "kit_supply":
        batch = ctx.batches[batch_id]
        if batch.expiry_date < data["supplied_on"]:
            return _result(rid, kind, "invalid", {"batch_id": [
                f"Batch {batch.batch_number} expired on {batch.expiry_date:%d/%m/%Y}: "
                "expired naloxone must not be supplied."]})
        allowed, reason = ctx.supplier_authorised(data["supplied_on"])
        if not allowed:
            return _result(rid, kind, "forbidden", {"supplied_on": [reason]}, reason)
        for link, label in (("training_session_id", "training session"), ("consent_id", "consent")):
            if data.get(link) is not None and str(data[link]) not in linkable[link]:
                return _result(rid, kind, "invalid", {link: [
                    f"No {label} with this id has reached the server: send it first."]})
    if kind == "stock_movement" and ctx.user.role != "peer" and site_id is None:
        return _result(rid, kind, "invalid", {"site_id": ["Say which site's stock this is."]})
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
    }
    for key in ("training_session_id", "consent_id"):
        if data.get(key) is not None:
            data[key] = str(data[key])
    if candidate.kind == "kit_supply":
        data["product_id"] = ctx.batches[data["batch_id"]].product_id
        data["channel"] = data.get("channel") or channel_for(user.organisation)
    elif candidate.kind == "stock_movement":
        site_id = data.pop("site_id")
        data["from_user_id"] = user.id if user.role == "peer" else None
        data["from_site_id"] = None if user.role == "peer" else site_id
        data.update(to_user_id=None, to_site_id=None, kit_supply_id=None)
    row.update(data)
    return row


def _insert_skipping_stored(model, rows: list[dict]) -> set[str]:
    """Insert rows whose id is new; return the ids this statement actually stored."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (insert(model.__table__).on_conflict_do_nothing(index_elements=["id"])
                 .returning(model.__table__.c.id))
    return set(db.session.execute(statement, rows).scalars())


def _among(column, ids: list[str]):
    """`column IN ids`, as one array parameter on PostgreSQL.

    A batch's hundreds of ids as separate parameters make a statement the driver must
    parse afresh every time; one array parameter keeps the statement small and constant.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, ids, type_=postgresql.ARRAY(String)))
    return column.in_(ids)


def _classify_existing(candidates: list[Candidate], results: list) -> None:
    """Answer records whose id is already stored: same content duplicate, else conflict."""
    if not candidates:
        return
    ids = [c.id for c in candidates]
    # One statement over every kind: an id reused for another kind is a conflict too.
    lookup = union_all(*(
        select(literal(kind).label("kind"), model.id.label("id"),
               model.payload_digest.label("digest")).where(_among(model.id, ids))
        for kind, model in MODELS.items()))
    stored = {rid: (kind, digest) for kind, rid, digest in db.session.execute(lookup)}
    for c in candidates:
        if c.id not in stored:
            continue
        kind, digest = stored[c.id]
        if kind == c.kind and digest == c.digest:
            results[c.index] = _result(c.id, c.kind, "duplicate",
                                       message="Already stored; nothing changed.")
        else:
            results[c.index] = _result(c.id, c.kind, "conflict", message=(
                "A different record was already stored under this id. "
                "Check it and send it again as a new record if it is right."))


def _withdraw_consents(withdrawals: list[Candidate], user: User, results: list) -> None:
    for c in withdrawals:
        consent = db.session.get(Consent, str(c.data["consent_id"]))
        if consent is None or consent.organisation_id != user.organisation_id:
            results[c.index] = _result(c.id, c.kind, "invalid", {"consent_id": [
                "No consent with this id has reached the server from your organisation."]})
        elif consent.withdrawn_on is None:
            consent.withdrawn_on = c.data["withdrawn_on"]
            results[c.index] = _result(c.id, c.kind, "stored")
        elif consent.withdrawn_on == c.data["withdrawn_on"]:
            results[c.index] = _result(c.id, c.kind, "duplicate",
                                       message="This consent was already withdrawn.")
        else:
            results[c.index] = _result(c.id, c.kind, "conflict", message=(
                f"This consent was already withdrawn on {consent.withdrawn_on:%d/%m/%Y}."))


def _store(by_kind: dict[str, list[Candidate]], results: list) -> None:
    """Insert new records kind by kind; fall back to a savepoint each on a database error."""
    total = sum(len(v) for v in by_kind.values())
    numbers = iter(next_numbers(db.session, total))
    for kind in INSERT_ORDER:
        for c in by_kind.get(kind, []):
            c.row["sync_seq"] = next(numbers)
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
                    results[c.index] = _result(c.id, c.kind, "invalid", message=(
                        "The server could not store this record as sent. "
                        "Check its details and send it again."))
    lost_race = []
    for kind in INSERT_ORDER:
        for c in by_kind.get(kind, []):
            if c.id in stored:
                results[c.index] = _result(c.id, c.kind, "stored")
            elif results[c.index] is None:
                lost_race.append(c)
    _classify_existing(lost_race, results)


def push_records(user: User, device: Device, records: list) -> list[dict]:
    """Validate, de-duplicate and store `records`; return one answer per record, in order."""
    results: list[dict | None] = [None] * len(records)
    candidates: list[Candidate] = []
    # Building a schema copies all its fields: build each once per batch, not per record.
    envelope_schema = PushRecordSchema()
    data_schemas = {kind: schema() for kind, schema in RECORD_SCHEMAS.items()}
    for index, raw in enumerate(records):
        raw_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
        raw_kind = raw.get("kind") if isinstance(raw, dict) and isinstance(raw.get("kind"), str) else None
        try:
            envelope = envelope_schema.load(raw if isinstance(raw, dict) else {})
            kind, record_id = envelope["kind"], str(envelope["id"])
            data = data_schemas[kind].load(envelope["data"])
        except ValidationError as error:
            results[index] = _result(raw_id and raw_id[:64], raw_kind and raw_kind[:40],
                                     "invalid", error.normalized_messages())
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
            results[c.index] = _result(c.id, c.kind, "conflict",
                                       message="Two different records in this batch share an id.")
    _classify_existing(unique, results)
    fresh = [c for c in unique if results[c.index] is None]

    ctx = PushContext(user)
    linkable = {
        "training_session_id": _existing(TrainingSession, [
            str(c.data["training_session_id"]) for c in fresh
            if c.data.get("training_session_id")], user.organisation_id),
        "consent_id": _existing(Consent, [
            str(c.data["consent_id"]) for c in fresh if c.data.get("consent_id")],
            user.organisation_id),
    }
    now = utcnow()
    by_kind: dict[str, list[Candidate]] = {}
    withdrawals = []
    # In INSERT_ORDER, so a supply can link to a session or consent accepted just before it.
    for c in sorted(fresh, key=lambda c: INSERT_ORDER.index(c.kind)
                    if c.kind in INSERT_ORDER else len(INSERT_ORDER)):
        refusal = _check(c, ctx, linkable)
        if refusal is not None:
            results[c.index] = refusal
        elif c.kind == "consent_withdrawal":
            withdrawals.append(c)
        else:
            c.row = _row(c, ctx, device, now)
            by_kind.setdefault(c.kind, []).append(c)
            link = {"training_session": "training_session_id", "consent": "consent_id"}
            if c.kind in link:
                linkable[link[c.kind]].add(c.id)
    _store(by_kind, results)
    _withdraw_consents(withdrawals, user, results)

    for index, result in enumerate(results):
        if isinstance(result, tuple):  # a repeat within the batch answers like its first
            first = results[result[1]]
            status = "duplicate" if first["status"] in ("stored", "duplicate") else first["status"]
            results[index] = {**first, "status": status}
    return results
