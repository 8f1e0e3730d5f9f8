"""Issue 13: writers that do not queue, and two more daily summaries for the dashboard.

- A pending mark (the writing transaction's id) on every row phones pull, numbered once
  committed (peerkit/sync_feed.py, docs/API.md). Only adds a nullable column and a partial
  index to each table phones pull; existing rows keep their numbers (their mark is empty:
  already numbered), so cursors phones hold stay valid.
- `supply_late_day` (supplies that arrived after their own day, by area and age band and
  day of arrival) and `referral_day` (referral stages by destination), created and filled
  from the records already stored, like 0007's summaries. The statements are written out
  here rather than imported from the app, so this migration does the same thing in a
  year's time whatever the code then says.
- An index on kit supplies' area and day, for views filtered by postcode district.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 02:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

SYNCED_TABLES = (
    "product",
    "referral_destination",
    "site",
    "stock_batch",
    "drug_alert",
    "consent",
    "discard_notice",
    "naloxone_use_report",
    "training_session",
    "field_report",
    "kit_supply",
    "stock_movement",
)


ARRIVED = "max(coalesce(reviewed_at, received_at))"


def _arrival_day(dialect):
    """The UK day a record reached the figures, one microsecond early (as in 0007)."""
    arrived = "coalesce(reviewed_at, received_at)"
    if dialect == "postgresql":
        return (
            f"CAST(timezone('Europe/London', timezone('UTC', {arrived} - "
            "interval '1 microsecond')) AS date)"
        )
    return f"peerkit_arrival_day({arrived})"


def _summary_table(name, key_columns, measures, unique):
    op.create_table(
        name,
        *key_columns,
        *(sa.Column(m, sa.Integer(), nullable=False) for m in measures),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=10), nullable=False),
        sa.Column("last_arrived", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f(f"fk_{name}_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("organisation_id", "review_status", *unique, name=f"uq_{name}_key"),
    )


def _summaries():
    _summary_table(
        "supply_late_day",
        [
            sa.Column("supplied_on", sa.Date(), nullable=False),
            sa.Column("channel", sa.String(length=20), nullable=False),
            sa.Column("area", sa.String(length=8), nullable=False),
            sa.Column("age_band", sa.String(length=10), nullable=False),
            sa.Column("arrived_on", sa.Date(), nullable=False),
        ],
        ["supplies", "kits"],
        ("supplied_on", "channel", "area", "age_band", "arrived_on"),
    )
    _summary_table(
        "referral_day",
        [
            sa.Column("supplied_on", sa.Date(), nullable=False),
            sa.Column("channel", sa.String(length=20), nullable=False),
            sa.Column("site_id", sa.Integer(), nullable=False),
            sa.Column("product_id", sa.Integer(), nullable=False),
            sa.Column("referral_destination_id", sa.Integer(), nullable=False),
            sa.Column("referral_accepted", sa.Boolean(), nullable=False),
        ],
        ["offered", "attended", "declined", "not_known"],
        (
            "supplied_on",
            "channel",
            "site_id",
            "product_id",
            "referral_destination_id",
            "referral_accepted",
        ),
    )
    arrival_day = _arrival_day(op.get_bind().dialect.name)
    late_key = (
        "organisation_id, coalesce(review_status, 'counted'), supplied_on, channel, "
        f"coalesce(area, ''), coalesce(age_band, ''), {arrival_day}"
    )
    op.execute(
        "INSERT INTO supply_late_day (organisation_id, review_status, supplied_on, channel, "
        "area, age_band, arrived_on, supplies, kits, last_arrived) "
        f"SELECT {late_key}, count(*), sum(quantity), {ARRIVED} FROM kit_supply "
        f"WHERE {arrival_day} > supplied_on GROUP BY {late_key}"
    )
    referral_key = (
        "organisation_id, coalesce(review_status, 'counted'), supplied_on, "
        "channel, coalesce(site_id, 0), coalesce(product_id, 0), "
        "coalesce(referral_destination_id, 0), referral_accepted"
    )
    op.execute(
        "INSERT INTO referral_day (organisation_id, review_status, supplied_on, channel, "
        "site_id, product_id, referral_destination_id, referral_accepted, offered, attended, "
        "declined, not_known, last_arrived) "
        f"SELECT {referral_key}, count(*), "
        "sum(CASE WHEN referral_outcome = 'attended' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN referral_outcome = 'declined' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN referral_outcome = 'not_known' THEN 1 ELSE 0 END), "
        f"{ARRIVED} FROM kit_supply WHERE referral_offered GROUP BY {referral_key}"
    )


def upgrade():
    _summaries()
    op.create_index("ix_kit_supply_area_supplied_on", "kit_supply", ["area", "supplied_on"])
    for table in SYNCED_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("sync_xid", sa.BigInteger(), nullable=True))
        op.create_index(
            f"ix_{table}_sync_pending",
            table,
            ["sync_xid"],
            unique=False,
            postgresql_where=sa.text("sync_xid IS NOT NULL"),
            sqlite_where=sa.text("sync_xid IS NOT NULL"),
        )


def downgrade():
    op.drop_index("ix_kit_supply_area_supplied_on", table_name="kit_supply")
    op.drop_table("referral_day")
    op.drop_table("supply_late_day")
    # Number what is still pending first, so no change is lost to phones.
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for table in SYNCED_TABLES:
            numbered = bind.execute(
                sa.text(
                    f"WITH numbered AS (SELECT id, row_number() OVER (ORDER BY sync_xid, id) AS n"
                    f" FROM {table} WHERE sync_xid IS NOT NULL) UPDATE {table} AS t"
                    f" SET sync_seq = (SELECT value FROM sync_counter WHERE id = 1) + numbered.n"
                    f" FROM numbered WHERE t.id = numbered.id"
                )
            ).rowcount
            bind.execute(
                sa.text("UPDATE sync_counter SET value = value + :n WHERE id = 1"), {"n": numbered}
            )
    for table in SYNCED_TABLES:
        op.drop_index(f"ix_{table}_sync_pending", table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("sync_xid")
