"""What phones send the sync API: one schema per record kind, the push envelope, the pull
query, enrolment, notification subscriptions and alert receipts.

They validate field by field, so every error names its field, and peerkit/api/fastload.py
derives the push's fast path from them. Rules that need the database (is this site yours?
is this batch expired?) live in peerkit/api/push.py.
"""

import datetime as dt
import uuid

from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    validate,
    validates,
    validates_schema,
)

from ... import vocab
from ...api_messages import N_
from ...clock import CLOCK_SLACK, uk_today
from ...rules import normalise_area

EARLIEST_DATE = dt.date(2015, 1, 1)
MAX_PUSH_RECORDS = 500
NIL_UUID = uuid.UUID(int=0)


def _choice(vocabulary: dict, **kwargs) -> fields.String:
    return fields.String(validate=validate.OneOf(list(vocabulary)), **kwargs)


def _count(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000), **kwargs)


def _check_event_date(value: dt.date) -> None:
    if value < EARLIEST_DATE:
        raise ValidationError(N_("Dates before 2015 are not accepted: check the year."))
    # A date a person records is a UK date: tomorrow's is impossible, whatever UTC says.
    if value > uk_today():
        raise ValidationError(N_("This date is in the future: check the phone's date."))


def _not_nil(value: uuid.UUID) -> None:
    if value == NIL_UUID:
        raise ValidationError(N_("The all-zero id is not a record id: make a new one."))


def RecordId(**kwargs) -> fields.UUID:  # noqa: N802  (reads like a field class)
    """A UUID a phone made for a record (never the all-zero id)."""
    return fields.UUID(validate=_not_nil, **kwargs)


def EventDate(**kwargs) -> fields.Date:  # noqa: N802  (reads like a field class)
    """A date an event happened: not before 2015 and not in the future."""
    return fields.Date(required=True, validate=_check_event_date, **kwargs)


class Area(fields.String):
    """A postcode district or UNKNOWN; a full postcode is refused with a reason."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_area(text[:20])
        except ValueError as error:
            raise ValidationError(str(error)) from error


class RecordSchema(Schema):
    """Fields every field record carries in its `data`."""

    class Meta:
        unknown = RAISE
        ordered = True

    client_created_at = fields.AwareDateTime(
        required=True,
        default_timezone=dt.UTC,
        metadata={"description": "When the phone saved the record (ISO 8601)."},
    )

    @validates("client_created_at")
    def _created_not_in_future(self, value, **_kwargs):
        now = dt.datetime.now(dt.UTC)
        if value > now + CLOCK_SLACK:
            raise ValidationError(N_("This time is in the future: check the phone's clock."))
        if value.date() < EARLIEST_DATE:
            raise ValidationError(
                N_("Times before 2015 are not accepted: check the phone's clock.")
            )


class TrainingSessionSchema(RecordSchema):
    """Overdose-awareness or supplier training the user gave."""

    session_date = EventDate()
    site_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    mode = _choice(vocab.TRAINING_MODES, required=True)
    kind = _choice(vocab.TRAINING_KINDS, required=True)
    topics = fields.List(
        _choice(vocab.TRAINING_TOPICS),
        required=True,
        validate=validate.Length(max=len(vocab.TRAINING_TOPICS)),
    )
    attendees_at_risk = _count(load_default=0)
    attendees_family = _count(load_default=0)
    attendees_worker = _count(load_default=0)
    attendees_unknown = _count(load_default=0)
    kits_taken = _count(load_default=0)
    trainee_user_id = fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        metadata={
            "description": "Supplier training or train-the-trainer: the colleague trained "
            "(from snapshot.colleagues), for the training cascade."
        },
    )

    @validates_schema
    def _people_and_kits(self, data, **_kwargs):
        total = sum(
            data.get(k, 0)
            for k in (
                "attendees_at_risk",
                "attendees_family",
                "attendees_worker",
                "attendees_unknown",
            )
        )
        if total == 0:
            raise ValidationError(N_("Record at least one person trained."), "attendees_at_risk")
        if data.get("kits_taken", 0) > total * 10:
            raise ValidationError(
                N_("More kits than people can carry: check the number."), "kits_taken"
            )


class ConsentSchema(RecordSchema):
    """A recipient's two answers. Never a condition of getting a kit."""

    recipient_code = fields.String(
        allow_none=True, load_default=None, validate=validate.Regexp(r"^[A-Za-z0-9_-]{6,64}$")
    )
    consent_to_record = fields.Boolean(
        required=True,
        metadata={"description": "Agrees to be recorded (and counted in pseudonymised figures)."},
    )
    consent_to_share = fields.Boolean(required=True)
    # No load_default: a phone of before this field resends the same content digest. Its
    # one tick meant both answers, so a consent without the field is taken as recognition
    # when it carries a code (push.py).
    consent_to_recognise = fields.Boolean(
        metadata={
            "description": "Agrees to be recognised next time by a recipient code (made from "
            "initials, date of birth and sex). Needs consent_to_record."
        }
    )
    method = _choice(vocab.CONSENT_METHODS, required=True)
    privacy_notice_version = fields.String(
        required=True,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Za-z0-9._-]{1,20}$"),
        metadata={
            "description": "The version of the privacy notice the phone showed "
            "(snapshot.privacy_notice), or null if it had none. A version that was "
            "not in force on given_on is kept and held for review."
        },
    )
    given_on = EventDate()

    @validates_schema
    def _code_needs_both_answers(self, data, **_kwargs):
        recognise = data.get("consent_to_recognise")
        if recognise and not data.get("consent_to_record"):
            raise ValidationError(
                N_(
                    "Being recognised next time means being recorded: "
                    "agree to both, or only to being recorded."
                ),
                "consent_to_recognise",
            )
        if data.get("recipient_code") and not data.get("consent_to_record"):
            raise ValidationError(
                N_("A recipient code is kept only with consent to record it."), "recipient_code"
            )
        if data.get("recipient_code") and recognise is False:
            raise ValidationError(
                N_("A recipient code is kept only with consent to be recognised next time."),
                "recipient_code",
            )


class ConsentWithdrawalSchema(RecordSchema):
    """A recipient withdrawing a consent recorded earlier."""

    consent_id = RecordId(required=True)
    withdrawn_on = EventDate()


class KitSupplySchema(RecordSchema):
    """Naloxone kits handed to a recipient: the core event."""

    supplied_on = EventDate()
    site_id = fields.Integer(strict=True, required=True)
    channel = _choice(
        vocab.CHANNELS,
        allow_none=True,
        load_default=None,
        metadata={"description": "Defaults from the supplier's organisation."},
    )
    recipient_category = _choice(vocab.RECIPIENT_CATEGORIES, required=True)
    batch_id = fields.Integer(strict=True, required=True)
    quantity = fields.Integer(strict=True, load_default=1, validate=validate.Range(min=1, max=10))
    supply_type = _choice(vocab.SUPPLY_TYPES, required=True)
    repeat_reason = _choice(vocab.REPEAT_REASONS, allow_none=True, load_default=None)
    training = _choice(vocab.SUPPLY_TRAINING, required=True)
    training_session_id = RecordId(allow_none=True, load_default=None)
    area = Area(required=True, metadata={"description": "Postcode district (M14) or UNKNOWN."})
    referral_offered = fields.Boolean(required=True)
    referral_accepted = fields.Boolean(required=True)
    consent_id = RecordId(allow_none=True, load_default=None)
    recipient_code = fields.String(
        allow_none=True,
        load_default=None,
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{6,64}$"),
        metadata={
            "description": "Only with consent_id: the "
            "consent (stored, or in the same push) that "
            "records this code."
        },
    )
    age_band = _choice(vocab.AGE_BANDS, allow_none=True, load_default=None)
    # No load_default: a phone of before this field resends the same content digest.
    referral_destination_id = fields.Integer(
        strict=True,
        allow_none=True,
        metadata={
            "description": "Where the accepted referral went: one of snapshot-pulled "
            "referral_destinations."
        },
    )

    @validates_schema
    def _repeat_and_referral(self, data, **_kwargs):
        if data.get("supply_type") == "repeat" and not data.get("repeat_reason"):
            raise ValidationError(N_("Say why a repeat supply was needed."), "repeat_reason")
        if data.get("supply_type") == "first" and data.get("repeat_reason"):
            raise ValidationError(N_("A first supply has no repeat reason."), "repeat_reason")
        if data.get("referral_accepted") and not data.get("referral_offered"):
            raise ValidationError(
                N_("A referral can only be accepted if it was offered."), "referral_accepted"
            )
        if data.get("referral_destination_id") and not data.get("referral_accepted"):
            raise ValidationError(
                N_("Only an accepted referral has a destination."), "referral_destination_id"
            )
        if data.get("recipient_code") and not data.get("consent_id"):
            raise ValidationError(
                N_("A recipient code needs the consent that records it."), "recipient_code"
            )


class NaloxoneUseReportSchema(RecordSchema):
    """Naloxone given to someone in an overdose."""

    used_on = EventDate()
    place_type = _choice(vocab.USE_PLACE_TYPES, required=True)
    area = Area(required=True)
    administered_by = _choice(vocab.USE_ADMINISTERED_BY, required=True)
    product_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    doses = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=20))
    route = _choice(vocab.PRODUCT_ROUTES, required=True)
    called_999 = fields.Boolean(required=True)
    stayed_with_person = fields.Boolean(required=True)
    outcome = _choice(vocab.USE_OUTCOMES, required=True)
    # No load_default: a phone of before this field resends the same content digest.
    naloxone_source = _choice(
        vocab.NALOXONE_SOURCES,
        allow_none=True,
        metadata={"description": "A kit from this scheme, from elsewhere, or not known."},
    )


class FieldReportSchema(RecordSchema):
    """A suspected bad batch: what the person saw, where and when (docs/ALERTS.md)."""

    seen_on = EventDate()
    area = Area(required=True, metadata={"description": "Postcode district (M14) or UNKNOWN."})
    drug_described = fields.String(
        required=True,
        validate=validate.Length(1, 120),
        metadata={"description": "The drug as people described it."},
    )
    appearance = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": "Colour or packaging, as described."},
    )
    more_than_one_dose = fields.Boolean(
        required=True, metadata={"description": "More than one dose of naloxone was needed."}
    )
    unusual_symptoms = fields.String(load_default="", validate=validate.Length(max=500))
    use_report_id = RecordId(
        allow_none=True,
        load_default=None,
        metadata={"description": "The use report it came from (stored, or in the same push)."},
    )


# Stock leaves a phone user's hands only these ways; transfers are the coordinator's.
FIELD_STOCK_KINDS = {
    k: vocab.STOCK_MOVEMENT_KINDS[k]
    for k in ("returned", "expired", "destroyed", "damaged", "lost", "stolen")
}


class StockMovementSchema(RecordSchema):
    """Kits returned to the service, or out of use (expired, damaged, destroyed, lost,
    stolen), out of the user's stock (or a site's)."""

    kind = _choice(FIELD_STOCK_KINDS, required=True)
    moved_on = EventDate()
    batch_id = fields.Integer(strict=True, required=True)
    quantity = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=500))
    site_id = fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        metadata={"description": "For pharmacy staff: the site's stock."},
    )


class TransferReceiptSchema(RecordSchema):
    """The person (or site) kits were transferred to confirms they arrived."""

    movement_id = RecordId(
        required=True, metadata={"description": "The transfer, from snapshot.transfers_to_confirm."}
    )
    quantity_received = fields.Integer(
        strict=True, required=True, validate=validate.Range(min=0, max=500)
    )


class DiscardNoticeSchema(RecordSchema):
    """A person discarded a record the server had not accepted: tell the coordinator."""

    record_kind = fields.String(required=True, validate=validate.Length(1, 40))
    record_id = fields.String(required=True, validate=validate.Length(1, 64))
    reason = fields.String(
        required=True,
        validate=validate.Length(1, 300),
        metadata={"description": "Why the server refused it, as the phone was told."},
    )
    discarded_at = fields.AwareDateTime(required=True, default_timezone=dt.UTC)


RECORD_SCHEMAS = {
    "training_session": TrainingSessionSchema,
    "consent": ConsentSchema,
    "consent_withdrawal": ConsentWithdrawalSchema,
    "kit_supply": KitSupplySchema,
    "naloxone_use_report": NaloxoneUseReportSchema,
    "stock_movement": StockMovementSchema,
    "transfer_receipt": TransferReceiptSchema,
    "discard_notice": DiscardNoticeSchema,
    "field_report": FieldReportSchema,
}


class SealedSchema(Schema):
    """A record's fields sealed to the server's key (docs/API.md, "Sealed records").

    Documents the form only: push.py opens it field by field, so every fault is answered
    as one message under `sealed`.
    """

    kid = fields.String(
        required=True,
        validate=validate.Length(equal=16),
        metadata={
            "description": "The sealing key's id, as enrolment or pull gave it (16 hex digits)."
        },
    )
    epk = fields.String(
        required=True,
        metadata={
            "description": "base64url of the 65-byte uncompressed ephemeral P-256 public key."
        },
    )
    iv = fields.String(required=True, metadata={"description": "base64url of the 12-byte IV."})
    ct = fields.String(
        required=True,
        metadata={
            "description": "base64url of the AES-256-GCM ciphertext with its 16-byte tag "
            "appended; additional data: UTF-8 of kind, a newline, and id."
        },
    )


class PushRecordSchema(Schema):
    """One record in a push: its kind, its phone-made id, and its fields, plain or sealed."""

    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(list(RECORD_SCHEMAS)))
    id = RecordId(required=True, metadata={"description": "Made on the phone (UUID v4)."})
    data = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "The record's fields, by kind: see the *Data schemas. Send this or "
            "`sealed`, not both."
        },
    )
    sealed = fields.Dict(
        keys=fields.String(),
        metadata={
            "description": "The record's fields sealed to the server's key: see SealedRecord. "
            "Send this or `data`, not both."
        },
    )

    @validates_schema
    def _data_or_sealed(self, record, **kwargs):
        if "data" in record and "sealed" in record:
            raise ValidationError(
                N_("Send the record's fields as data or sealed, not both."), "sealed"
            )
        if "data" not in record and "sealed" not in record:
            raise ValidationError(N_("Send the record's fields as data, or sealed."), "data")


class PushRequestSchema(Schema):
    """A batch of records from one phone."""

    class Meta:
        unknown = RAISE

    records = fields.List(
        fields.Dict(),
        required=True,
        validate=validate.Length(max=MAX_PUSH_RECORDS),
        metadata={"description": "PushRecord objects, at most 500."},
    )
    records_waiting = fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=0, max=1_000_000),
    )


class EnrolRequestSchema(Schema):
    """Enrolling the phone in hand for the signed-in account."""

    class Meta:
        unknown = EXCLUDE

    label = fields.String(load_default="", validate=validate.Length(max=80))


class PullQuerySchema(Schema):
    """Where the phone's last pull ended, and how many changes it wants."""

    class Meta:
        unknown = EXCLUDE

    cursor = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**62))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


class PushSubscriptionSchema(Schema):
    """The phone's answer to "allow notifications?", with its subscription if allowed."""

    class Meta:
        unknown = RAISE

    permission = fields.String(
        required=True, validate=validate.OneOf(["granted", "denied", "default"])
    )
    endpoint = fields.Url(
        schemes={"https", "http"},
        allow_none=True,
        load_default=None,
        require_tld=False,
        validate=validate.Length(max=1000),
    )
    keys = fields.Dict(
        keys=fields.String(validate=validate.OneOf(["p256dh", "auth"])),
        values=fields.String(validate=validate.Length(1, 200)),
        allow_none=True,
        load_default=None,
    )

    @validates_schema
    def _subscription_when_granted(self, data, **_kwargs):
        if data["permission"] == "granted":
            if not data.get("endpoint"):
                raise ValidationError(
                    N_("A phone that allows notifications sends its subscription's endpoint."),
                    "endpoint",
                )
            if set(data.get("keys") or {}) != {"p256dh", "auth"}:
                raise ValidationError(N_("Send both keys: p256dh and auth."), "keys")


class AlertReceiptSchema(Schema):
    """The phone received, or the person opened, an alert."""

    class Meta:
        unknown = RAISE

    alert_id = fields.Integer(strict=True, required=True)
    event = fields.String(required=True, validate=validate.OneOf(["received", "opened"]))
