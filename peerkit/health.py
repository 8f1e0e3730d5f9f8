"""`GET /healthz` for load balancers and Docker: is the database reachable, and is its
schema at the migrations' head? The answer says ok or not ok and why, nothing more (it is
public: no versions, counts or names)."""

from functools import lru_cache

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from . import resource_dir
from .extensions import db

bp = Blueprint("health", __name__)

MIGRATIONS = resource_dir("migrations")


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """The revisions at the head of the migration scripts this code ships with."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def check() -> str | None:
    """None when healthy, else the reason in a few words."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return "database unreachable"
    try:
        applied = set(db.session.scalars(text("SELECT version_num FROM alembic_version")))
    except SQLAlchemyError:  # no alembic_version table: never migrated
        db.session.rollback()
        return "migrations not applied"
    if applied != head_revisions():
        return "migrations not at head"
    return None


@bp.get("/healthz")
def healthz():
    """200 {"status": "ok"}, or 503 {"status": "not ok", "reason": ...}."""
    reason = check()
    if reason is None:
        return jsonify(status="ok")
    return jsonify(status="not ok", reason=reason), 503
