"""Security: an email address on accounts, where coordinators' and admins' set-up links go.

Nullable, so every existing account keeps working; an admin adds addresses as needed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 22:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("email")
