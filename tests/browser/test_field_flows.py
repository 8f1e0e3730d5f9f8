"""The field app's other promises: fixing rejected records, lock-out, two tabs, updates,
and accessibility of every screen."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from peerkit.devices import revoke_device
from peerkit.extensions import db
from peerkit.models import Device, KitSupply, NaloxoneUseReport

from . import field
from .conftest import serious_accessibility_problems, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def _count(model):
    count = db.session.scalar(select(func.count()).select_from(model))
    db.session.commit()  # never hold SQLite's lock while the live server works
    return count


@pytest.fixture
def peer_phone(live_server, launch_phone, two_areas, kits_for):
    """A phone enrolled for the north peer, holding ten kits, synced once."""
    kits_for(two_areas.north, two_areas.north.peer, 10)
    db.session.commit()
    context = launch_phone()
    page = context.new_page()
    field.sign_in_and_enrol(page, live_server, "north-peer")
    return context, page


def test_every_screen_passes_axe_and_is_photographed(peer_phone):
    _context, page = peer_phone
    problems = {}
    for screen in ("home", "supply", "training", "use", "stock", "attention", "device"):
        page.evaluate(f"location.hash = '#{screen}'")
        expect(page.locator(f"#screen-{screen}")).to_be_visible()
        shot(page, screen)
        found = serious_accessibility_problems(page)
        if found:
            problems[screen] = found
    assert problems == {}


def test_a_rejected_record_is_shown_fixed_and_resent(peer_phone):
    _context, page = peer_phone
    field.record_supply(page, area="Hostel")  # not a postcode district: the server says so
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#attention-link")).to_be_visible(timeout=20_000)
    page.get_by_role("link", name="Needs attention").click()
    card = page.locator("#attention-list .card")
    expect(card).to_contain_text("postcode district")
    shot(page, "needs-attention")
    card.get_by_role("button", name="Fix and send again").click()
    form = page.locator("#form-supply")
    expect(form).to_contain_text("postcode district")
    form.get_by_label("Where they live: postcode district").fill("M15")
    form.get_by_role("button", name="Save supply").click()
    page.wait_for_url("**/app#home")
    field.wait_outbox_empty(page)
    expect(page.locator("#sync-status")).to_have_text("All sent.", timeout=20_000)
    expect(page.locator("#waiting-count")).to_have_text("0", timeout=20_000)
    expect(page.locator("#attention-link")).to_be_hidden()
    supply = db.session.scalars(select(KitSupply)).one()
    db.session.commit()
    assert supply.area == "M15"


def test_a_locked_out_phone_hands_over_its_records_then_wipes(peer_phone, two_areas):
    context, page = peer_phone
    context.set_offline(True)
    field.record_use(page)
    device = db.session.scalars(select(Device)).one()
    revoke_device(device, two_areas.north.coordinator, "Lost on the bus")
    db.session.commit()
    context.set_offline(False)  # regaining signal starts a sync by itself
    expect(page.get_by_role("heading", name="This phone has been locked out")).to_be_visible(
        timeout=20_000
    )
    expect(page.locator("#revoked-done")).to_be_visible()
    shot(page, "revoked")
    # The record reached the server first, kept and held for review ...
    report = db.session.scalars(select(NaloxoneUseReport)).one()
    db.session.commit()
    assert (report.review_status, report.hold_reason) == ("held", "Sent from a locked-out phone.")
    # ... and only then was local data deleted: no token, no queued records.
    assert field.outbox_and_token(page) == [0, None]


def test_two_tabs_never_send_a_record_twice(peer_phone, live_server):
    context, page = peer_phone
    context.set_offline(True)
    for _ in range(3):
        field.record_use(page)
    second = context.new_page()
    field.open_app(second, live_server)
    field.expect_waiting(second, 3)
    answers = []

    def collect(response):
        if response.url.endswith("/api/v1/sync/push") and response.ok:
            answers.extend((r["id"], r["status"]) for r in response.json()["results"])

    # The server's answers tell a second sending apart ("duplicate") even if the browser
    # reports one request twice (page and service worker).
    context.on("response", collect)
    context.set_offline(False)
    # Both tabs try at the same moment.
    page.evaluate("document.getElementById('sync-now').click()")
    second.evaluate("document.getElementById('sync-now').click()")
    expect(page.locator("#waiting-count")).to_have_text("0", timeout=20_000)
    expect(second.locator("#waiting-count")).to_have_text("0", timeout=20_000)
    assert {status for _, status in answers} == {"stored"}
    assert len({record_id for record_id, _ in answers}) == 3
    assert _count(NaloxoneUseReport) == 3


def test_an_update_waits_for_the_tap_and_keeps_a_half_filled_form(peer_phone, app):
    _context, page = peer_phone
    page.get_by_role("link", name="Record a kit supply").click()
    form = page.locator("#form-supply")
    form.get_by_label("Where they live: postcode district").fill("M13")
    form.get_by_label("Offered").check()
    # A deploy: the server now serves a different worker.
    app.config["PEERKIT_RELEASE"] = "next"
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    expect(page.locator("#update-banner")).to_be_visible(timeout=20_000)
    # Nothing switched by itself: the form is still there, as typed.
    expect(form.get_by_label("Where they live: postcode district")).to_have_value("M13")
    shot(page, "update-ready")
    # The switch reloads the page: wait for that new page, not the old one's load state
    # (already "load"), whose data-ready and hidden lock screen would let the test run on
    # while the reload starts, and then type into a locked app.
    with page.expect_navigation(timeout=20_000):
        page.get_by_role("button", name="Switch now").click()
    field.ready(page)
    expect(page.locator("#update-banner")).to_be_hidden(timeout=20_000)
    page.evaluate("location.hash = '#supply'")
    form = page.locator("#form-supply")
    expect(form.get_by_label("Where they live: postcode district")).to_have_value("M13")
    expect(form.get_by_label("Offered")).to_be_checked()
