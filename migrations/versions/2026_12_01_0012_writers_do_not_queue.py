"""Writers that do not queue: a pending mark (the writing transaction's id) on every row
phones pull, numbered once committed (peerkit/sync_feed.py, docs/API.md).

Only adds a nullable column and a partial index to each table phones pull; existing rows
keep their numbers (their mark is empty: already numbered), so cursors phones hold stay
valid.

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-01 02:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0008'
branch_labels = None
depends_on = None

SYNCED_TABLES = ('product', 'referral_destination', 'site', 'stock_batch', 'drug_alert',
                 'consent', 'discard_notice', 'naloxone_use_report', 'training_session',
                 'field_report', 'kit_supply', 'stock_movement')


def upgrade():
    for table in SYNCED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('sync_xid', sa.BigInteger(), nullable=True))
        op.create_index(f'ix_{table}_sync_pending', table, ['sync_xid'], unique=False,
                        postgresql_where=sa.text('sync_xid IS NOT NULL'),
                        sqlite_where=sa.text('sync_xid IS NOT NULL'))


def downgrade():
    # Number what is still pending first, so no change is lost to phones.
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for table in SYNCED_TABLES:
            numbered = bind.execute(sa.text(
                f"WITH numbered AS (SELECT id, row_number() OVER (ORDER BY sync_xid, id) AS n"
                f" FROM {table} WHERE sync_xid IS NOT NULL) UPDATE {table} AS t"
                f" SET sync_seq = (SELECT value FROM sync_counter WHERE id = 1) + numbered.n"
                f" FROM numbered WHERE t.id = numbered.id")).rowcount
            bind.execute(sa.text("UPDATE sync_counter SET value = value + :n WHERE id = 1"),
                         {"n": numbered})
    for table in SYNCED_TABLES:
        op.drop_index(f'ix_{table}_sync_pending', table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('sync_xid')
