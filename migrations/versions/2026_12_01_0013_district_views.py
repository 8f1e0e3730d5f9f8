"""Issue 13: views filtered by postcode district read only that district's rows.

- `supply_day` gains an index on area and day: the dashboard reads it whenever a view is
  filtered by district or age band, and without the index every view read a whole year of
  every district.
- On PostgreSQL, kit supplies' index on area and day also carries the columns those views
  read from the rows (who supplied, the referral stages), so a district's year is read from
  the index alone. SQLite ignores INCLUDE, so there the index is unchanged.

Only indexes change: no row is touched.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 06:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# Written out, not imported from the app, so this migration stays what it is.
AREA_VIEW_COLUMNS = [
    "organisation_id",
    "review_status",
    "user_id",
    "referral_offered",
    "referral_destination_id",
    "referral_accepted",
    "referral_outcome",
]


def upgrade():
    op.create_index("ix_supply_day_area_supplied_on", "supply_day", ["area", "supplied_on"])
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_kit_supply_area_supplied_on", table_name="kit_supply")
        op.create_index(
            "ix_kit_supply_area_supplied_on",
            "kit_supply",
            ["area", "supplied_on"],
            postgresql_include=AREA_VIEW_COLUMNS,
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_kit_supply_area_supplied_on", table_name="kit_supply")
        op.create_index("ix_kit_supply_area_supplied_on", "kit_supply", ["area", "supplied_on"])
    op.drop_index("ix_supply_day_area_supplied_on", table_name="supply_day")
