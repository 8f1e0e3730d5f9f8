"""Issue 17, point 6: every desk screen of every role fits 360-412 px without sideways
scrolling, passes axe at 412 and 1280 px, and is photographed at both sizes."""

import csv
import io

import pytest
from playwright.sync_api import expect

from peerkit.clock import uk_today
from peerkit.extensions import db
from peerkit.models import Organisation
from peerkit.monitoring import metrics
from peerkit.monitoring.filters import Filters

from ..test_monitoring_data import END, START, build
from . import field
from .conftest import SCREENSHOTS, serious_accessibility_problems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

SCREENS = {
    "north-coordinator": [
        "/coordination/",
        "/coordination/people",
        "/coordination/accounts",
        "/coordination/stock",
        "/coordination/devices",
        "/coordination/alerts",
        "/coordination/audit",
        "/coordination/held",
        "/coordination/recall",
        "/coordination/cascade",
        "/coordination/people/new",
        "/coordination/consents/withdraw",
        "/coordination/people/import",
    ],
    "north-admin": ["/coordination/organisations", "/coordination/products"],
    "north-commissioner": [
        "/monitoring/",
        "/monitoring/stock",
        "/monitoring/log",
        "/monitoring/report",
        "/monitoring/claims",
    ],
}
SIZES = {"phone": {"width": 412, "height": 915}, "desk": {"width": 1280, "height": 800}}


def test_every_desk_screen_fits_a_phone_and_passes_axe(live_server, browser, two_areas):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wide, problems, missing = {}, {}, []
    for username, paths in SCREENS.items():
        for size, viewport in SIZES.items():
            page = browser.new_context(viewport=viewport).new_page()
            field.sign_in(page, live_server, username)
            page.wait_for_load_state("load")
            for path in paths:
                response = page.goto(f"{live_server}{path}")
                if response.status != 200:
                    missing.append((username, path, response.status))
                    continue
                screen = path.strip("/").replace("/", "-") or "home"
                name = f"desk-{username.split('-')[1]}-{screen}-{size}"
                page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > viewport["width"]:
                    wide[name] = width
                found = serious_accessibility_problems(page)
                if found:
                    problems[name] = found
            page.context.close()
    assert missing == []
    assert wide == {}
    assert problems == {}


def test_the_commissioners_first_screen_answers_at_1280_by_800(
    live_server, browser, two_areas, make_user
):
    """Issue 17, point 8: the cards' figures are in the first viewport and equal the
    summary CSV's and the metrics' for the hand-made area with known answers."""
    world = build(two_areas, make_user)
    summary = metrics.summary(world.north.commissioner, Filters(START, END), uk_today())
    username = world.north.commissioner.username
    db.session.commit()  # never hold SQLite's lock while the live server works
    page = browser.new_context(viewport=SIZES["desk"]).new_page()
    field.sign_in(page, live_server, username)
    page.goto(f"{live_server}/monitoring/?start={START}&end={END}")
    csv_rows = {
        (row[0], row[1]): row[2]
        for row in csv.reader(
            io.StringIO(
                page.request.get(f"{live_server}/monitoring/summary.csv?start={START}&end={END}")
                .text()
                .lstrip("\ufeff")
            )
        )
    }
    expected = {
        "kits": summary.totals["kits"],
        "reach": summary.totals["reach"],
        "repeats": summary.totals["repeat"],
        "use_reports": summary.totals["use_reports"],
        "held": summary.held["kits"],
    }
    assert str(expected["kits"]) == csv_rows[("Kits issued", "Kits issued")]
    for key, value in {**expected, "late": None}.items():
        card = page.locator(f'[data-card="{key}"]')
        expect(card).to_be_visible()
        box = card.bounding_box()
        assert box["y"] + box["height"] <= 800, (key, box)
        if value is not None:
            expect(page.locator(f'[data-card-figure="{key}"]')).to_have_text(str(value))
    expect(page.locator('[data-card="kits"]')).to_contain_text("Peer: 5")
    page.screenshot(path=str(SCREENSHOTS / "desk-commissioner-first-screen-desk.png"))
    for name, table in (
        ("Kits by area", "by-area"),
        ("Repeat reasons", "repeat-reasons"),
        ("Use reports by week", "used-by-week"),
        ("Outcomes of use", "outcomes-outcome"),
    ):
        page.get_by_role("link", name=f"{name} as a table").click()
        expect(page.locator(f"#{table}")).to_be_in_viewport()
    assert serious_accessibility_problems(page) == []


def test_the_coordinators_menu_folds_on_a_phone_and_is_plain_at_a_desk(
    live_server, browser, two_areas
):
    phone = browser.new_context(viewport=SIZES["phone"]).new_page()
    field.sign_in(phone, live_server, "north-coordinator")
    phone.goto(f"{live_server}/coordination/devices")
    nav = phone.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Audit log")).to_be_hidden()
    nav.get_by_text("Menu").click()
    nav.get_by_role("link", name="Audit log").click()
    expect(phone.get_by_role("heading", name="Audit log")).to_be_visible()
    # Headings break between words only: none is narrower than its longest word.
    squeezed = phone.evaluate("""[...document.querySelectorAll('th')].filter(th =>
        th.scrollWidth > th.clientWidth + 1).map(th => th.textContent.trim())""")
    assert squeezed == []
    desk = browser.new_context(viewport=SIZES["desk"]).new_page()
    field.sign_in(desk, live_server, "north-coordinator")
    desk.goto(f"{live_server}/coordination/devices")
    nav = desk.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Audit log")).to_be_visible()
    expect(nav.get_by_text("Menu")).to_be_hidden()


@pytest.mark.parametrize("size", ["desk", "phone"])
def test_the_field_app_for_a_pharmacy_counter_and_a_carrier_passes_axe(
    live_server, browser, phone, two_areas, make_user, size
):
    """The field app at a counter PC (1280 px, a mouse) and on a phone (Pixel 7, touch),
    for a pharmacy's staff and a partner agency's carrier: axe, screenshots, the words."""
    north = two_areas.north
    shelter = Organisation(
        name="Night shelter",
        kind="partner_agency",
        area_id=north.area.id,
        managed_by_id=north.service.id,
    )
    db.session.add(shelter)
    db.session.commit()
    make_user("carrier", shelter, username="north-carrier")
    db.session.commit()
    problems = {}
    for username in ("north-pharmacist", "north-carrier"):
        settings = {"viewport": SIZES["desk"]} if size == "desk" else phone
        page = browser.new_context(**settings).new_page()
        field.sign_in(page, live_server, username)
        page.goto(f"{live_server}/app/enrol")
        word = "computer" if size == "desk" else "phone"
        page.get_by_role("button", name=f"Set up this {word}").click()
        page.wait_for_url("**/app")
        field.ready(page)
        for screen in ("home", "supply", "use", "stock", "device"):
            page.goto(f"{live_server}/app#{screen}")
            field.ready(page)
            name = f"field-{username.split('-')[1]}-{screen}-{size}"
            page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
            if page.evaluate("document.documentElement.scrollWidth > innerWidth"):
                problems[name] = "scrolls sideways"
            found = serious_accessibility_problems(page)
            if found:
                problems[name] = found
        if size == "desk":
            expect(page.get_by_text("home screen")).to_have_count(0)
        page.context.close()
    assert problems == {}
