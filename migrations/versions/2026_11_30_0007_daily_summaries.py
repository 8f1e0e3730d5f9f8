"""Daily summaries of supplies (at three grains), training sessions, use reports and
activity, supplies per batch, and stock balances per holder and batch, filled from the
records already stored.

The app keeps these rows in the same transaction as the records (`peerkit.summaries`);
this migration creates the tables and adds up the records an existing database holds, so
figures read from the summaries equal the ones counted from the rows. The statements are
written out here rather than imported from the app: a migration must do the same thing in
a year's time, whatever the code then says.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 23:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

CATEGORIES = ("person_at_risk", "family_friend_carer", "worker", "member_of_public", "unknown")
REASONS = (
    "used_on_self",
    "used_on_someone_else",
    "lost",
    "stolen",
    "confiscated",
    "expired",
    "damaged",
    "unknown",
)
ARRIVED = "max(coalesce(reviewed_at, received_at))"


def _count(name):
    return sa.Column(name, sa.Integer(), nullable=False)


def _summary_table(name, key_columns, measures, unique):
    op.create_table(
        name,
        *key_columns,
        *(_count(m) for m in measures),
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


SUPPLY_MEASURES = [
    "supplies",
    "kits",
    "first",
    "used",
    "reach",
    "referral_offered",
    "referral_accepted",
]
for _code in CATEGORIES:
    SUPPLY_MEASURES += [f"supplies_{_code}", f"kits_{_code}"]
for _code in REASONS:
    SUPPLY_MEASURES += [f"repeat_{_code}", f"repeat_kits_{_code}"]


def _supply_sums():
    sums = [
        "count(*)",
        "sum(quantity)",
        "sum(CASE WHEN supply_type = 'first' THEN 1 ELSE 0 END)",
        "sum(CASE WHEN repeat_reason IN ('used_on_self', 'used_on_someone_else') "
        "THEN 1 ELSE 0 END)",
        "sum(CASE WHEN supply_type = 'first' AND recipient_category = 'person_at_risk' "
        "THEN 1 ELSE 0 END)",
        "sum(CASE WHEN referral_offered THEN 1 ELSE 0 END)",
        "sum(CASE WHEN referral_accepted THEN 1 ELSE 0 END)",
    ]
    for column, codes in (("recipient_category", CATEGORIES), ("repeat_reason", REASONS)):
        for code in codes:
            sums += [
                f"sum(CASE WHEN {column} = '{code}' THEN 1 ELSE 0 END)",
                f"sum(CASE WHEN {column} = '{code}' THEN quantity ELSE 0 END)",
            ]
    return sums


def _arrival_day(dialect):
    """The UK day a record reached the figures, one microsecond early, so a record arriving
    on the stroke of midnight belongs to the day that ended (peerkit.summaries.arrival_day).
    SQLite cannot do UK time: the app registers peerkit_arrival_day on its connections."""
    arrived = "coalesce(reviewed_at, received_at)"
    if dialect == "postgresql":
        return (
            f"CAST(timezone('Europe/London', timezone('UTC', {arrived} - "
            "interval '1 microsecond')) AS date)"
        )
    return f"peerkit_arrival_day({arrived})"


ATTENDEES = "(attendees_at_risk + attendees_family + attendees_worker + attendees_unknown)"


def upgrade():
    _summary_table(
        "supply_day",
        [
            sa.Column("supplied_on", sa.Date(), nullable=False),
            sa.Column("channel", sa.String(length=20), nullable=False),
            sa.Column("site_id", sa.Integer(), nullable=False),
            sa.Column("product_id", sa.Integer(), nullable=False),
            sa.Column("area", sa.String(length=8), nullable=False),
            sa.Column("age_band", sa.String(length=10), nullable=False),
        ],
        SUPPLY_MEASURES,
        ("supplied_on", "channel", "site_id", "product_id", "area", "age_band"),
    )
    _summary_table(
        "supply_channel_day",
        [
            sa.Column("supplied_on", sa.Date(), nullable=False),
            sa.Column("channel", sa.String(length=20), nullable=False),
            sa.Column("site_id", sa.Integer(), nullable=False),
            sa.Column("product_id", sa.Integer(), nullable=False),
            sa.Column("arrived_on", sa.Date(), nullable=False),
        ],
        SUPPLY_MEASURES,
        ("supplied_on", "channel", "site_id", "product_id", "arrived_on"),
    )
    _summary_table(
        "supply_area_day",
        [
            sa.Column("supplied_on", sa.Date(), nullable=False),
            sa.Column("channel", sa.String(length=20), nullable=False),
            sa.Column("area", sa.String(length=8), nullable=False),
            sa.Column("age_band", sa.String(length=10), nullable=False),
        ],
        ["supplies", "kits"],
        ("supplied_on", "channel", "area", "age_band"),
    )
    _summary_table(
        "training_day",
        [
            sa.Column("session_date", sa.Date(), nullable=False),
            sa.Column("kind", sa.String(length=32), nullable=False),
            sa.Column("site_id", sa.Integer(), nullable=False),
            sa.Column("arrived_on", sa.Date(), nullable=False),
        ],
        ["sessions", "attendees", "with_kit"],
        ("session_date", "kind", "site_id", "arrived_on"),
    )
    _summary_table(
        "use_report_day",
        [
            sa.Column("used_on", sa.Date(), nullable=False),
            sa.Column("area", sa.String(length=8), nullable=False),
            sa.Column("product_id", sa.Integer(), nullable=False),
            sa.Column("arrived_on", sa.Date(), nullable=False),
        ],
        ["reports"],
        ("used_on", "area", "product_id", "arrived_on"),
    )
    _summary_table(
        "activity_day",
        [
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("record", sa.String(length=20), nullable=False),
            sa.Column("channel", sa.String(length=20), nullable=False),
            sa.Column("site_id", sa.Integer(), nullable=False),
            sa.Column("product_id", sa.Integer(), nullable=False),
        ],
        ["records"],
        ("day", "user_id", "record", "channel", "site_id", "product_id"),
    )
    # "Figures last changed" reads the latest arrival from these.
    for name in ("supply_channel_day", "training_day", "use_report_day"):
        op.create_index(op.f(f"ix_{name}_last_arrived"), name, ["last_arrived"])
    _summary_table(
        "supply_batch",
        [
            sa.Column("site_id", sa.Integer(), nullable=False),
            sa.Column("batch_id", sa.Integer(), nullable=False),
        ],
        ["supplies", "kits"],
        ("site_id", "batch_id"),
    )
    op.create_index(op.f("ix_supply_batch_batch_id"), "supply_batch", ["batch_id"])
    op.create_table(
        "stock_balance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_balance")),
        sa.UniqueConstraint("site_id", "user_id", "batch_id", name="uq_stock_balance_key"),
    )
    op.create_index(op.f("ix_stock_balance_user_id"), "stock_balance", ["user_id"])

    supply_key = (
        "organisation_id, coalesce(review_status, 'counted'), supplied_on, channel, "
        "coalesce(site_id, 0), coalesce(product_id, 0), coalesce(area, ''), "
        "coalesce(age_band, '')"
    )
    op.execute(
        "INSERT INTO supply_day (organisation_id, review_status, supplied_on, channel, site_id, "
        f"product_id, area, age_band, {', '.join(SUPPLY_MEASURES)}, last_arrived) "
        f"SELECT {supply_key}, {', '.join(_supply_sums())}, {ARRIVED} FROM kit_supply "
        f"GROUP BY {supply_key}"
    )
    arrival_day = _arrival_day(op.get_bind().dialect.name)
    channel_key = (
        "organisation_id, coalesce(review_status, 'counted'), supplied_on, channel, "
        f"coalesce(site_id, 0), coalesce(product_id, 0), {arrival_day}"
    )
    op.execute(
        "INSERT INTO supply_channel_day (organisation_id, review_status, supplied_on, channel, "
        f"site_id, product_id, arrived_on, {', '.join(SUPPLY_MEASURES)}, last_arrived) "
        f"SELECT {channel_key}, {', '.join(_supply_sums())}, {ARRIVED} FROM kit_supply "
        f"GROUP BY {channel_key}"
    )
    area_key = (
        "organisation_id, coalesce(review_status, 'counted'), supplied_on, channel, "
        "coalesce(area, ''), coalesce(age_band, '')"
    )
    op.execute(
        "INSERT INTO supply_area_day (organisation_id, review_status, supplied_on, channel, "
        "area, age_band, supplies, kits, last_arrived) "
        f"SELECT {area_key}, count(*), sum(quantity), {ARRIVED} FROM kit_supply "
        f"GROUP BY {area_key}"
    )
    training_key = (
        "organisation_id, coalesce(review_status, 'counted'), session_date, kind, "
        f"coalesce(site_id, 0), {arrival_day}"
    )
    op.execute(
        "INSERT INTO training_day (organisation_id, review_status, session_date, kind, site_id, "
        "arrived_on, sessions, attendees, with_kit, last_arrived) "
        f"SELECT {training_key}, count(*), sum{ATTENDEES}, "
        f"sum(CASE WHEN kits_taken < {ATTENDEES} THEN kits_taken ELSE {ATTENDEES} END), "
        f"{ARRIVED} FROM training_session GROUP BY {training_key}"
    )
    report_key = (
        "organisation_id, coalesce(review_status, 'counted'), used_on, "
        f"coalesce(area, ''), coalesce(product_id, 0), {arrival_day}"
    )
    op.execute(
        "INSERT INTO use_report_day (organisation_id, review_status, used_on, area, product_id, "
        f"arrived_on, reports, last_arrived) SELECT {report_key}, count(*), {ARRIVED} "
        f"FROM naloxone_use_report GROUP BY {report_key}"
    )
    sources = " UNION ALL ".join(
        f"SELECT organisation_id, coalesce(review_status, 'counted') AS review_status, "
        f"{day} AS day, user_id, '{table}' AS record, {channel} AS channel, {site} AS site_id, "
        f"{product} AS product_id, coalesce(reviewed_at, received_at) AS at FROM {table}"
        for table, day, channel, site, product in (
            (
                "kit_supply",
                "supplied_on",
                "coalesce(channel, '')",
                "coalesce(site_id, 0)",
                "coalesce(product_id, 0)",
            ),
            ("training_session", "session_date", "''", "coalesce(site_id, 0)", "0"),
            ("naloxone_use_report", "used_on", "''", "0", "coalesce(product_id, 0)"),
        )
    )
    activity_key = (
        "organisation_id, review_status, day, user_id, record, channel, site_id, product_id"
    )
    op.execute(
        f"INSERT INTO activity_day ({activity_key}, records, last_arrived) "
        f"SELECT {activity_key}, count(*), max(at) FROM ({sources}) AS records "
        f"GROUP BY {activity_key}"
    )

    batch_key = "organisation_id, coalesce(review_status, 'counted'), site_id, batch_id"
    op.execute(
        "INSERT INTO supply_batch (organisation_id, review_status, site_id, batch_id, supplies, "
        f"kits, last_arrived) SELECT {batch_key}, count(*), sum(quantity), {ARRIVED} "
        f"FROM kit_supply GROUP BY {batch_key}"
    )
    # Kits in hand: movements in, less movements out, less kits supplied (by a peer or a
    # carrier from their own stock, by anyone else at the site).
    op.execute(
        "INSERT INTO stock_balance (site_id, user_id, batch_id, quantity) "
        "SELECT site_id, user_id, batch_id, sum(kits) FROM ("
        "SELECT to_site_id AS site_id, 0 AS user_id, batch_id, quantity AS kits "
        "FROM stock_movement WHERE to_site_id IS NOT NULL UNION ALL "
        "SELECT 0, to_user_id, batch_id, quantity FROM stock_movement "
        "WHERE to_user_id IS NOT NULL UNION ALL "
        "SELECT from_site_id, 0, batch_id, -quantity FROM stock_movement "
        "WHERE from_site_id IS NOT NULL UNION ALL "
        "SELECT 0, from_user_id, batch_id, -quantity FROM stock_movement "
        "WHERE from_user_id IS NOT NULL UNION ALL "
        "SELECT CASE WHEN u.role IN ('peer', 'carrier') THEN 0 ELSE s.site_id END, "
        "CASE WHEN u.role IN ('peer', 'carrier') THEN s.user_id ELSE 0 END, "
        's.batch_id, -s.quantity FROM kit_supply AS s JOIN "user" AS u ON u.id = s.user_id'
        ") AS moves GROUP BY site_id, user_id, batch_id HAVING sum(kits) <> 0"
    )


def downgrade():
    op.drop_table("stock_balance")
    op.drop_table("supply_batch")
    for name in (
        "activity_day",
        "use_report_day",
        "training_day",
        "supply_area_day",
        "supply_channel_day",
        "supply_day",
    ):
        op.drop_table(name)
