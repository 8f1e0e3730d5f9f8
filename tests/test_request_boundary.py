"""A view never commits: the request boundary does (peerkit.database.commit_at_request_boundary).

A second app on the test database carries three throwaway views, so the boundary is checked
on its own, on SQLite and PostgreSQL, without a real view's side effects."""

import pytest
from flask import abort
from sqlalchemy import select

from peerkit.extensions import db
from peerkit.models import Organisation

from .conftest import make_app


@pytest.fixture
def boundary_client(app):
    """A client of a fresh app (same database) with views that flush and then succeed,
    refuse or fail."""
    other = make_app(app.config["SQLALCHEMY_DATABASE_URI"])

    def _flush(name):
        db.session.add(Organisation(name=name, kind="drug_service"))
        db.session.flush()

    @other.get("/boundary/ok")
    def boundary_ok():
        _flush("Kept")
        return "ok"

    @other.get("/boundary/refused")
    def boundary_refused():
        _flush("Refused")
        abort(400)

    @other.get("/boundary/fails")
    def boundary_fails():
        _flush("Failed")
        raise RuntimeError("the view failed after flushing")

    yield other.test_client()
    with other.app_context():
        db.engine.dispose()


def _names():
    db.session.rollback()  # read what other connections committed
    return set(db.session.scalars(select(Organisation.name)))


def test_a_successful_view_is_committed_without_committing(boundary_client):
    assert boundary_client.get("/boundary/ok").status_code == 200
    assert _names() == {"Kept"}


def test_an_error_response_rolls_back_what_the_view_flushed(boundary_client):
    assert boundary_client.get("/boundary/refused").status_code == 400
    assert _names() == set()


def test_a_view_that_flushes_then_fails_leaves_nothing_behind(boundary_client):
    with pytest.raises(RuntimeError):  # TESTING propagates it; a server answers 500
        boundary_client.get("/boundary/fails")
    assert _names() == set()
    # The failed request's session does not leak into the next one.
    assert boundary_client.get("/boundary/ok").status_code == 200
    assert _names() == {"Kept"}
