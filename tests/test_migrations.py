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
            rows = conn.execute(text("SELECT code, sync_seq FROM product ORDER BY id")).all()
            counter = conn.execute(text("SELECT value FROM sync_counter")).scalar_one()
        db.engine.dispose()
    assert [code for code, _ in rows] == ["prenoxad", "nyxoid"]
    assert sorted(seq for _, seq in rows) == [1, 2]
    assert counter == 2
