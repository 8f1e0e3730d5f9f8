"""Held records: what breaks a rule is kept and held until a coordinator decides.

A kit handed out in a stairwell happened, whatever the rules say, so the sync API never
drops a readable record (`peerkit.api.push`). What breaks a rule is stored "held" with the
reason. A coordinator of the service that runs the person's organisation accepts it
(it counts from then on) or rejects it with a reason (kept, never counted). Either way a
held supply has taken the kit out of the holder's stock: the kit is gone.
"""

from dataclasses import dataclass

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from . import audit
from .extensions import db
from .models import (
    Consent,
    Device,
    DiscardNotice,
    FieldReport,
    KitSupply,
    NaloxoneUseReport,
    StockMovement,
    TrainingSession,
    User,
    utcnow,
)
from .scoping import managed_organisation_ids

REVIEWABLE = {
    "kit_supply": KitSupply,
    "training_session": TrainingSession,
    "naloxone_use_report": NaloxoneUseReport,
    "stock_movement": StockMovement,
    "consent": Consent,
    "field_report": FieldReport,
}
KIND_LABELS = {
    "kit_supply": _l("Kit supply"),
    "training_session": _l("Training session"),
    "naloxone_use_report": _l("Naloxone use report"),
    "stock_movement": _l("Stock record"),
    "consent": _l("Consent"),
    "consent_withdrawal": _l("Consent withdrawal"),
    "field_report": _l("Suspected bad batch report"),
}


@dataclass
class HeldRecord:
    """A held record with who made it and on which phone, for the review screen."""

    kind: str
    record: object
    person: User
    device: Device | None

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]


def held_count(coordinator: User) -> int:
    """How many records of the coordinator's service wait for review."""
    managed = managed_organisation_ids(coordinator)
    return sum(
        db.session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.review_status == "held", model.organisation_id.in_(managed))
        )
        or 0
        for model in REVIEWABLE.values()
    )


def held_records(coordinator: User) -> list[HeldRecord]:
    """Every held record of the coordinator's service, oldest first."""
    managed = managed_organisation_ids(coordinator)
    rows = []
    for kind, model in REVIEWABLE.items():
        for record, person, device in db.session.execute(
            select(model, User, Device)
            .join(User, model.user_id == User.id)
            .outerjoin(Device, model.device_id == Device.id)
            .where(model.review_status == "held", model.organisation_id.in_(managed))
        ):
            rows.append(HeldRecord(kind, record, person, device))
    return sorted(rows, key=lambda r: r.record.received_at)


def discard_notices(coordinator: User, limit: int = 100) -> list[tuple[DiscardNotice, User]]:
    """The latest records people discarded on their phones, newest first."""
    return db.session.execute(
        select(DiscardNotice, User)
        .join(User, DiscardNotice.user_id == User.id)
        .where(DiscardNotice.organisation_id.in_(managed_organisation_ids(coordinator)))
        .order_by(DiscardNotice.discarded_at.desc())
        .limit(limit)
    ).all()


def managed_held_record(coordinator: User, kind: str, record_id: str):
    """A held record of the coordinator's service, or 404 (never another service's)."""
    model = REVIEWABLE.get(kind)
    if model is None:
        abort(404)
    record = db.session.scalar(
        select(model).where(
            model.id == record_id, model.organisation_id.in_(managed_organisation_ids(coordinator))
        )
    )
    if record is None:
        abort(404)
    return record


def _decide(record, kind: str, by: User, status: str, note: str) -> None:
    if record.review_status != "held":
        raise ValueError(_("This record has already been reviewed."))
    record.review_status = status
    record.reviewed_by_id = by.id
    record.reviewed_at = utcnow()
    record.review_note = (note or "").strip()[:300] or None
    db.session.flush()
    audit.record(
        "record.accept" if status == "counted" else "record.reject", kind, record.id, user=by
    )


def accept(record, kind: str, by: User, note: str = "") -> None:
    """Count a held record from now on (flushes; the caller commits)."""
    _decide(record, kind, by, "counted", note)


def reject(record, kind: str, by: User, reason: str) -> None:
    """Keep a held record but never count it; the reason is required (flushes)."""
    if not (reason or "").strip():
        raise ValueError(_("Say why the record is rejected."))
    _decide(record, kind, by, "rejected", reason)
