"""Privacy: consent as two answers, versioned privacy notices, retention periods.

Never loses a row:
- `consent.consent_to_recognise` is added. Until now the phone asked one question ("agree
  to be recognised, and counted"), so an existing consent with consent to record meant
  both: it is migrated as consent to be recorded AND to be recognised (both true). A
  consent recorded without consent to record (possible only through the API) cannot have
  meant recognition, so it stays false.
- `consent.privacy_notice_version` may now be empty (a phone whose service had no notice
  in force: the consent is kept and held for review).
- `privacy_notice` replaces the hard-coded version "2026-01": every organisation that no
  other organisation runs (the services, stand-alone organisations and areas) gets that
  version as its first notice, in force from 2026-01-01, so consents already stored still
  name a real notice.
- `organisation.retention_supply_years` (7) and `retention_code_years` (2): the defaults
  the retention job uses until an admin changes them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 01:40:00

"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

CARRIED_OVER_TEXT = (
    "PeerKit privacy notice, January 2026. (Carried over when privacy notices became "
    "versioned: the service should publish its own wording as a new version.)"
)


def upgrade():
    op.create_table(
        "privacy_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("in_force_from", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["user.id"], name=op.f("fk_privacy_notice_created_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_privacy_notice_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_notice")),
        sa.UniqueConstraint(
            "organisation_id", "version", name=op.f("uq_privacy_notice_organisation_id")
        ),
    )
    with op.batch_alter_table("privacy_notice", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_privacy_notice_organisation_id"), ["organisation_id"], unique=False
        )

    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "consent_to_recognise", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.alter_column(
            "privacy_notice_version", existing_type=sa.String(length=20), nullable=True
        )
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("retention_supply_years", sa.Integer(), server_default="7", nullable=False)
        )
        batch_op.add_column(
            sa.Column("retention_code_years", sa.Integer(), server_default="2", nullable=False)
        )

    # One tick meant both: see the module docstring.
    op.execute(sa.text("UPDATE consent SET consent_to_recognise = consent_to_record"))
    op.execute(
        sa.text(
            "INSERT INTO privacy_notice (organisation_id, version, text, in_force_from, created_at) "
            "SELECT id, '2026-01', :text, :since, CURRENT_TIMESTAMP FROM organisation "
            "WHERE managed_by_id IS NULL"
        ).bindparams(text=CARRIED_OVER_TEXT, since=dt.date(2026, 1, 1))
    )


def downgrade():
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("retention_code_years")
        batch_op.drop_column("retention_supply_years")
    op.execute(
        sa.text(
            "UPDATE consent SET privacy_notice_version = '' WHERE privacy_notice_version IS NULL"
        )
    )
    with op.batch_alter_table("consent", schema=None) as batch_op:
        batch_op.alter_column(
            "privacy_notice_version", existing_type=sa.String(length=20), nullable=False
        )
        batch_op.drop_column("consent_to_recognise")
    with op.batch_alter_table("privacy_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privacy_notice_organisation_id"))
    op.drop_table("privacy_notice")
