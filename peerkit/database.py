"""Database-engine details kept out of the models."""
from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .extensions import db
from .summaries import arrival_day_sqlite


def configure_sqlite(app: Flask) -> None:
    """Make SQLite safe for concurrent requests; it is the embedded default.

    - foreign keys on (SQLite has them off by default);
    - `peerkit_arrival_day`, the UK day of arrival the daily summaries are keyed by;
    - WAL, so readers do not block the writer;
    - every transaction starts with BEGIN IMMEDIATE: a transaction that reads and then
      writes would otherwise fail at once with "database is locked" when another writer
      committed in between, instead of waiting its turn (busy_timeout).
    """
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine: Engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event emits BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()
        # The daily summaries' day of arrival, which SQLite cannot work out in UK time.
        dbapi_connection.create_function("peerkit_arrival_day", 1, arrival_day_sqlite,
                                         deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def end_transaction_with_response(app: Flask) -> None:
    """End the request's transaction as soon as its response is built.

    Views commit what they mean to keep; whatever is left would be rolled back at
    teardown anyway. Doing it here, before later after-request work (Flask-Limiter
    counting a failed sign-in in its own transaction), means no request still holds
    SQLite's write lock while that work waits for it. Registered after the extensions,
    so it runs before their after-request hooks.
    """

    @app.after_request
    def _end_transaction(response):
        db.session.rollback()
        return response
