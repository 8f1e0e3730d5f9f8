"""A coordinator's drug alert reaches the field app, and stays there offline."""

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from peerkit.extensions import db
from peerkit.models import AlertDelivery

from . import field
from .conftest import CHROMIUM_ARGS, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def test_coordinator_alert_shows_on_the_phone_after_sync_and_offline(
    live_server, launch_phone, browser_type, two_areas, kits_for
):
    kits_for(two_areas.north, two_areas.north.peer, 5)
    db.session.commit()
    phone_context = launch_phone()
    phone = phone_context.new_page()
    field.sign_in_and_enrol(phone, live_server, "north-peer")
    expect(phone.locator("#alerts")).to_contain_text("No active alerts")

    # The coordinator, at a desk, sends an alert.
    browser = browser_type.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
    desk = browser.new_page()
    field.sign_in(desk, live_server, "north-coordinator")
    desk.get_by_role("link", name="Drug alerts").first.click()
    desk.get_by_label("Substance").fill("Heroin cut with nitazenes")
    desk.get_by_label("Area", exact=True).fill("Town centre, M14")
    desk.get_by_label("What is happening").fill("Three overdoses needing several doses.")
    desk.get_by_label("Advice to pass on").fill("Carry naloxone. Don't use alone. Call 999.")
    desk.get_by_label("Red: immediate danger").check()
    desk.get_by_role("button", name="Send alert to phones").click()
    expect(desk.get_by_role("status")).to_contain_text("Alert sent")
    browser.close()

    # The phone syncs and shows it; then, with no signal, it still does.
    phone.get_by_role("button", name="Sync now").click()
    expect(phone.locator("#alerts")).to_contain_text(
        "RED: Heroin cut with nitazenes", timeout=20_000
    )
    # The phone told the server it has the alert, for the coordinator's delivery counts.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        received = db.session.scalars(select(AlertDelivery.received_at)).all()
        db.session.commit()  # let SQLite's lock go while the live server works
        if any(received):
            break
        time.sleep(0.2)
    assert any(received)
    phone_context.set_offline(True)
    phone.reload()
    field.ready(phone)
    expect(phone.locator("#alerts")).to_contain_text("Carry naloxone. Don't use alone.")
    shot(phone, "home-alert-offline")
