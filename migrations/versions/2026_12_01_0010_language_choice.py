"""Language choice: each account may choose English or Welsh (peerkit.i18n).

Only adds one nullable column, so every existing row keeps its data and, with no choice
recorded, follows the browser's language as before.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 01:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=5), nullable=True))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("locale")
