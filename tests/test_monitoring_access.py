"""Commissioners read their own area only, and write nothing but their coverage estimate."""

import re

import pytest
from sqlalchemy import func, select

from peerkit.extensions import db
from peerkit.models import (
    AuditEvent,
    Consent,
    CoverageEstimate,
    KitSupply,
    NaloxoneUseReport,
    StockMovement,
    TrainingSession,
)

from .conftest import AuthActions, csrf_token_from
from .test_monitoring_data import END, START, build, read_log_csv

PERIOD = f"start={START}&end={END}"
PAGES = (
    "/monitoring/",
    "/monitoring/log",
    "/monitoring/stock",
    "/monitoring/log.csv",
    "/monitoring/summary.csv",
    "/monitoring/report",
)


@pytest.fixture
def world(two_areas, make_user):
    return build(two_areas, make_user)


def _client(app, user):
    client = app.test_client()
    AuthActions(client).login(user.username)
    return client


def test_other_area_commissioner_sees_nothing_of_this_one(app, world):
    south = _client(app, world.south.commissioner)
    html = south.get(f"/monitoring/?{PERIOD}").get_data(as_text=True)
    assert re.search(r'data-figure="kits.total"[^>]*>7<', html)  # south's own supply of 7
    for name in ("north outreach", "north chemist", "north hub", "Office phone"):
        assert name not in html
    log_csv = south.get(f"/monitoring/log.csv?{PERIOD}").get_data(as_text=True)
    notes, rows = read_log_csv(log_csv)
    assert "north" not in log_csv and len(rows) == 1 and notes["Records in this file"] == "1"
    # Guessing north's ids in filters, drill-downs and export URLs: 404, never a figure.
    north = world.north
    for guess in (
        f"organisation_id={north.peers.id}",
        f"site_id={north.sites.peers.id}",
        f"organisation_id={north.area.id}",
    ):
        for page in PAGES:
            assert south.get(f"{page}?{PERIOD}&{guess}").status_code == 404, (page, guess)


def test_own_ids_are_accepted(app, world):
    north = _client(app, world.north.commissioner)
    for page in PAGES:
        response = north.get(f"{page}?{PERIOD}&site_id={world.north.sites.peers.id}")
        assert response.status_code == 200, page


@pytest.mark.parametrize("role", ["peer", "pharmacist", "coordinator", "admin"])
def test_only_commissioners_open_monitoring(app, world, role):
    client = _client(app, getattr(world.north, role))
    for page in PAGES:
        assert client.get(page).status_code == 403, page
    token = csrf_token_from(client.get("/login"))
    response = client.post(
        "/monitoring/coverage",
        data={"csrf_token": token, "year": "2025", "estimated_opiate_users": "1"},
    )
    assert response.status_code == 403


def test_anonymous_is_sent_to_sign_in(client, world):
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


def test_monitoring_routes_are_read_only(app):
    """Every monitoring route but the coverage estimate answers GET only."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("monitoring."):
            writes = rule.methods - {"GET", "HEAD", "OPTIONS"}
            assert writes == ({"POST"} if rule.endpoint == "monitoring.set_coverage" else set())


def test_reading_everything_changes_no_field_data(app, world):
    tables = (
        KitSupply,
        TrainingSession,
        NaloxoneUseReport,
        StockMovement,
        Consent,
        CoverageEstimate,
    )

    def counts():
        return [db.session.scalar(select(func.count()).select_from(t)) for t in tables]

    before = counts()
    north = _client(app, world.north.commissioner)
    for page in PAGES:
        assert north.get(f"{page}?{PERIOD}").status_code == 200
    assert counts() == before
    # A commissioner's coverage estimate is for their own area, whatever the form says.
    token = csrf_token_from(north.get("/monitoring/"))
    north.post(
        "/monitoring/coverage",
        data={
            "csrf_token": token,
            "year": "2025",
            "estimated_opiate_users": "900",
            "area_id": str(world.south.area.id),
        },
    )
    estimates = db.session.execute(
        select(CoverageEstimate.area_id, CoverageEstimate.estimated_opiate_users)
    ).all()
    assert estimates == [(world.north.area.id, 900)]
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.user_id == world.north.commissioner.id)
    ).all()
    assert set(actions) == {
        "login",
        "export.log_csv",
        "export.summary_csv",
        "export.board_report",
        "coverage_estimate.set",
    }


def test_bad_filters_are_refused(app, world):
    north = _client(app, world.north.commissioner)
    for query in (
        "start=yesterday",
        "channel=carrier-pigeon",
        "site_id=abc",
        "start=2025-11-02&end=2025-10-01",
        "area=M14%205AB",
        "start=2010-01-01&end=2025-01-01",
    ):
        assert north.get(f"/monitoring/?{query}").status_code == 400, query
    assert north.get("/monitoring/?product_id=99999").status_code == 404
