"""What the sync API answers: push results, enrolment, the pull (changes and snapshot),
errors.

Schemas for model rows (reference data and the user's own records in a pull, the account,
colleagues, the privacy notice) are generated from the models by marshmallow-sqlalchemy,
so a column's type, nullability and length are said once, in peerkit/models.py. Each names
what it leaves out: anything the server keeps to itself (who reviewed, digests, sync
bookkeeping, devices) never reaches a phone. A new column is sent unless excluded, so
tests/test_api_output_shape.py fixes the keys and value formats a phone receives.
"""

import datetime as dt

from marshmallow import Schema, fields, validate
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema

from ...models import (
    Consent,
    DrugAlert,
    KitSupply,
    NaloxoneUseReport,
    PrivacyNotice,
    Product,
    ReferralDestination,
    Site,
    StockBatch,
    TrainingSession,
    User,
)


class UtcDateTime(fields.DateTime):
    """Naive-UTC database times, sent with their Z so phones read them right."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.replace(microsecond=0).isoformat() + "Z"


# Statuses a pushed record can get; a phone forgets a record on the first three.
PUSH_STATUSES = ["stored", "held", "duplicate", "conflict", "invalid"]


class PushResultSchema(Schema):
    """The answer for one record."""

    id = fields.String(allow_none=True)
    kind = fields.String(allow_none=True)
    status = fields.String(
        required=True,
        validate=validate.OneOf(PUSH_STATUSES),
        metadata={
            "description": "stored: counted from now on. held: stored, but it breaks a rule, so "
            "a coordinator reviews it (see message); the phone may forget it. "
            "duplicate: stored before. conflict: another record has this id. "
            "invalid: not stored (see errors); fix it and send it again."
        },
    )
    errors = fields.Dict(keys=fields.String(), values=fields.Raw())
    message = fields.String()
    warnings = fields.List(
        fields.String(),
        metadata={"description": "Things the person must act on now, e.g. a recalled batch."},
    )


class DeviceStatusSchema(Schema):
    """Said when the phone has been locked out: records sent were kept as held."""

    revoked = fields.Boolean(required=True)
    message = fields.String(required=True)


class PushResponseSchema(Schema):
    """Answers in the order the records were sent."""

    results = fields.List(fields.Nested(PushResultSchema), required=True)
    server_time = UtcDateTime(required=True)
    device = fields.Nested(
        DeviceStatusSchema,
        metadata={
            "description": "Present when this phone is locked out: wipe once every record "
            "is answered."
        },
    )


class ErrorBodySchema(Schema):
    """What went wrong, in a code for the app and words for the person."""

    code = fields.String(required=True)
    message = fields.String(required=True)
    fields_ = fields.Dict(data_key="fields", keys=fields.String(), values=fields.Raw())
    wipe = fields.Boolean(metadata={"description": "device_revoked only: delete local data."})


class ErrorSchema(Schema):
    """The one error shape of the API."""

    error = fields.Nested(ErrorBodySchema, required=True)


class ModelOutSchema(SQLAlchemyAutoSchema):
    """A model row as a phone receives it: columns (foreign keys included, as ids), never
    relationships; every stored time as UTC with its Z."""

    TYPE_MAPPING = {**SQLAlchemyAutoSchema.TYPE_MAPPING, dt.datetime: UtcDateTime}

    class Meta:
        include_fk = True


# Sync bookkeeping, on every pulled row: the cursor is the page's, not a row's.
SYNC_COLUMNS = ("sync_seq", "sync_xid")
# Columns of a phone's own record that stay on the server: whose it is (the phone knows),
# the content digest, the device, and the reviewer's name, time and note.
SERVER_SIDE_RECORD_COLUMNS = (
    *SYNC_COLUMNS,
    "organisation_id",
    "user_id",
    "device_id",
    "payload_digest",
    "reviewed_by_id",
    "reviewed_at",
    "review_note",
)


class UserOutSchema(ModelOutSchema):
    """The signed-in account, as the phone shows it."""

    class Meta(ModelOutSchema.Meta):
        model = User
        # Only these: the rest of an account (password hash, email, sessions) is private.
        fields = (
            "id",
            "username",
            "display_name",
            "role",
            "organisation_id",
            "organisation_name",
            "locale",
        )

    organisation_name = fields.String(attribute="organisation.name")
    locale = fields.String(
        allow_none=True,
        metadata={
            "description": 'The account\'s language, "en" or "cy" (null: not chosen); the '
            "field app shows it unless the phone chose its own."
        },
    )


class SealingKeySchema(Schema):
    """The server's public key phones seal records to (the newest of FIELD_SEALING_KEYS)."""

    kid = fields.String(required=True, metadata={"description": "16 hex digits."})
    public_key = fields.String(
        required=True,
        metadata={
            "description": "base64url of the 65-byte uncompressed P-256 point (WebCrypto 'raw')."
        },
    )


class EnrolResponseSchema(Schema):
    """The device token: keep it in the phone's storage; send it as a Bearer token."""

    device_id = fields.String(required=True)
    token = fields.String(required=True)
    user = fields.Nested(UserOutSchema, required=True)
    sealing_key = fields.Nested(
        SealingKeySchema,
        required=True,
        metadata={"description": "Seal every record to this key before queueing it."},
    )


class ProductOutSchema(ModelOutSchema):
    """A naloxone product."""

    class Meta(ModelOutSchema.Meta):
        model = Product
        # Dose and pack wording are for the desk screens; phones show the name.
        exclude = (*SYNC_COLUMNS, "dose", "pack")


class SiteOutSchema(ModelOutSchema):
    """A site of the user's organisation."""

    class Meta(ModelOutSchema.Meta):
        model = Site
        exclude = SYNC_COLUMNS


class BatchOutSchema(ModelOutSchema):
    """A product batch the user's service holds."""

    class Meta(ModelOutSchema.Meta):
        model = StockBatch
        exclude = (*SYNC_COLUMNS, "organisation_id", "recalled_at", "created_at")

    recalled = fields.Function(lambda b: b.recalled_at is not None)


class AlertOutSchema(ModelOutSchema):
    """A drug alert to show until it expires."""

    class Meta(ModelOutSchema.Meta):
        model = DrugAlert
        # Who wrote it and who agreed to its reach are the service's business.
        exclude = (
            *SYNC_COLUMNS,
            "organisation_id",
            "withdrawn_at",
            "created_by_id",
            "agreed_by_id",
            "agreement_note",
        )

    withdrawn = fields.Function(lambda a: a.withdrawn_at is not None)
    scope = fields.String(metadata={"description": "service or area."})


class ReferralDestinationOutSchema(ModelOutSchema):
    """A place the service refers people to."""

    class Meta(ModelOutSchema.Meta):
        model = ReferralDestination
        exclude = (*SYNC_COLUMNS, "organisation_id")


class OwnRecordOutSchema(ModelOutSchema):
    """One of the user's own records: what the phone sent, its identity, and where its
    review stands."""

    review_status = fields.String(metadata={"description": "counted, held or rejected."})


class TrainingSessionOutSchema(OwnRecordOutSchema):
    """A training session the user recorded."""

    class Meta(ModelOutSchema.Meta):
        model = TrainingSession
        exclude = SERVER_SIDE_RECORD_COLUMNS


class ConsentOutSchema(OwnRecordOutSchema):
    """A consent the user recorded."""

    class Meta(ModelOutSchema.Meta):
        model = Consent
        exclude = SERVER_SIDE_RECORD_COLUMNS

    withdrawn_on = fields.Date(
        allow_none=True,
        metadata={
            "description": "Once withdrawn, the recipient code is erased: the phone must "
            "erase it too."
        },
    )


class KitSupplyOutSchema(OwnRecordOutSchema):
    """A supply the user recorded."""

    class Meta(ModelOutSchema.Meta):
        model = KitSupply
        # The product follows from the batch; a referral's outcome is the service's record.
        exclude = (
            *SERVER_SIDE_RECORD_COLUMNS,
            "product_id",
            "referral_outcome",
            "referral_outcome_on",
            "referral_outcome_by_id",
        )


class NaloxoneUseReportOutSchema(OwnRecordOutSchema):
    """A use of naloxone the user reported."""

    class Meta(ModelOutSchema.Meta):
        model = NaloxoneUseReport
        exclude = SERVER_SIDE_RECORD_COLUMNS


class StockInHandSchema(Schema):
    """Kits of one batch in the user's hands (or, for site staff, at one of their sites)."""

    site_id = fields.Integer(allow_none=True)
    batch_id = fields.Integer()
    product_id = fields.Integer()
    product_name = fields.String()
    batch_number = fields.String()
    expiry_date = fields.String()
    recalled = fields.Boolean()
    quantity = fields.Integer()


class TransferToConfirmSchema(Schema):
    """Kits a coordinator transferred to the user (or their site), not yet confirmed."""

    id = fields.String()
    site_id = fields.Integer(allow_none=True)
    batch_id = fields.Integer()
    product_name = fields.String()
    batch_number = fields.String()
    quantity = fields.Integer()
    moved_on = fields.Date()


class SupplierStatusSchema(Schema):
    """Whether the user may record supplies today, and why not."""

    authorised = fields.Boolean()
    reason = fields.String(allow_none=True)
    refresher_due = fields.Date(allow_none=True)


class ColleagueSchema(ModelOutSchema):
    """Someone of the user's organisation the user might train."""

    class Meta(ModelOutSchema.Meta):
        model = User
        fields = ("id", "display_name")


class PrivacyNoticeOutSchema(ModelOutSchema):
    """The privacy notice in force today for the user's service: what the phone shows at
    consent ("What we tell them") and names in the consent it records."""

    class Meta(ModelOutSchema.Meta):
        model = PrivacyNotice
        fields = ("version", "text", "in_force_from")


class SnapshotSchema(Schema):
    """Small, always complete: what the phone needs whatever its cursor."""

    user = fields.Nested(UserOutSchema)
    colleagues = fields.List(fields.Nested(ColleagueSchema))
    supplier = fields.Nested(SupplierStatusSchema)
    stock_in_hand = fields.List(fields.Nested(StockInHandSchema))
    transfers_to_confirm = fields.List(fields.Nested(TransferToConfirmSchema))
    vocabularies = fields.Dict(keys=fields.String(), values=fields.Dict())
    vocabulary_order = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    recipient_code_salt = fields.String()
    privacy_notice = fields.Nested(
        PrivacyNoticeOutSchema,
        allow_none=True,
        metadata={"description": "Null while the service has no notice in force."},
    )
    push_public_key = fields.String(
        allow_none=True,
        metadata={
            "description": "The server's VAPID public key for Web Push; null when not set up."
        },
    )
    server_time = UtcDateTime()


class ChangesSchema(Schema):
    """Rows changed after the cursor, by entity."""

    products = fields.List(fields.Nested(ProductOutSchema))
    sites = fields.List(fields.Nested(SiteOutSchema))
    batches = fields.List(fields.Nested(BatchOutSchema))
    alerts = fields.List(fields.Nested(AlertOutSchema))
    referral_destinations = fields.List(fields.Nested(ReferralDestinationOutSchema))
    training_sessions = fields.List(fields.Nested(TrainingSessionOutSchema))
    consents = fields.List(fields.Nested(ConsentOutSchema))
    kit_supplies = fields.List(fields.Nested(KitSupplyOutSchema))
    naloxone_use_reports = fields.List(fields.Nested(NaloxoneUseReportOutSchema))


class TombstoneSchema(Schema):
    """A row the phone must forget."""

    entity = fields.String()
    id = fields.String()


class PullResponseSchema(Schema):
    """One page of changes; call again with `cursor` while `more` is true."""

    cursor = fields.Integer(required=True)
    more = fields.Boolean(required=True)
    changes = fields.Nested(ChangesSchema, required=True)
    tombstones = fields.List(fields.Nested(TombstoneSchema), required=True)
    snapshot = fields.Nested(SnapshotSchema, required=True)
    sealing_key = fields.Nested(
        SealingKeySchema,
        required=True,
        metadata={
            "description": "The key to seal to from now on (changes when the server's keys "
            "are rotated)."
        },
    )
