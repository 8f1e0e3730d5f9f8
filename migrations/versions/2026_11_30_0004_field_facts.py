"""Field records are facts: holds for review, discard notices, age band, batches per service.

- Every field record gains a review status ("counted" for all existing rows, so nothing
  already counted changes), the reason it was held, and who reviewed it when.
- discard_notice: a phone's word that a person discarded a record the server refused.
- kit_supply.age_band: the recipient's optional age band.
- stock_movement.receipt_confirmed_at / receipt_quantity: a transfer confirmed on the
  recipient's phone.
- stock_batch: unique per holding service, product and manufacturer batch number (was per
  product and batch number across the whole deployment, so a second service could not book
  in a real batch). Widening a unique key can never fail on existing rows.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 23:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FIELD_TABLES = (
    "training_session",
    "consent",
    "kit_supply",
    "naloxone_use_report",
    "stock_movement",
)


def _review_columns(batch_op, table):
    batch_op.add_column(
        sa.Column("review_status", sa.String(length=10), server_default="counted", nullable=False)
    )
    batch_op.add_column(sa.Column("hold_reason", sa.String(length=300), nullable=True))
    batch_op.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
    batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(), nullable=True))
    batch_op.add_column(sa.Column("review_note", sa.String(length=300), nullable=True))
    batch_op.create_foreign_key(
        batch_op.f(f"fk_{table}_reviewed_by_id_user"), "user", ["reviewed_by_id"], ["id"]
    )


def upgrade():
    for table in FIELD_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            _review_columns(batch_op, table)
    with op.batch_alter_table("kit_supply", schema=None) as batch_op:
        batch_op.add_column(sa.Column("age_band", sa.String(length=10), nullable=True))
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("receipt_confirmed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("receipt_quantity", sa.Integer(), nullable=True))
    with op.batch_alter_table("stock_batch", schema=None) as batch_op:
        batch_op.drop_constraint("uq_stock_batch_product_id", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_stock_batch_organisation_id"),
            ["organisation_id", "product_id", "batch_number"],
        )

    op.create_table(
        "discard_notice",
        sa.Column("record_kind", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("discarded_at", sa.DateTime(), nullable=False),
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
            ["device_id"], ["device.id"], name=op.f("fk_discard_notice_device_id_device")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_discard_notice_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["user.id"], name=op.f("fk_discard_notice_reviewed_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_discard_notice_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discard_notice")),
    )
    with op.batch_alter_table("discard_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_discard_notice_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_discard_notice_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_discard_notice_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_discard_notice_sync_seq"), ["sync_seq"], unique=False)
        batch_op.create_index(batch_op.f("ix_discard_notice_user_id"), ["user_id"], unique=False)


def downgrade():
    op.drop_table("discard_notice")
    with op.batch_alter_table("stock_batch", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_stock_batch_organisation_id"), type_="unique")
        batch_op.create_unique_constraint(
            "uq_stock_batch_product_id", ["product_id", "batch_number"]
        )
    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.drop_column("receipt_quantity")
        batch_op.drop_column("receipt_confirmed_at")
    with op.batch_alter_table("kit_supply", schema=None) as batch_op:
        batch_op.drop_column("age_band")
    for table in FIELD_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(
                batch_op.f(f"fk_{table}_reviewed_by_id_user"), type_="foreignkey"
            )
            for column in (
                "review_note",
                "reviewed_at",
                "reviewed_by_id",
                "hold_reason",
                "review_status",
            ):
                batch_op.drop_column(column)
