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
        dbapi_connection.create_function(
            "peerkit_arrival_day", 1, arrival_day_sqlite, deterministic=True
        )

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def commit_at_request_boundary(app: Flask) -> None:
    """Commit each request's work in one place: a view never commits.

    When the view's response is not an error (below 400), the session is committed here,
    before the response is sent; an error response (a form error, 403, 404, the sync API's
    own 4xx) rolls back whatever the view flushed, and so does an exception (teardown).
    A failed commit raises, so the client gets a 500, never a success for data that was not
    kept. Ending the transaction here, before later after-request work (Flask-Limiter
    counting a failed sign-in in its own transaction), also means no request still holds
    SQLite's write lock while that work waits for it. Registered after the extensions, so
    it runs before their after-request hooks. A few views commit earlier on purpose, each
    with a comment saying why (e.g. before a web push or a download)."""

    @app.after_request
    def _end_transaction(response):
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _roll_back_on_exception(error):
        if error is not None:
            db.session.rollback()
