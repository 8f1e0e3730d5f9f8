"""The data model: organisations, people, devices, field records, stock and the audit log.

Field records (training sessions, consents, kit supplies, use reports, field stock
movements) are identified by a UUID the phone makes, so a resend can be recognised. They
carry the device and user that made them, when the phone made them (`client_created_at`)
and when the server stored them (`received_at`), plus the organisation that owns them,
which is what every scoped query filters on.

Privacy: no recipient names, phone numbers or full postcodes anywhere. A recipient is at
most a pseudonymous code derived on the phone; an area is a postcode district.

All timestamps are naive UTC (see `utcnow`), so SQLite and PostgreSQL behave alike.
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db


def utcnow() -> dt.datetime:
    """The current time as naive UTC, the one convention for every stored timestamp."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_uuid() -> str:
    """A fresh record identity for rows the server itself creates."""
    return str(uuid.uuid4())


class Synced:
    """Rows phones pull. `sync_seq` is stamped from the sync counter on every change
    (see `peerkit.sync_feed`), in commit order, so a pull cursor never skips a row. On
    PostgreSQL a change is first marked pending with its transaction id (`sync_xid`) and
    numbered once committed."""

    sync_seq: Mapped[int | None] = mapped_column(BigInteger, index=True)
    sync_xid: Mapped[int | None] = mapped_column(BigInteger)


class Organisation(db.Model):
    """A commissioning area, drug service, pharmacy, peer group or partner agency.

    `area_id` points at the commissioning area the organisation sits in (a commissioning
    area points at itself), which is how a commissioner's view spans organisations.
    `managed_by_id` is the drug service whose coordinators run this organisation's people
    and stock (peer groups, pharmacies and partner agencies in the programme).
    """

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    managed_by_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # Retention (read on the commissioning area's row; `peerkit.retention`): supplies' free
    # text and identifiers go after this many years, a recipient code this many years
    # after its last supply.
    retention_supply_years: Mapped[int] = mapped_column(Integer, default=7, server_default="7")
    retention_code_years: Mapped[int] = mapped_column(Integer, default=2, server_default="2")

    area: Mapped[Organisation | None] = relationship(remote_side=[id], foreign_keys=[area_id])
    managed_by: Mapped[Organisation | None] = relationship(
        remote_side=[id], foreign_keys=[managed_by_id]
    )
    sites: Mapped[list[Site]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind}>"


class Site(Synced, db.Model):
    """A place where kits are held or handed out: a service base, a pharmacy counter."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    site_type: Mapped[str] = mapped_column(String(40))
    postcode_district: Mapped[str] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    organisation: Mapped[Organisation] = relationship(back_populates="sites")


class User(UserMixin, db.Model):
    """A person who signs in. Exactly one role; belongs to one organisation.

    A commissioner belongs to a commissioning-area organisation, and sees that area.
    `session_version` is bumped to end every session of the user at once.
    """

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(20))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Where set-up links for coordinators and admins are sent (never shown to another user).
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # The language the person chose ("en" or "cy", peerkit.i18n); None: follow the browser.
    locale: Mapped[str | None] = mapped_column(String(5))

    organisation: Mapped[Organisation] = relationship()

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of `password` (never the password)."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        """True when `password` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def end_sessions(self) -> None:
        """End every web session of this user at once (sign-out, deactivation, new password)."""
        self.session_version = (self.session_version or 1) + 1

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return bool(self.active)

    def get_id(self) -> str:
        # The session version is part of the id, so bumping it logs every session out.
        return f"{self.id}:{self.session_version}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class SupplierSignOff(db.Model):
    """A coordinator's sign-off of a peer's or pharmacist's supplier training and competency.

    Supplies are accepted from a peer or pharmacy user only while a sign-off covers the
    day of supply (see `peerkit.rules.supplier_authorised`).
    """

    __tablename__ = "supplier_sign_off"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    assessed_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    trained_on: Mapped[dt.date] = mapped_column(Date)
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    refresher_due: Mapped[dt.date] = mapped_column(Date)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    assessed_by: Mapped[User] = relationship(foreign_keys=[assessed_by_id])


class Device(db.Model):
    """An enrolled phone or tablet. Its token is only valid while this row says so."""

    __tablename__ = "device"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    label: Mapped[str] = mapped_column(String(80), default="")
    token_version: Mapped[int] = mapped_column(Integer, default=1)
    enrolled_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_sync_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    records_waiting: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(200))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # When the phone reported records_waiting (less what that push then delivered).
    records_waiting_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # SHA-256 of the browser's installation cookie: the same browser set up again replaces
    # this row. Only the hash is kept, so the database cannot be read back into a cookie.
    installation_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # The device that replaced this one when the same browser was set up again.
    replaced_by_id: Mapped[str | None] = mapped_column(ForeignKey("device.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Product(Synced, db.Model):
    """A naloxone product of the catalogue (Prenoxad, Nyxoid, a generic ampoule kit...).

    `min_age` is the licensed minimum age (None: no licensed lower age). A retired product
    (`active` false) can no longer be booked in; its batches and supplies stay and count.
    """

    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    route: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(String(200), default="")
    dose: Mapped[str] = mapped_column(String(200), default="", server_default="")
    pack: Mapped[str] = mapped_column(String(200), default="", server_default="")
    min_age: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class StockBatch(Synced, db.Model):
    """A manufacturer's batch of one product, as received by one drug service.

    Manufacturers number batches, and several services can hold the same one: a batch is
    unique per holding service, product and batch number, and a recall names the
    manufacturer's number (see `peerkit.coordination.stock_ops.recall_by_number`).
    """

    __tablename__ = "stock_batch"
    __table_args__ = (UniqueConstraint("organisation_id", "product_id", "batch_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    batch_number: Mapped[str] = mapped_column(String(40))
    expiry_date: Mapped[dt.date] = mapped_column(Date)
    recalled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    recall_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    product: Mapped[Product] = relationship()


class FieldRecordMixin(Synced):
    """Columns every record made on a phone carries (see the module docstring)."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    device_id: Mapped[str | None] = mapped_column(ForeignKey("device.id"), index=True)
    client_created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    # A digest of the payload as sent, to tell a harmless resend from a conflicting one.
    payload_digest: Mapped[str | None] = mapped_column(String(64))
    # A record that breaks a rule is kept and held for a person to review (see
    # `peerkit.review`): only "counted" records count in figures. Accepting a held record
    # makes it "counted"; rejecting it makes it "rejected" (kept, never counted).
    review_status: Mapped[str] = mapped_column(
        String(10), default="counted", server_default="counted"
    )
    hold_reason: Mapped[str | None] = mapped_column(String(300))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    review_note: Mapped[str | None] = mapped_column(String(300))


class TrainingSession(FieldRecordMixin, db.Model):
    """Overdose-awareness or supplier training given by a peer, pharmacist or worker."""

    __tablename__ = "training_session"
    __table_args__ = (
        CheckConstraint(
            "attendees_at_risk >= 0 AND attendees_family >= 0 AND attendees_worker >= 0"
            " AND attendees_unknown >= 0 AND kits_taken >= 0",
            name="non_negative",
        ),
    )

    session_date: Mapped[dt.date] = mapped_column(Date, index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    mode: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(32))
    topics: Mapped[list] = mapped_column(JSON, default=list)
    attendees_at_risk: Mapped[int] = mapped_column(Integer, default=0)
    attendees_family: Mapped[int] = mapped_column(Integer, default=0)
    attendees_worker: Mapped[int] = mapped_column(Integer, default=0)
    attendees_unknown: Mapped[int] = mapped_column(Integer, default=0)
    kits_taken: Mapped[int] = mapped_column(Integer, default=0)
    # For supplier training / train-the-trainer: the account trained, for the peer cascade.
    trainee_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    @property
    def attendees_total(self) -> int:
        """Everyone trained in the session, whatever their category."""
        return (
            self.attendees_at_risk
            + self.attendees_family
            + self.attendees_worker
            + self.attendees_unknown
        )


class Consent(FieldRecordMixin, db.Model):
    """A recipient's answers: to be recorded (and counted in pseudonymised figures shared
    with the commissioner), and to be recognised next time by a recipient code.

    Never a condition of getting a kit: a supply may have no consent at all. A code is kept
    only with both answers yes. `privacy_notice_version` is the notice the phone showed
    (a `PrivacyNotice.version` of the organisation's service; empty if it had none).
    """

    __tablename__ = "consent"

    recipient_code: Mapped[str | None] = mapped_column(String(64), index=True)
    consent_to_record: Mapped[bool] = mapped_column(Boolean)
    consent_to_share: Mapped[bool] = mapped_column(Boolean)
    consent_to_recognise: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    method: Mapped[str] = mapped_column(String(10))
    privacy_notice_version: Mapped[str | None] = mapped_column(String(20))
    given_on: Mapped[dt.date] = mapped_column(Date)
    withdrawn_on: Mapped[dt.date | None] = mapped_column(Date)


class PrivacyNotice(db.Model):
    """One published version of a service's privacy notice: what recipients are told.

    Published versions are never edited: a change is a new version with its own
    `in_force_from`. The version in force on a day is the one with the latest
    `in_force_from` on or before it (`peerkit.privacy_notices`).
    """

    __tablename__ = "privacy_notice"
    __table_args__ = (UniqueConstraint("organisation_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    version: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    in_force_from: Mapped[dt.date] = mapped_column(Date)
    # Empty for the notice migration 0009 carried over from the hard-coded version.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()


# What monitoring reads of a district's supplies beyond area and day (see KitSupply's index).
AREA_VIEW_COLUMNS = [
    "organisation_id",
    "review_status",
    "user_id",
    "referral_offered",
    "referral_destination_id",
    "referral_accepted",
    "referral_outcome",
]


class KitSupply(FieldRecordMixin, db.Model):
    """One handing-out of naloxone kits to a recipient: the core event."""

    __tablename__ = "kit_supply"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="positive_quantity"),
        CheckConstraint(
            "(supply_type = 'repeat' AND repeat_reason IS NOT NULL)"
            " OR (supply_type = 'first' AND repeat_reason IS NULL)",
            name="repeat_reason_only_on_repeat",
        ),
        # Views filtered by postcode district read a district's rows (monitoring.metrics):
        # who was active and the referral stages. The index holds all they read, so a
        # district's year is read from the index alone on both databases.
        Index("ix_kit_supply_area_supplied_on", "area", "supplied_on", *AREA_VIEW_COLUMNS),
    )

    supplied_on: Mapped[dt.date] = mapped_column(Date, index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20), index=True)
    recipient_category: Mapped[str] = mapped_column(String(32))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("stock_batch.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    supply_type: Mapped[str] = mapped_column(String(10))
    repeat_reason: Mapped[str | None] = mapped_column(String(32))
    training: Mapped[str] = mapped_column(String(20))
    training_session_id: Mapped[str | None] = mapped_column(ForeignKey("training_session.id"))
    area: Mapped[str] = mapped_column(String(8))
    referral_offered: Mapped[bool] = mapped_column(Boolean, default=False)
    referral_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_id: Mapped[str | None] = mapped_column(ForeignKey("consent.id"))
    recipient_code: Mapped[str | None] = mapped_column(String(64), index=True)
    age_band: Mapped[str | None] = mapped_column(String(10))
    # Where the referral went (a destination the service keeps) and what came of it, which
    # the service records later (docs/ALERTS.md, "Referrals").
    referral_destination_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral_destination.id")
    )
    referral_outcome: Mapped[str | None] = mapped_column(String(12))
    referral_outcome_on: Mapped[dt.date | None] = mapped_column(Date)
    referral_outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    site: Mapped[Site] = relationship()
    product: Mapped[Product] = relationship()
    batch: Mapped[StockBatch] = relationship()
    consent: Mapped[Consent | None] = relationship()
    training_session: Mapped[TrainingSession | None] = relationship()


# What the outcome tables and "who was active" read of a period's use reports (see
# NaloxoneUseReport's index).
USE_OUTCOME_COLUMNS = [
    "used_on",
    "organisation_id",
    "review_status",
    "area",
    "product_id",
    "user_id",
    "outcome",
    "called_999",
    "doses",
    "place_type",
    "naloxone_source",
]


class NaloxoneUseReport(FieldRecordMixin, db.Model):
    """A report that naloxone was given to someone in an overdose."""

    __tablename__ = "naloxone_use_report"
    __table_args__ = (
        CheckConstraint("doses >= 1", name="at_least_one_dose"),
        # The dashboard's outcome tables count a period's reports by these columns: with
        # all of them in one index, both databases answer from the index alone.
        Index("ix_naloxone_use_report_outcomes", *USE_OUTCOME_COLUMNS),
    )

    used_on: Mapped[dt.date] = mapped_column(Date, index=True)
    place_type: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(8))
    administered_by: Mapped[str] = mapped_column(String(20))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id"))
    doses: Mapped[int] = mapped_column(Integer)
    route: Mapped[str] = mapped_column(String(10))
    called_999: Mapped[bool] = mapped_column(Boolean)
    stayed_with_person: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(20))
    # Whose naloxone was given: a kit from this scheme, from elsewhere, or not known.
    naloxone_source: Mapped[str | None] = mapped_column(String(20))


class StockMovement(FieldRecordMixin, db.Model):
    """Kits of one batch moving between holders, or leaving stock.

    A holder is a site or a person (a peer carries kits). Received stock has no source;
    issued, expired, destroyed and recalled kits have no destination.
    Server-made movements (a coordinator's transfer) have no device.
    """

    __tablename__ = "stock_movement"
    __table_args__ = (CheckConstraint("quantity > 0", name="positive_quantity"),)

    kind: Mapped[str] = mapped_column(String(20))
    moved_on: Mapped[dt.date] = mapped_column(Date, index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("stock_batch.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    from_site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    to_site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"), index=True)
    to_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    kit_supply_id: Mapped[str | None] = mapped_column(ForeignKey("kit_supply.id"))
    # A transfer's recipient confirms it from their phone: when, and how many arrived.
    receipt_confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    receipt_quantity: Mapped[int | None] = mapped_column(Integer)

    batch: Mapped[StockBatch] = relationship()
    kit_supply: Mapped[KitSupply | None] = relationship()


class DiscardNotice(FieldRecordMixin, db.Model):
    """A phone's word that a person discarded a record the server never accepted.

    Discarding is a deliberate act on the phone, but never a silent one: the coordinator
    sees these beside the held records. Only the kind, id and reason travel, never the
    discarded record's content.
    """

    __tablename__ = "discard_notice"

    record_kind: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(300))
    discarded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class DrugAlert(Synced, db.Model):
    """A local drug-information warning, pushed down to phones until it expires."""

    __tablename__ = "drug_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    area_description: Mapped[str] = mapped_column(String(200))
    substance: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    advice: Mapped[str] = mapped_column(Text)
    grading: Mapped[str] = mapped_column(String(10))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    # "service": the issuing service's phones; "area": every service, pharmacy and partner
    # of the area, only with the commissioner's agreement recorded (who, and how given).
    scope: Mapped[str] = mapped_column(String(10), default="service", server_default="service")
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    agreement_note: Mapped[str | None] = mapped_column(String(300))


class FieldReport(FieldRecordMixin, db.Model):
    """A peer's or pharmacist's report of a suspected bad batch: what they saw, where, when.

    Coordinators triage these (clustered by district and week) and may turn them into a
    drug alert (`alert_id`); `triage_status` is "new", "alerted" or "dismissed".
    """

    __tablename__ = "field_report"

    seen_on: Mapped[dt.date] = mapped_column(Date, index=True)
    area: Mapped[str] = mapped_column(String(8))
    drug_described: Mapped[str] = mapped_column(String(120))
    appearance: Mapped[str] = mapped_column(String(200), default="")
    more_than_one_dose: Mapped[bool] = mapped_column(Boolean)
    unusual_symptoms: Mapped[str] = mapped_column(String(500), default="")
    use_report_id: Mapped[str | None] = mapped_column(ForeignKey("naloxone_use_report.id"))
    triage_status: Mapped[str] = mapped_column(String(10), default="new", server_default="new")
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("drug_alert.id"), index=True)


class PushSubscription(db.Model):
    """A phone's answer to "allow notifications?", and its Web Push subscription if allowed.

    `endpoint` is a capability URL of the phone's push service: never logged or shown.
    """

    __tablename__ = "push_subscription"

    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), primary_key=True)
    permission: Mapped[str] = mapped_column(String(10))
    endpoint: Mapped[str | None] = mapped_column(String(1000))
    p256dh: Mapped[str | None] = mapped_column(String(200))
    auth: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AlertDelivery(db.Model):
    """One alert sent to one phone: whether a Web Push went out, and when the phone said it
    received and opened the alert."""

    __tablename__ = "alert_delivery"
    __table_args__ = (UniqueConstraint("alert_id", "device_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("drug_alert.id"), index=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("device.id"), index=True)
    pushed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    push_error: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    opened_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class ReferralDestination(Synced, db.Model):
    """A place a drug service refers people to (its treatment service, housing, mental
    health, a GP, other), from the list the service keeps. Retired, never deleted."""

    __tablename__ = "referral_destination"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CoverageEstimate(db.Model):
    """The commissioner's estimate of opiate users in an area: the coverage denominator."""

    __tablename__ = "coverage_estimate"
    __table_args__ = (UniqueConstraint("area_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    year: Mapped[int] = mapped_column(Integer)
    estimated_opiate_users: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(200), default="")


class AuditEvent(db.Model):
    """Who did what, when. Holds ids and codes, never personal or health details."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    user: Mapped[User | None] = relationship()


class SyncCounter(db.Model):
    """A single row whose value hands out sync sequence numbers.

    Bumping it inside the writing transaction holds its row lock until commit, so numbers
    are handed out in commit order: a reader that has seen number n has seen every row
    numbered below n that will ever commit.
    """

    __tablename__ = "sync_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class SyncTombstone(db.Model):
    """A deleted row that phones must forget, numbered like any other change."""

    __tablename__ = "sync_tombstone"

    sync_seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(40))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    deleted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RateLimitCounter(db.Model):
    """A fixed-window counter for Flask-Limiter, shared by every app server.

    Keys are hashed before they are stored: they are built from usernames and addresses.
    """

    __tablename__ = "rate_limit_counter"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class _DailySummary:
    """Columns every daily summary row carries (see `peerkit.summaries`): the organisation
    and review status of the records it adds up, and the latest moment one of them reached
    the figures. Rows are written in the same transaction as the records."""

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    review_status: Mapped[str] = mapped_column(String(10))
    last_arrived: Mapped[dt.datetime | None] = mapped_column(DateTime)


class _ArrivalDay:
    """For a summary the late-data figures read: the UK day its records reached the
    figures (`peerkit.summaries.arrival_day`), so "reached them after the period ended" is
    read here too; and the latest moment, indexed, as "figures last changed" reads it."""

    arrived_on: Mapped[dt.date] = mapped_column(Date)
    last_arrived: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)


class _SupplyCounts:
    """What a summary of kit supplies adds up. Recipient categories and repeat reasons are
    columns, not keys, so a day's supplies fold into few rows whatever the mix."""

    supplies: Mapped[int] = mapped_column(Integer, default=0)
    kits: Mapped[int] = mapped_column(Integer, default=0)
    first: Mapped[int] = mapped_column(Integer, default=0)
    used: Mapped[int] = mapped_column(Integer, default=0)
    reach: Mapped[int] = mapped_column(Integer, default=0)
    referral_offered: Mapped[int] = mapped_column(Integer, default=0)
    referral_accepted: Mapped[int] = mapped_column(Integer, default=0)
    supplies_person_at_risk: Mapped[int] = mapped_column(Integer, default=0)
    kits_person_at_risk: Mapped[int] = mapped_column(Integer, default=0)
    supplies_family_friend_carer: Mapped[int] = mapped_column(Integer, default=0)
    kits_family_friend_carer: Mapped[int] = mapped_column(Integer, default=0)
    supplies_worker: Mapped[int] = mapped_column(Integer, default=0)
    kits_worker: Mapped[int] = mapped_column(Integer, default=0)
    supplies_member_of_public: Mapped[int] = mapped_column(Integer, default=0)
    kits_member_of_public: Mapped[int] = mapped_column(Integer, default=0)
    supplies_unknown: Mapped[int] = mapped_column(Integer, default=0)
    kits_unknown: Mapped[int] = mapped_column(Integer, default=0)
    repeat_used_on_self: Mapped[int] = mapped_column(Integer, default=0)
    repeat_kits_used_on_self: Mapped[int] = mapped_column(Integer, default=0)
    repeat_used_on_someone_else: Mapped[int] = mapped_column(Integer, default=0)
    repeat_kits_used_on_someone_else: Mapped[int] = mapped_column(Integer, default=0)
    repeat_lost: Mapped[int] = mapped_column(Integer, default=0)
    repeat_kits_lost: Mapped[int] = mapped_column(Integer, default=0)
    repeat_stolen: Mapped[int] = mapped_column(Integer, default=0)
    repeat_kits_stolen: Mapped[int] = mapped_column(Integer, default=0)
    repeat_confiscated: Mapped[int] = mapped_column(Integer, default=0)
    repeat_kits_confiscated: Mapped[int] = mapped_column(Integer, default=0)
    repeat_expired: Mapped[int] = mapped_column(Integer, default=0)
    repeat_kits_expired: Mapped[int] = mapped_column(Integer, default=0)
    repeat_damaged: Mapped[int] = mapped_column(Integer, default=0)
    repeat_kits_damaged: Mapped[int] = mapped_column(Integer, default=0)
    repeat_unknown: Mapped[int] = mapped_column(Integer, default=0)
    repeat_kits_unknown: Mapped[int] = mapped_column(Integer, default=0)


# What the breakdown by district and age band reads of `supply_day` after site or product.
SUPPLY_BREAKDOWN_COLUMNS = [
    "supplied_on",
    "organisation_id",
    "review_status",
    "age_band",
    "area",
    "supplies",
    "kits",
]


class SupplyDay(_SupplyCounts, _DailySummary, db.Model):
    """Kit supplies added up per day and per combination of the dashboard's filters: read
    when the view is filtered by area or age band (`SupplyChannelDay` otherwise).

    Absent values are stored as "" or 0 (a unique key must not hold NULL)."""

    __tablename__ = "supply_day"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "review_status",
            "supplied_on",
            "channel",
            "site_id",
            "product_id",
            "area",
            "age_band",
            name="uq_supply_day_key",
        ),
        # Views filtered by postcode district read a twentieth of the rows, not all.
        Index("ix_supply_day_area_supplied_on", "area", "supplied_on"),
        # Views filtered by site or product break kits down by district and age band
        # here: these hold all that reads, so it reads that site's or product's year only.
        Index("ix_supply_day_site_view", "site_id", *SUPPLY_BREAKDOWN_COLUMNS),
        Index("ix_supply_day_product_view", "product_id", *SUPPLY_BREAKDOWN_COLUMNS),
    )

    supplied_on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    area: Mapped[str] = mapped_column(String(8))
    age_band: Mapped[str] = mapped_column(String(10))


class SupplyChannelDay(_SupplyCounts, _ArrivalDay, _DailySummary, db.Model):
    """Kit supplies per day, channel, site, product and day of arrival: a few rows a day,
    read by every view not filtered by area or age band."""

    __tablename__ = "supply_channel_day"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "review_status",
            "supplied_on",
            "channel",
            "site_id",
            "product_id",
            "arrived_on",
            name="uq_supply_channel_day_key",
        ),
    )

    supplied_on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)


class SupplyAreaDay(_DailySummary, db.Model):
    """Kit supplies per day, channel, area and age band ("" when not recorded): the area
    and age-band tables of views filtered by nothing but organisation or channel."""

    __tablename__ = "supply_area_day"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "review_status",
            "supplied_on",
            "channel",
            "area",
            "age_band",
            name="uq_supply_area_day_key",
        ),
    )

    supplied_on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(8))
    age_band: Mapped[str] = mapped_column(String(10))
    supplies: Mapped[int] = mapped_column(Integer, default=0)
    kits: Mapped[int] = mapped_column(Integer, default=0)


class SupplyLateDay(_DailySummary, db.Model):
    """Kit supplies that reached the figures on a later day than they were made, per day,
    channel, area, age band and day of arrival: "arrived after the period ended" for views
    filtered by area or age band (only a record arriving after its own day can arrive after
    the end of a period holding that day, so the rest are left out)."""

    __tablename__ = "supply_late_day"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "review_status",
            "supplied_on",
            "channel",
            "area",
            "age_band",
            "arrived_on",
            name="uq_supply_late_day_key",
        ),
    )

    supplied_on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    area: Mapped[str] = mapped_column(String(8))
    age_band: Mapped[str] = mapped_column(String(10))
    arrived_on: Mapped[dt.date] = mapped_column(Date)
    supplies: Mapped[int] = mapped_column(Integer, default=0)
    kits: Mapped[int] = mapped_column(Integer, default=0)


class ReferralDay(_DailySummary, db.Model):
    """Referrals to treatment offered with kit supplies, per day, channel, site, product,
    destination (0: none recorded) and whether accepted, through their stages: the referral
    table of views not filtered by area or age band (`monitoring.outcomes`)."""

    __tablename__ = "referral_day"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "review_status",
            "supplied_on",
            "channel",
            "site_id",
            "product_id",
            "referral_destination_id",
            "referral_accepted",
            name="uq_referral_day_key",
        ),
    )

    supplied_on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    referral_destination_id: Mapped[int] = mapped_column(Integer)
    referral_accepted: Mapped[bool] = mapped_column(Boolean)
    offered: Mapped[int] = mapped_column(Integer, default=0)
    attended: Mapped[int] = mapped_column(Integer, default=0)
    declined: Mapped[int] = mapped_column(Integer, default=0)
    not_known: Mapped[int] = mapped_column(Integer, default=0)


class TrainingDay(_ArrivalDay, _DailySummary, db.Model):
    """Training sessions added up per day, kind, site (0: no site) and day of arrival."""

    __tablename__ = "training_day"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "review_status",
            "session_date",
            "kind",
            "site_id",
            "arrived_on",
            name="uq_training_day_key",
        ),
    )

    session_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[int] = mapped_column(Integer)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    attendees: Mapped[int] = mapped_column(Integer, default=0)
    with_kit: Mapped[int] = mapped_column(Integer, default=0)


class UseReportDay(_ArrivalDay, _DailySummary, db.Model):
    """Naloxone use reports added up per day, area, product (0: not said) and day of
    arrival."""

    __tablename__ = "use_report_day"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "review_status",
            "used_on",
            "area",
            "product_id",
            "arrived_on",
            name="uq_use_report_day_key",
        ),
    )

    used_on: Mapped[dt.date] = mapped_column(Date)
    area: Mapped[str] = mapped_column(String(8))
    product_id: Mapped[int] = mapped_column(Integer)
    reports: Mapped[int] = mapped_column(Integer, default=0)


class ActivityDay(_DailySummary, db.Model):
    """Who recorded supplies, training sessions or use reports on a day ("peers active"):
    the kind of record (its table), the supplies' channel ("" for sessions and reports,
    which carry none), the site (0 for reports) and the product (0 for sessions)."""

    __tablename__ = "activity_day"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id",
            "review_status",
            "day",
            "user_id",
            "record",
            "channel",
            "site_id",
            "product_id",
            name="uq_activity_day_key",
        ),
    )

    day: Mapped[dt.date] = mapped_column(Date)
    user_id: Mapped[int] = mapped_column(Integer)
    record: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(20))
    site_id: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[int] = mapped_column(Integer)
    records: Mapped[int] = mapped_column(Integer, default=0)


class SupplyBatch(_DailySummary, db.Model):
    """Kit supplies added up per organisation, site and batch over all time (kits of
    recalled batches with recipients: a figure over all time, not a period)."""

    __tablename__ = "supply_batch"
    __table_args__ = (
        UniqueConstraint(
            "organisation_id", "review_status", "site_id", "batch_id", name="uq_supply_batch_key"
        ),
    )

    site_id: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[int] = mapped_column(Integer, index=True)
    supplies: Mapped[int] = mapped_column(Integer, default=0)
    kits: Mapped[int] = mapped_column(Integer, default=0)


class StockBalance(db.Model):
    """Kits in hand per holder (a site, or a person who carries kits: the other id is 0)
    and batch, kept in the same transaction as the movements and supplies that change it
    (`peerkit.summaries`). Rows at zero are deleted."""

    __tablename__ = "stock_balance"
    __table_args__ = (
        UniqueConstraint("site_id", "user_id", "batch_id", name="uq_stock_balance_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    batch_id: Mapped[int] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer, default=0)


FIELD_RECORD_MODELS = (
    TrainingSession,
    Consent,
    KitSupply,
    NaloxoneUseReport,
    StockMovement,
    DiscardNotice,
    FieldReport,
)


# Changes waiting for their sync number (PostgreSQL, `peerkit.sync_feed`): a partial index
# holds only those few, so numbering them never scans a table.
for _table in list(db.Model.metadata.tables.values()):
    if "sync_xid" in _table.c:
        Index(
            f"ix_{_table.name}_sync_pending",
            _table.c.sync_xid,
            postgresql_where=_table.c.sync_xid.is_not(None),
            sqlite_where=_table.c.sync_xid.is_not(None),
        )
