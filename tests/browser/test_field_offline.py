"""The field app end to end: enrol online, work offline, survive a browser restart, sync."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from peerkit.extensions import db
from peerkit.models import Consent, KitSupply, NaloxoneUseReport, TrainingSession

from . import field
from .conftest import shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def _count(model):
    """Rows on the server; the transaction is ended at once, as SQLite's write lock
    would otherwise keep the live server from storing anything."""
    count = db.session.scalar(select(func.count()).select_from(model))
    db.session.commit()
    return count


def test_records_made_offline_survive_a_restart_and_land_once(
    live_server, launch_phone, two_areas, kits_for
):
    north = two_areas.north
    kits_for(north, north.peer, 10)
    context = launch_phone()
    page = context.new_page()
    field.sign_in_and_enrol(page, live_server, "north-peer")
    expect(page.locator("#kits tbody")).to_contain_text("10")
    shot(page, "home-online")

    # No signal: the app starts from its cache and records everything.
    context.set_offline(True)
    page.reload()
    field.open_app(page, live_server)
    assert "Offline" in page.locator("#net").inner_text()
    field.record_supply(page, recipient=("JD", "1990-04-01", "Female"))
    field.record_supply(page, repeat_reason="Used on someone else")
    field.record_training(page)
    field.record_use(page)
    field.expect_waiting(page, 4)  # a supply and its consent are one record to the person
    # Kits in hand count down offline as kits are given out.
    expect(page.locator("#kits tbody")).to_contain_text("8")
    shot(page, "home-offline-waiting")
    context.close()

    # The browser is closed and opened again, still with no signal.
    context = launch_phone(offline=True)
    page = context.new_page()
    field.open_app(page, live_server)
    field.expect_waiting(page, 4)
    assert _count(KitSupply) == 0

    # Signal returns: everything lands, exactly once.
    context.set_offline(False)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#waiting-count")).to_have_text("0", timeout=20_000)
    page.get_by_role("button", name="Sync now").click()  # a second sync sends nothing more
    expect(page.locator("#sync-status")).to_have_text("All sent.", timeout=20_000)
    assert _count(KitSupply) == 2
    assert _count(TrainingSession) == 1
    assert _count(NaloxoneUseReport) == 1
    repeat = db.session.scalars(select(KitSupply).where(KitSupply.supply_type == "repeat")).one()
    assert repeat.repeat_reason == "used_on_someone_else"
    assert repeat.area == "M14"
    # The recipient code was made on the phone; its inputs never reached the server.
    first = db.session.scalars(select(KitSupply).where(KitSupply.supply_type == "first")).one()
    consent = db.session.get(Consent, first.consent_id)
    db.session.commit()
    assert first.recipient_code.startswith("v2-") and len(first.recipient_code) == 35
    assert consent.recipient_code == first.recipient_code and consent.consent_to_share
