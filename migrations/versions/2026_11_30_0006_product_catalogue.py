"""Product catalogue: dose and pack on products, and the UK take-home naloxone products.

Adds Prenoxad, Nyxoid and a generic naloxone 400 micrograms/ml ampoule kit. A database that
already holds one of these codes keeps its row (its id, name and route: batches and supplies
point at it); only details it lacks are filled in. Every row added or changed gets a fresh
sync number, so phones pull the details at their next sync.

The catalogue is written out here rather than imported from the app: a migration must do
the same thing in a year's time, whatever the code then says.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 22:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


CATALOGUE = (
    {
        "code": "prenoxad",
        "name": "Prenoxad 2 mg/2 ml injection kit",
        "route": "im",
        "description": "Naloxone 1 mg/ml pre-filled syringe",
        "dose": "0.4 ml (400 micrograms) into the muscle; repeat every 2-3 minutes",
        "pack": "One 2 ml pre-filled syringe (five 0.4 ml doses) with two needles",
        "min_age": 16,
    },
    {
        "code": "nyxoid",
        "name": "Nyxoid 1.8 mg nasal spray",
        "route": "nasal",
        "description": "Naloxone 1.8 mg single-dose nasal spray",
        "dose": "One spray (1.8 mg) into a nostril; a second spray in the other nostril "
        "after 2-3 minutes if needed",
        "pack": "Two single-dose nasal sprays",
        "min_age": 14,
    },
    # The generic injection's summary of product characteristics covers adults, children
    # and neonates: there is no licensed lower age (see docs/OPERATIONS.md).
    {
        "code": "naloxone_ampoule",
        "name": "Naloxone 400 micrograms/ml ampoule kit",
        "route": "im",
        "description": "Generic naloxone hydrochloride 400 micrograms/ml ampoules",
        "dose": "1 ml (400 micrograms) into the muscle; repeat every 2-3 minutes",
        "pack": "1 ml ampoules with syringes and needles, as the kit supplier packs them",
        "min_age": None,
    },
)


def _next_sync_number(conn) -> int:
    conn.execute(sa.text("UPDATE sync_counter SET value = value + 1 WHERE id = 1"))
    value = conn.execute(sa.text("SELECT value FROM sync_counter WHERE id = 1")).scalar()
    if value is None:  # an emptied database: start the counter as the app would
        conn.execute(sa.text("INSERT INTO sync_counter (id, value) VALUES (1, 1)"))
        value = 1
    return value


def _add_catalogue():
    conn = op.get_bind()
    if conn.dialect.name == "postgresql":
        # Rows inserted with explicit ids (a restore, a hand-made seed) leave the id
        # sequence behind: move it past them so the new rows get free ids.
        conn.execute(
            sa.text(
                "SELECT setval(pg_get_serial_sequence('product', 'id'),"
                " COALESCE((SELECT MAX(id) FROM product), 0) + 1, false)"
            )
        )
    for product in CATALOGUE:
        row = (
            conn.execute(
                sa.text(
                    "SELECT id, description, dose, pack, min_age FROM product WHERE code = :code"
                ),
                {"code": product["code"]},
            )
            .mappings()
            .first()
        )
        if row is None:
            conn.execute(
                sa.text(
                    "INSERT INTO product (code, name, route, description, dose, pack, min_age,"
                    " active, sync_seq) VALUES (:code, :name, :route, :description, :dose, :pack,"
                    " :min_age, :active, :seq)"
                ),
                {**product, "active": True, "seq": _next_sync_number(conn)},
            )
            continue
        # Fill in only what the existing row lacks; what a service set stays as it is.
        missing = {
            column: product[column] for column in ("description", "dose", "pack") if not row[column]
        }
        if row["min_age"] is None and product["min_age"] is not None:
            missing["min_age"] = product["min_age"]
        if missing:
            assignments = ", ".join(f"{column} = :{column}" for column in missing)
            conn.execute(
                sa.text(f"UPDATE product SET {assignments}, sync_seq = :seq WHERE id = :id"),
                {**missing, "seq": _next_sync_number(conn), "id": row["id"]},
            )


def upgrade():
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dose", sa.String(length=200), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("pack", sa.String(length=200), server_default="", nullable=False)
        )
    _add_catalogue()


def downgrade():
    # The catalogue rows stay: batches and supplies may point at them by now.
    with op.batch_alter_table("product", schema=None) as batch_op:
        batch_op.drop_column("pack")
        batch_op.drop_column("dose")
