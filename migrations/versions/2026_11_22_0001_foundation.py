"""Foundation: organisations, sites, users, devices, field records, stock, alerts, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 15:34:48.282235

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("managed_by_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["organisation.id"], name=op.f("fk_organisation_area_id_organisation")
        ),
        sa.ForeignKeyConstraint(
            ["managed_by_id"],
            ["organisation.id"],
            name=op.f("fk_organisation_managed_by_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("name", name=op.f("uq_organisation_name")),
    )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organisation_area_id"), ["area_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_organisation_managed_by_id"), ["managed_by_id"], unique=False
        )

    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("route", sa.String(length=10), nullable=False),
        sa.Column("description", sa.String(length=200), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product")),
        sa.UniqueConstraint("code", name=op.f("uq_product_code")),
    )
    op.create_table(
        "coverage_estimate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("estimated_opiate_users", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["organisation.id"], name=op.f("fk_coverage_estimate_area_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_coverage_estimate")),
        sa.UniqueConstraint("area_id", "year", name=op.f("uq_coverage_estimate_area_id")),
    )
    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("site_type", sa.String(length=40), nullable=False),
        sa.Column("postcode_district", sa.String(length=8), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_site_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
    )
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_site_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "stock_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("batch_number", sa.String(length=40), nullable=False),
        sa.Column("expiry_date", sa.Date(), nullable=False),
        sa.Column("recalled_at", sa.DateTime(), nullable=True),
        sa.Column("recall_reason", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_stock_batch_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_stock_batch_product_id_product")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_batch")),
        sa.UniqueConstraint("product_id", "batch_number", name=op.f("uq_stock_batch_product_id")),
    )
    with op.batch_alter_table("stock_batch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stock_batch_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_stock_batch_product_id"), ["product_id"], unique=False)

    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_user_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user")),
        sa.UniqueConstraint("username", name=op.f("uq_user_username")),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("object_type", sa.String(length=40), nullable=True),
        sa.Column("object_id", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_audit_event_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_audit_event_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_user_id"), ["user_id"], unique=False)

    op.create_table(
        "device",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("token_version", sa.Integer(), nullable=False),
        sa.Column("enrolled_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=True),
        sa.Column("last_sync_at", sa.DateTime(), nullable=True),
        sa.Column("records_waiting", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_reason", sa.String(length=200), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["user.id"], name=op.f("fk_device_revoked_by_id_user")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_device_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_device")),
    )
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_user_id"), ["user_id"], unique=False)

    op.create_table(
        "drug_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("area_description", sa.String(length=200), nullable=False),
        sa.Column("substance", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("advice", sa.Text(), nullable=False),
        sa.Column("grading", sa.String(length=10), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_drug_alert_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_drug_alert_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drug_alert")),
    )
    with op.batch_alter_table("drug_alert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_drug_alert_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "supplier_sign_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assessed_by_id", sa.Integer(), nullable=False),
        sa.Column("trained_on", sa.Date(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("refresher_due", sa.Date(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessed_by_id"], ["user.id"], name=op.f("fk_supplier_sign_off_assessed_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_supplier_sign_off_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supplier_sign_off")),
    )
    with op.batch_alter_table("supplier_sign_off", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supplier_sign_off_user_id"), ["user_id"], unique=False)

    op.create_table(
        "consent",
        sa.Column("recipient_code", sa.String(length=64), nullable=True),
        sa.Column("consent_to_record", sa.Boolean(), nullable=False),
        sa.Column("consent_to_share", sa.Boolean(), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("privacy_notice_version", sa.String(length=20), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("client_created_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_consent_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_consent_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_consent_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consent_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consent_received_at"), ["received_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consent_recipient_code"), ["recipient_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consent_user_id"), ["user_id"], unique=False)

    op.create_table(
        "naloxone_use_report",
        sa.Column("used_on", sa.Date(), nullable=False),
        sa.Column("place_type", sa.String(length=20), nullable=False),
        sa.Column("area", sa.String(length=8), nullable=False),
        sa.Column("administered_by", sa.String(length=20), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("doses", sa.Integer(), nullable=False),
        sa.Column("route", sa.String(length=10), nullable=False),
        sa.Column("called_999", sa.Boolean(), nullable=False),
        sa.Column("stayed_with_person", sa.Boolean(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("client_created_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=True),
        sa.CheckConstraint("doses >= 1", name=op.f("ck_naloxone_use_report_at_least_one_dose")),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_naloxone_use_report_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_naloxone_use_report_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_naloxone_use_report_product_id_product")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_naloxone_use_report_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_naloxone_use_report")),
    )
    with op.batch_alter_table("naloxone_use_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_naloxone_use_report_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_naloxone_use_report_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_naloxone_use_report_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_naloxone_use_report_used_on"), ["used_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_naloxone_use_report_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "training_session",
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("attendees_at_risk", sa.Integer(), nullable=False),
        sa.Column("attendees_family", sa.Integer(), nullable=False),
        sa.Column("attendees_worker", sa.Integer(), nullable=False),
        sa.Column("attendees_unknown", sa.Integer(), nullable=False),
        sa.Column("kits_taken", sa.Integer(), nullable=False),
        sa.Column("trainee_user_id", sa.Integer(), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("client_created_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "attendees_at_risk >= 0 AND attendees_family >= 0 AND attendees_worker >= 0 AND attendees_unknown >= 0 AND kits_taken >= 0",
            name=op.f("ck_training_session_non_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_training_session_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_training_session_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["site.id"], name=op.f("fk_training_session_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["trainee_user_id"], ["user.id"], name=op.f("fk_training_session_trainee_user_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_training_session_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_session")),
    )
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_session_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_session_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_session_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_training_session_session_date"), ["session_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_training_session_user_id"), ["user_id"], unique=False)

    op.create_table(
        "kit_supply",
        sa.Column("supplied_on", sa.Date(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("recipient_category", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("supply_type", sa.String(length=10), nullable=False),
        sa.Column("repeat_reason", sa.String(length=32), nullable=True),
        sa.Column("training", sa.String(length=20), nullable=False),
        sa.Column("training_session_id", sa.String(length=36), nullable=True),
        sa.Column("area", sa.String(length=8), nullable=False),
        sa.Column("referral_offered", sa.Boolean(), nullable=False),
        sa.Column("referral_accepted", sa.Boolean(), nullable=False),
        sa.Column("consent_id", sa.String(length=36), nullable=True),
        sa.Column("recipient_code", sa.String(length=64), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("client_created_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "(supply_type = 'repeat' AND repeat_reason IS NOT NULL) OR (supply_type = 'first' AND repeat_reason IS NULL)",
            name=op.f("ck_kit_supply_repeat_reason_only_on_repeat"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_kit_supply_positive_quantity")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["stock_batch.id"], name=op.f("fk_kit_supply_batch_id_stock_batch")
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"], ["consent.id"], name=op.f("fk_kit_supply_consent_id_consent")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_kit_supply_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_kit_supply_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["product.id"], name=op.f("fk_kit_supply_product_id_product")
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_kit_supply_site_id_site")),
        sa.ForeignKeyConstraint(
            ["training_session_id"],
            ["training_session.id"],
            name=op.f("fk_kit_supply_training_session_id_training_session"),
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_kit_supply_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kit_supply")),
    )
    with op.batch_alter_table("kit_supply", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kit_supply_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_kit_supply_channel"), ["channel"], unique=False)
        batch_op.create_index(batch_op.f("ix_kit_supply_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_kit_supply_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_kit_supply_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_kit_supply_recipient_code"), ["recipient_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_kit_supply_site_id"), ["site_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_kit_supply_supplied_on"), ["supplied_on"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_kit_supply_user_id"), ["user_id"], unique=False)

    op.create_table(
        "stock_movement",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("from_site_id", sa.Integer(), nullable=True),
        sa.Column("from_user_id", sa.Integer(), nullable=True),
        sa.Column("to_site_id", sa.Integer(), nullable=True),
        sa.Column("to_user_id", sa.Integer(), nullable=True),
        sa.Column("kit_supply_id", sa.String(length=36), nullable=True),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("client_created_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_stock_movement_positive_quantity")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["stock_batch.id"], name=op.f("fk_stock_movement_batch_id_stock_batch")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_stock_movement_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["from_site_id"], ["site.id"], name=op.f("fk_stock_movement_from_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["from_user_id"], ["user.id"], name=op.f("fk_stock_movement_from_user_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["kit_supply_id"],
            ["kit_supply.id"],
            name=op.f("fk_stock_movement_kit_supply_id_kit_supply"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_stock_movement_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["to_site_id"], ["site.id"], name=op.f("fk_stock_movement_to_site_id_site")
        ),
        sa.ForeignKeyConstraint(
            ["to_user_id"], ["user.id"], name=op.f("fk_stock_movement_to_user_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_stock_movement_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movement")),
    )
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stock_movement_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_stock_movement_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stock_movement_from_site_id"), ["from_site_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stock_movement_from_user_id"), ["from_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_stock_movement_moved_on"), ["moved_on"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_stock_movement_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stock_movement_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stock_movement_to_site_id"), ["to_site_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stock_movement_to_user_id"), ["to_user_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_stock_movement_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_movement_user_id"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_to_user_id"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_to_site_id"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_received_at"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_moved_on"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_from_user_id"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_from_site_id"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_device_id"))
        batch_op.drop_index(batch_op.f("ix_stock_movement_batch_id"))

    op.drop_table("stock_movement")
    with op.batch_alter_table("kit_supply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kit_supply_user_id"))
        batch_op.drop_index(batch_op.f("ix_kit_supply_supplied_on"))
        batch_op.drop_index(batch_op.f("ix_kit_supply_site_id"))
        batch_op.drop_index(batch_op.f("ix_kit_supply_recipient_code"))
        batch_op.drop_index(batch_op.f("ix_kit_supply_received_at"))
        batch_op.drop_index(batch_op.f("ix_kit_supply_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_kit_supply_device_id"))
        batch_op.drop_index(batch_op.f("ix_kit_supply_channel"))
        batch_op.drop_index(batch_op.f("ix_kit_supply_batch_id"))

    op.drop_table("kit_supply")
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_session_user_id"))
        batch_op.drop_index(batch_op.f("ix_training_session_session_date"))
        batch_op.drop_index(batch_op.f("ix_training_session_received_at"))
        batch_op.drop_index(batch_op.f("ix_training_session_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_training_session_device_id"))

    op.drop_table("training_session")
    with op.batch_alter_table("naloxone_use_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_naloxone_use_report_user_id"))
        batch_op.drop_index(batch_op.f("ix_naloxone_use_report_used_on"))
        batch_op.drop_index(batch_op.f("ix_naloxone_use_report_received_at"))
        batch_op.drop_index(batch_op.f("ix_naloxone_use_report_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_naloxone_use_report_device_id"))

    op.drop_table("naloxone_use_report")
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_user_id"))
        batch_op.drop_index(batch_op.f("ix_consent_recipient_code"))
        batch_op.drop_index(batch_op.f("ix_consent_received_at"))
        batch_op.drop_index(batch_op.f("ix_consent_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_consent_device_id"))

    op.drop_table("consent")
    with op.batch_alter_table("supplier_sign_off", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supplier_sign_off_user_id"))

    op.drop_table("supplier_sign_off")
    with op.batch_alter_table("drug_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drug_alert_organisation_id"))

    op.drop_table("drug_alert")
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_user_id"))

    op.drop_table("device")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))

    op.drop_table("audit_event")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_organisation_id"))

    op.drop_table("user")
    with op.batch_alter_table("stock_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_batch_product_id"))
        batch_op.drop_index(batch_op.f("ix_stock_batch_organisation_id"))

    op.drop_table("stock_batch")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_organisation_id"))

    op.drop_table("site")
    op.drop_table("coverage_estimate")
    op.drop_table("product")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_managed_by_id"))
        batch_op.drop_index(batch_op.f("ix_organisation_area_id"))

    op.drop_table("organisation")
