"""Issue 13: district views read only the district; outcome tables read only an index.

- `supply_day` gains an index on area and day: the dashboard reads it whenever a view is
  filtered by district or age band, and without the index every view read a whole year of
  every district.
- Kit supplies' index on area and day also holds the columns those views read from the
  rows (who supplied, the referral stages), so a district's year is read from the index
  alone.

- Use reports gain an index holding what the outcome tables count and "who was active"
  reads (period, scope, area, product, who, outcome, 999 called, doses, setting, source),
  so neither database reads the reports themselves.

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


USE_OUTCOME_COLUMNS = [
    "used_on",
    "organisation_id",
    "review_status",
    "area",
    "product_id",
    "user_id",
    "outcome",
    "called_999",
    "doses",
    "place_type",
    "naloxone_source",
]


def upgrade():
    op.create_index("ix_naloxone_use_report_outcomes", "naloxone_use_report", USE_OUTCOME_COLUMNS)
    op.create_index("ix_supply_day_area_supplied_on", "supply_day", ["area", "supplied_on"])
    op.drop_index("ix_kit_supply_area_supplied_on", table_name="kit_supply")
    op.create_index(
        "ix_kit_supply_area_supplied_on",
        "kit_supply",
        ["area", "supplied_on", *AREA_VIEW_COLUMNS],
    )


def downgrade():
    op.drop_index("ix_kit_supply_area_supplied_on", table_name="kit_supply")
    op.create_index("ix_kit_supply_area_supplied_on", "kit_supply", ["area", "supplied_on"])
    op.drop_index("ix_supply_day_area_supplied_on", table_name="supply_day")
    op.drop_index("ix_naloxone_use_report_outcomes", table_name="naloxone_use_report")
