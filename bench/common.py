"""Shared set-up for benchmarks: a migrated app on a fresh SQLite file or PostgreSQL database."""
import os
import statistics
import tempfile

import flask_migrate
import psycopg

from peerkit import create_app


def databases(name: str) -> list[tuple[str, str]]:
    """(label, url) of a fresh SQLite file and, under `make bench`, a fresh PostgreSQL db."""
    found = [("SQLite", "sqlite:///" + os.path.join(tempfile.mkdtemp(), f"{name}.db"))]
    server = os.environ.get("PEERKIT_TEST_PG_URL")
    if server:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "bench_{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "bench_{name}"')
        found.append(("PostgreSQL", server.rsplit("/", 1)[0] + f"/bench_{name}"))
    else:
        print("(PEERKIT_TEST_PG_URL not set: PostgreSQL skipped; run `make bench`)")
    return found


def migrated_app(url: str):
    """An app on `url` with the schema built by the migrations."""
    app = create_app({"SECRET_KEY": "bench-" + "k" * 40, "SQLALCHEMY_DATABASE_URI": url,
                      "SESSION_COOKIE_SECURE": False})
    with app.app_context():
        flask_migrate.upgrade()
    return app


def median(values) -> float:
    return statistics.median(values)


def p95(values) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
