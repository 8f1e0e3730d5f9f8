"""Frontline intelligence: field reports of bad batches, area-wide alerts, Web Push,
outcomes and referrals.

Only adds: new tables (field_report, push_subscription, alert_delivery,
referral_destination) and nullable columns, so an existing database keeps every row.
Existing alerts become service alerts (`scope` defaults to "service"), as they were.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 23:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _field_record_columns(table):
    """The columns every phone-made record carries (peerkit.models.FieldRecordMixin)."""
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=True),
        sa.Column("client_created_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("payload_digest", sa.String(length=64), nullable=True),
        sa.Column("review_status", sa.String(length=10), server_default="counted", nullable=False),
        sa.Column("hold_reason", sa.String(length=300), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("review_note", sa.String(length=300), nullable=True),
        sa.Column("sync_seq", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f(f"fk_{table}_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f(f"fk_{table}_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["user.id"], name=op.f(f"fk_{table}_reviewed_by_id_user")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f(f"fk_{table}_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade():
    op.create_table(
        "referral_destination",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sync_seq", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_referral_destination_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_destination")),
    )
    with op.batch_alter_table("referral_destination", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_referral_destination_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_referral_destination_sync_seq"), ["sync_seq"], unique=False
        )

    with op.batch_alter_table("kit_supply", schema=None) as batch_op:
        batch_op.add_column(sa.Column("referral_destination_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("referral_outcome", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("referral_outcome_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("referral_outcome_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_kit_supply_referral_destination_id_referral_destination"),
            "referral_destination",
            ["referral_destination_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_kit_supply_referral_outcome_by_id_user"),
            "user",
            ["referral_outcome_by_id"],
            ["id"],
        )

    with op.batch_alter_table("naloxone_use_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("naloxone_source", sa.String(length=20), nullable=True))

    with op.batch_alter_table("drug_alert", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("scope", sa.String(length=10), server_default="service", nullable=False)
        )
        batch_op.add_column(sa.Column("agreed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("agreement_note", sa.String(length=300), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_drug_alert_agreed_by_id_user"), "user", ["agreed_by_id"], ["id"]
        )

    op.create_table(
        "field_report",
        sa.Column("seen_on", sa.Date(), nullable=False),
        sa.Column("area", sa.String(length=8), nullable=False),
        sa.Column("drug_described", sa.String(length=120), nullable=False),
        sa.Column("appearance", sa.String(length=200), nullable=False),
        sa.Column("more_than_one_dose", sa.Boolean(), nullable=False),
        sa.Column("unusual_symptoms", sa.String(length=500), nullable=False),
        sa.Column("use_report_id", sa.String(length=36), nullable=True),
        sa.Column("triage_status", sa.String(length=10), server_default="new", nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        *_field_record_columns("field_report"),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["drug_alert.id"], name=op.f("fk_field_report_alert_id_drug_alert")
        ),
        sa.ForeignKeyConstraint(
            ["use_report_id"],
            ["naloxone_use_report.id"],
            name=op.f("fk_field_report_use_report_id_naloxone_use_report"),
        ),
    )
    with op.batch_alter_table("field_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_field_report_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_field_report_device_id"), ["device_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_field_report_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_field_report_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_field_report_seen_on"), ["seen_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_field_report_sync_seq"), ["sync_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_field_report_user_id"), ["user_id"], unique=False)

    op.create_table(
        "push_subscription",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("permission", sa.String(length=10), nullable=False),
        sa.Column("endpoint", sa.String(length=1000), nullable=True),
        sa.Column("p256dh", sa.String(length=200), nullable=True),
        sa.Column("auth", sa.String(length=100), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_push_subscription_device_id_device")
        ),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_push_subscription")),
    )

    op.create_table(
        "alert_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("pushed_at", sa.DateTime(), nullable=True),
        sa.Column("push_error", sa.String(length=200), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("opened_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"], ["drug_alert.id"], name=op.f("fk_alert_delivery_alert_id_drug_alert")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"], ["device.id"], name=op.f("fk_alert_delivery_device_id_device")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_delivery")),
        sa.UniqueConstraint("alert_id", "device_id", name=op.f("uq_alert_delivery_alert_id")),
    )
    with op.batch_alter_table("alert_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_delivery_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_alert_delivery_device_id"), ["device_id"], unique=False
        )


def downgrade():
    op.drop_table("alert_delivery")
    op.drop_table("push_subscription")
    op.drop_table("field_report")
    with op.batch_alter_table("drug_alert", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_drug_alert_agreed_by_id_user"), type_="foreignkey")
        batch_op.drop_column("agreement_note")
        batch_op.drop_column("agreed_by_id")
        batch_op.drop_column("scope")
    with op.batch_alter_table("naloxone_use_report", schema=None) as batch_op:
        batch_op.drop_column("naloxone_source")
    with op.batch_alter_table("kit_supply", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_kit_supply_referral_outcome_by_id_user"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_kit_supply_referral_destination_id_referral_destination"),
            type_="foreignkey",
        )
        batch_op.drop_column("referral_outcome_by_id")
        batch_op.drop_column("referral_outcome_on")
        batch_op.drop_column("referral_outcome")
        batch_op.drop_column("referral_destination_id")
    op.drop_table("referral_destination")
