"""Sync feed: a commit-ordered counter, per-row sync numbers and tombstones.

Rows that exist before this migration are numbered here, so phones pull them too.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 15:39:28.684866

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


SYNCED_TABLES = (
    "product",
    "site",
    "stock_batch",
    "drug_alert",
    "training_session",
    "consent",
    "kit_supply",
    "naloxone_use_report",
    "stock_movement",
)


def _number_existing_rows():
    """Give every existing row a sync number and start the counter after the last one."""
    conn = op.get_bind()
    seq = 0
    for table in SYNCED_TABLES:
        ids = conn.execute(sa.text(f"SELECT id FROM {table} ORDER BY id")).scalars().all()
        for row_id in ids:
            seq += 1
            conn.execute(
                sa.text(f"UPDATE {table} SET sync_seq = :seq WHERE id = :id"),
                {"seq": seq, "id": row_id},
            )
    conn.execute(sa.text("INSERT INTO sync_counter (id, value) VALUES (1, :seq)"), {"seq": seq})


def upgrade():
    op.create_table(
        "sync_counter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_counter")),
    )
    op.create_table(
        "sync_tombstone",
        sa.Column("sync_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=40), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_sync_tombstone_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_sync_tombstone_user_id_user")
        ),
        sa.PrimaryKeyConstraint("sync_seq", name=op.f("pk_sync_tombstone")),
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_seq", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_consent_sync_seq"), ["sync_seq"], unique=False)

    with op.batch_alter_table("drug_alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_seq", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_drug_alert_sync_seq"), ["sync_seq"], unique=False)

    with op.batch_alter_table("kit_supply", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_seq", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_kit_supply_sync_seq"), ["sync_seq"], unique=False)

    with op.batch_alter_table("naloxone_use_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_seq", sa.BigInteger(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_naloxone_use_report_sync_seq"), ["sync_seq"], unique=False
        )

    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_seq", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_product_sync_seq"), ["sync_seq"], unique=False)

    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_seq", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_site_sync_seq"), ["sync_seq"], unique=False)

    with op.batch_alter_table("stock_batch", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_seq", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_stock_batch_sync_seq"), ["sync_seq"], unique=False)

    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_seq", sa.BigInteger(), nullable=True))
        batch_op.create_index(batch_op.f("ix_stock_movement_sync_seq"), ["sync_seq"], unique=False)

    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sync_seq", sa.BigInteger(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_training_session_sync_seq"), ["sync_seq"], unique=False
        )

    _number_existing_rows()


def downgrade():
    with op.batch_alter_table("training_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_session_sync_seq"))
        batch_op.drop_column("sync_seq")

    with op.batch_alter_table("stock_movement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_movement_sync_seq"))
        batch_op.drop_column("sync_seq")

    with op.batch_alter_table("stock_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_batch_sync_seq"))
        batch_op.drop_column("sync_seq")

    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_sync_seq"))
        batch_op.drop_column("sync_seq")

    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_sync_seq"))
        batch_op.drop_column("sync_seq")

    with op.batch_alter_table("naloxone_use_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_naloxone_use_report_sync_seq"))
        batch_op.drop_column("sync_seq")

    with op.batch_alter_table("kit_supply", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kit_supply_sync_seq"))
        batch_op.drop_column("sync_seq")

    with op.batch_alter_table("drug_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_drug_alert_sync_seq"))
        batch_op.drop_column("sync_seq")

    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_sync_seq"))
        batch_op.drop_column("sync_seq")

    op.drop_table("sync_tombstone")
    op.drop_table("sync_counter")
