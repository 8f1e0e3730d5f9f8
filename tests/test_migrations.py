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
            conn.execute(
                text(
                    "INSERT INTO product (id, code, name, route, description, active) "
                    "VALUES (1, 'prenoxad', 'Prenoxad', 'im', '', true), "
                    "(2, 'nyxoid', 'Nyxoid', 'nasal', '', true)"
                )
            )
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT id, code, name, dose, min_age, sync_seq FROM product ORDER BY id")
            ).all()
            counter = conn.execute(text("SELECT value FROM sync_counter")).scalar_one()
        db.engine.dispose()
    # The catalogue (0006) kept the two existing products (ids, names) and filled in what
    # they lacked, and added the generic ampoule kit after them.
    assert [(r.id, r.code, r.name) for r in rows[:2]] == [
        (1, "prenoxad", "Prenoxad"),
        (2, "nyxoid", "Nyxoid"),
    ]
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


def test_upgrading_consents_of_one_tick_keeps_both_answers_and_their_notice(database_url):
    """0008 -> head: a consent of the one-tick form ("recognised, and counted") becomes
    consent to be recorded AND recognised; one recorded without consent to record does not
    gain recognition; each service gets the carried-over notice its consents name."""
    import os

    import flask_migrate
    from sqlalchemy import text

    from .conftest import _fresh_postgres_database, make_app

    if database_url.startswith("sqlite"):
        url = database_url.replace("peerkit.db", "upgrade-consents.db")
    else:
        url = _fresh_postgres_database(
            os.environ["PEERKIT_TEST_PG_URL"], "peerkit_upgrade_consents"
        )
    app = make_app(url)
    with app.app_context():
        flask_migrate.upgrade(revision="0008")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organisation (id, name, kind, active, created_at) VALUES "
                    "(1, 'Northbridge', 'commissioning_area', true, '2026-01-01'), "
                    "(2, 'Northbridge Recovery', 'drug_service', true, '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    'INSERT INTO "user" (id, username, display_name, password_hash, role, '
                    "organisation_id, active, session_version, created_at) VALUES "
                    "(1, 'sam', 'Sam', 'x', 'peer', 2, true, 1, '2026-01-01')"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO consent (id, organisation_id, user_id, client_created_at, "
                    "received_at, consent_to_record, consent_to_share, method, "
                    "privacy_notice_version, given_on, recipient_code) VALUES "
                    "('c-both', 2, 1, '2026-06-01', '2026-06-01', true, true, 'verbal', "
                    "'2026-01', '2026-06-01', 'v2-abcdefgh'), "
                    "('c-none', 2, 1, '2026-06-01', '2026-06-01', false, false, 'verbal', "
                    "'2026-01', '2026-06-01', NULL)"
                )
            )
        flask_migrate.upgrade()
        with db.engine.connect() as conn:
            consents = dict(
                conn.execute(text("SELECT id, consent_to_recognise FROM consent")).all()
            )
            notices = conn.execute(
                text(
                    "SELECT organisation_id, version, in_force_from FROM privacy_notice "
                    "ORDER BY organisation_id"
                )
            ).all()
            code = conn.execute(
                text("SELECT recipient_code FROM consent WHERE id = 'c-both'")
            ).scalar_one()
        db.engine.dispose()
    assert consents == {"c-both": True, "c-none": False}
    assert code == "v2-abcdefgh"  # nothing erased by the upgrade
    # Both organisations run themselves here (no managed_by), so each has the notice.
    assert [(n.organisation_id, n.version) for n in notices] == [(1, "2026-01"), (2, "2026-01")]
    assert {str(n.in_force_from)[:10] for n in notices} == {"2026-01-01"}
