"""Monthly pharmacy claims (issue 12, point 7): a statement per pharmacy that agrees with
the dashboard, as CSV and a print page, commissioner-only, scoped and audited."""

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import select

from peerkit.extensions import db
from peerkit.models import AuditEvent, Organisation, Product, Site, StockBatch
from peerkit.monitoring import claims, metrics

from . import factories
from .conftest import AuthActions

# The month before last: whole, in the past, and never the default (last month).
MONTH = (
    (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1) - dt.timedelta(days=1)
).replace(day=1)
LAST_DAY = claims.month_filters(MONTH).end
ARG = MONTH.strftime("%Y-%m")


@pytest.fixture
def world(two_areas, make_user):
    """North's pharmacy supplies Prenoxad and Nyxoid in MONTH (and outside it); a second
    north pharmacy, north's peers and south's pharmacy supply too."""
    north, south = two_areas.north, two_areas.south
    nyxoid = Product(code="nyxoid", name="Nyxoid", route="nasal", min_age=14)
    db.session.add(nyxoid)
    db.session.flush()
    nasal = StockBatch(
        product=nyxoid,
        organisation_id=north.service.id,
        batch_number="NX-7",
        expiry_date=dt.date.today() + dt.timedelta(days=400),
    )
    second = Organisation(
        name="north second pharmacy",
        kind="pharmacy",
        area_id=north.area.id,
        managed_by_id=north.service.id,
    )
    db.session.add_all([nasal, second])
    db.session.flush()
    counter = Site(
        organisation=second,
        name="second counter",
        site_type="community_pharmacy",
        postcode_district="M20",
    )
    db.session.add(counter)
    db.session.commit()
    supply = factories.kit_supply
    chemist = north.sites.pharmacy
    supply(
        north.pharmacist,
        chemist,
        north.batch,
        supplied_on=MONTH,
        quantity=2,
        recipient_code="rc_abcdef123456",
    )
    supply(north.pharmacist, chemist, north.batch, supplied_on=MONTH)
    supply(north.pharmacist, chemist, nasal, supplied_on=MONTH + dt.timedelta(days=4))
    supply(
        north.pharmacist,
        chemist,
        north.batch,
        supplied_on=LAST_DAY,
        quantity=3,
        supply_type="repeat",
        repeat_reason="used_on_someone_else",
    )
    supply(north.pharmacist, chemist, north.batch, supplied_on=MONTH - dt.timedelta(days=1))
    supply(north.pharmacist, chemist, north.batch, supplied_on=LAST_DAY + dt.timedelta(days=1))
    supply(make_user("pharmacy", second), counter, north.batch, supplied_on=MONTH)
    supply(north.peer, north.sites.peers, north.batch, supplied_on=MONTH, quantity=5)
    supply(south.pharmacist, south.sites.pharmacy, south.batch, supplied_on=MONTH, quantity=7)
    north.second_pharmacy = second
    return two_areas


def test_statement_lines_products_and_total_agree_with_the_dashboard(world):
    north = world.north
    s = claims.statement(north.commissioner, north.pharmacy, MONTH)
    batch = north.batch.batch_number
    assert [
        (line["supplied_on"], line["product"], line["batch"], line["supplies"], line["kits"])
        for line in s.lines
    ] == [
        (MONTH, "Prenoxad", batch, 2, 3),
        (MONTH + dt.timedelta(days=4), "Nyxoid", "NX-7", 1, 1),
        (LAST_DAY, "Prenoxad", batch, 1, 3),
    ]
    assert [(p["product"], p["supplies"], p["kits"]) for p in s.products] == [
        ("Nyxoid", 1, 1),
        ("Prenoxad", 3, 6),
    ]
    assert (s.supplies, s.kits) == (4, 7)
    dashboard = metrics.summary(
        north.commissioner, claims.month_filters(MONTH, north.pharmacy.id), dt.date.today()
    )
    assert dashboard.totals["kits"] == s.kits and dashboard.totals["supplies"] == s.supplies
    assert {b.label: b.kits for b in dashboard.by_product} == {
        p["product"]: p["kits"] for p in s.products
    }
    overview = {
        r["pharmacy"].name: (r["supplies"], r["kits"])
        for r in claims.overview(north.commissioner, MONTH)
    }
    assert overview == {north.pharmacy.name: (4, 7), "north second pharmacy": (1, 1)}


def test_commissioner_downloads_and_prints_a_statement_with_no_personal_data(client, world):
    north = world.north
    AuthActions(client).login(north.commissioner.username)
    overview = client.get(f"/monitoring/claims?month={ARG}").get_data(as_text=True)
    assert f'data-claims="{north.pharmacy.id}|kits">7<' in overview
    assert "south" not in overview
    response = client.get(f"/monitoring/claims/{north.pharmacy.id}.csv?month={ARG}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == claims.CSV_HEADER
    assert [row[2:] for row in rows[1:]] == [
        [
            "supply",
            MONTH.strftime("%d/%m/%Y"),
            "north chemist",
            "Prenoxad",
            north.batch.batch_number,
            "2",
            "3",
        ],
        [
            "supply",
            (MONTH + dt.timedelta(days=4)).strftime("%d/%m/%Y"),
            "north chemist",
            "Nyxoid",
            "NX-7",
            "1",
            "1",
        ],
        [
            "supply",
            LAST_DAY.strftime("%d/%m/%Y"),
            "north chemist",
            "Prenoxad",
            north.batch.batch_number,
            "1",
            "3",
        ],
        ["product total", "", "", "Nyxoid", "", "1", "1"],
        ["product total", "", "", "Prenoxad", "", "3", "6"],
        ["total", "", "", "", "", "4", "7"],
    ]
    printed = client.get(f"/monitoring/claims/{north.pharmacy.id}?month={ARG}")
    page = printed.get_data(as_text=True)
    assert printed.status_code == 200 and 'data-claim="total">7<' in page
    # The dashboard for the same pharmacy and month shows the same kits.
    dashboard = client.get(
        f"/monitoring/?start={MONTH}&end={LAST_DAY}&organisation_id={north.pharmacy.id}"
    ).get_data(as_text=True)
    assert re.search(r'data-figure="kits.total"[^>]*>7<', dashboard)
    for personal in ("rc_abcdef123456", "Test pharmacy", "person_at_risk", "M14"):
        assert personal not in text and personal not in page
    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.object_id, AuditEvent.detail).order_by(AuditEvent.id)
    ).all()
    exports = [(a, o, d) for a, o, d in events if a.startswith("export.claims")]
    assert exports == [
        ("export.claims_csv", str(north.pharmacy.id), {"month": ARG, "rows": 3, "kits": 7}),
        ("export.claims_statement", str(north.pharmacy.id), {"month": ARG, "kits": 7}),
    ]


def test_claims_are_scoped_to_the_commissioner_s_own_pharmacies(client, world):
    north, south = world.north, world.south
    AuthActions(client).login(south.commissioner.username)
    for url in (
        f"/monitoring/claims/{north.pharmacy.id}",
        f"/monitoring/claims/{north.pharmacy.id}.csv",
    ):
        assert client.get(f"{url}?month={ARG}").status_code == 404
    AuthActions(client).logout()
    AuthActions(client).login(north.commissioner.username)
    # Only pharmacies have claims; months must be months.
    assert client.get(f"/monitoring/claims/{north.peers.id}?month={ARG}").status_code == 404
    for bad in ("2026-13", "yesterday", "2026-1-1"):
        assert client.get(f"/monitoring/claims?month={bad}").status_code == 400
    # With no month, last month is shown (the one usually claimed).
    last_month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).strftime("%B %Y")
    assert last_month in client.get("/monitoring/claims").get_data(as_text=True)
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("export.claims%"))
    ).all()
