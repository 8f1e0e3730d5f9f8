"""Phones: the same browser set up again replaces its old device; when "waiting" was reported.

Only adds nullable columns to `device`, so an existing database keeps every row. Existing
devices have no installation hash: they are never matched, and are replaced only from their
next set-up on.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 01:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.add_column(sa.Column("records_waiting_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("installation_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("replaced_by_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_device_installation_hash"), ["installation_hash"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_device_replaced_by_id_device"), "device", ["replaced_by_id"], ["id"]
        )


def downgrade():
    with op.batch_alter_table("device", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_device_replaced_by_id_device"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_device_installation_hash"))
        batch_op.drop_column("replaced_by_id")
        batch_op.drop_column("installation_hash")
        batch_op.drop_column("records_waiting_at")
