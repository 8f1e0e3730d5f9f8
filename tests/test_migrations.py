"""The migrations build the schema the models describe, on both databases."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from peerkit.extensions import db


def test_upgrade_from_empty_reaches_head_with_every_table(app):
    # session_app ran `flask db upgrade` on an empty database of this kind.
    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_autogenerate_finds_no_difference_between_migrations_and_models(app):
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_upgrading_an_existing_database_keeps_its_rows_and_numbers_them(database_url):
    """0001 -> head on a database holding data: nothing lost, every row pullable."""
    import flask_migrate
    from sqlalchemy import text

    from .conftest import _fresh_postgres_database, make_app

    if database_url.startswith("sqlite"):
        url = database_url.replace("peerkit.db", "upgrade.db")
    else:
        import os
        url = _fresh_postgres_database(os.environ["PEERKIT_TEST_PG_URL"], "peerkit_upgrade")
    app = make_app(url)
    with app.app_context():
        flask_migrate.upgrade(revision="0001")
        with db.engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO product (id, code, name, route, description, active) "
                "VALUES (1, 'prenoxad', 'Prenoxad', 'im', '', true), "
                "(2, 'nyxoid', 'Nyxoid', 'nasal', '', true)"))
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT id, code, name, dose, min_age, sync_seq FROM product ORDER BY id")).all()
            counter = conn.execute(text("SELECT value FROM sync_counter")).scalar_one()
        db.engine.dispose()
    # The catalogue (0006) kept the two existing products (ids, names) and filled in what
    # they lacked, and added the generic ampoule kit after them.
    assert [(r.id, r.code, r.name) for r in rows[:2]] == [(1, "prenoxad", "Prenoxad"),
                                                          (2, "nyxoid", "Nyxoid")]
    assert [r.code for r in rows] == ["prenoxad", "nyxoid", "naloxone_ampoule"]
    assert [r.min_age for r in rows] == [16, 14, None]
    assert all(r.dose for r in rows)
    # Every row numbered, each once, none above the counter: phones pull them all.
    seqs = [r.sync_seq for r in rows]
    assert None not in seqs and len(set(seqs)) == 3
    assert counter == max(seqs)


def test_catalogue_is_in_a_new_database(app):
    """An empty database upgraded to head offers the UK take-home products."""
    import os

    import flask_migrate

    from peerkit.models import Product

    # The `app` fixture empties tables after each test, so build a fresh database here.
    from .conftest import make_app

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        url = app.config["SQLALCHEMY_DATABASE_URI"].replace("peerkit.db", "catalogue.db")
    else:
        from .conftest import _fresh_postgres_database
        url = _fresh_postgres_database(os.environ["PEERKIT_TEST_PG_URL"], "peerkit_catalogue")
    fresh = make_app(url)
    with fresh.app_context():
        flask_migrate.upgrade()
        products = {p.code: p for p in db.session.query(Product)}
        assert set(products) == {"prenoxad", "nyxoid", "naloxone_ampoule"}
        assert products["prenoxad"].route == "im" and products["prenoxad"].min_age == 16
        assert products["nyxoid"].route == "nasal" and products["nyxoid"].min_age == 14
        assert "five 0.4 ml doses" in products["prenoxad"].pack
        assert all(p.active for p in products.values())
        db.session.remove()
        db.engine.dispose()
