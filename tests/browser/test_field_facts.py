"""Field records are facts, on the phone (issue 10) and stock kept from the phone (issue 12):
held records are shown as sent, warnings reach the person, discards are reported, a
locked-out phone deletes nothing unsent without a second, explicit step."""

import datetime as dt
import re
import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from peerkit.clock import uk_today
from peerkit.devices import revoke_device
from peerkit.extensions import db
from peerkit.models import (
    Consent,
    Device,
    DiscardNotice,
    KitSupply,
    NaloxoneUseReport,
    StockMovement,
    SupplierSignOff,
    utcnow,
)

from . import field
from .conftest import shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def _all(model):
    rows = db.session.scalars(select(model)).all()
    # Detached, the rows keep what was read: touching them later opens no transaction
    # (which on SQLite would take the lock the live server needs).
    for row in rows:
        db.session.expunge(row)
    db.session.commit()
    return rows


def _eventually(read, seconds: float = 20.0):
    """`read()` once it gives something, polling while the phone syncs."""
    deadline = time.monotonic() + seconds
    while not (value := read()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return value


def _column(column) -> list:
    """The values of one column, read and let go at once (a row's attributes read after
    the commit would open a new transaction, and SQLite's lock with it)."""
    values = db.session.scalars(select(column)).all()
    db.session.commit()
    return values


@pytest.fixture
def peer_phone(live_server, launch_phone, two_areas, kits_for):
    kits_for(two_areas.north, two_areas.north.peer, 10)
    context = launch_phone()
    page = context.new_page()
    field.sign_in_and_enrol(page, live_server, "north-peer")
    return context, page


def test_a_supply_after_a_lapse_is_sent_and_shown_as_held(peer_phone, two_areas):
    context, page = peer_phone
    context.set_offline(True)
    field.record_supply(page)
    sign_off = db.session.scalars(
        select(SupplierSignOff).where(SupplierSignOff.user_id == two_areas.north.peer.id)
    ).one()
    sign_off.refresher_due = uk_today() - dt.timedelta(days=2)  # ran out while offline
    db.session.commit()
    context.set_offline(False)
    held = page.locator("#held-list .card")
    expect(held).to_contain_text("Kit supply, 1 kit(s)", timeout=20_000)
    expect(held).to_contain_text("held for your coordinator to review")
    expect(page.locator("#waiting-count")).to_have_text("0")
    expect(page.locator("#attention-link")).to_be_hidden()
    shot(page, "held")
    supply = _all(KitSupply)
    assert [s.review_status for s in supply] == ["held"]


def test_a_recall_reaches_the_person_who_handed_the_kit_out(peer_phone, two_areas):
    context, page = peer_phone
    context.set_offline(True)
    field.record_supply(page)
    two_areas.north.batch.recalled_at = utcnow()
    db.session.commit()
    context.set_offline(False)
    warning = page.locator("#sent-warnings [role=alert]")
    expect(warning).to_contain_text("north-B1 is recalled: swap this kit", timeout=20_000)
    shot(page, "recall-warning")
    warning.get_by_role("button", name="Done").click()
    expect(warning).to_have_count(0)
    page.reload()
    field.ready(page)
    expect(page.locator("#sent-warnings [role=alert]")).to_have_count(0)


def test_discarding_a_refused_record_tells_the_coordinator(peer_phone):
    _context, page = peer_phone
    field.record_supply(page, area="Hostel")
    expect(page.locator("#attention-link")).to_be_visible(timeout=20_000)
    page.get_by_role("link", name="Needs attention").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#attention-list .card").get_by_role("button", name="Discard").click()
    page.evaluate("location.hash = '#home'")
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#waiting-count")).to_have_text("0", timeout=20_000)
    field.until(page, "document.getElementById('sync-status').textContent === 'All sent.'")
    notices = _all(DiscardNotice)
    assert [(n.record_kind, "postcode district" in n.reason) for n in notices] == [
        ("kit_supply", True)
    ]
    assert _all(KitSupply) == []


def test_a_locked_out_phone_keeps_what_it_cannot_send_until_told_twice(peer_phone, two_areas):
    context, page = peer_phone
    context.set_offline(True)
    field.record_supply(page, area="Hostel")  # the server will refuse this one
    field.record_use(page)  # and keep this one, held
    revoke_device(db.session.scalars(select(Device)).one(), two_areas.north.coordinator, "Lost")
    db.session.commit()
    context.set_offline(False)
    expect(page.locator("#revoked-count")).to_have_text("1", timeout=20_000)
    assert [r.hold_reason for r in _all(NaloxoneUseReport)] == ["Sent from a locked-out phone."]
    shot(page, "revoked-unsent")
    page.get_by_role("button", name="Delete them from this phone…").click()
    expect(page.locator("#revoked-confirm")).to_contain_text("This deletes 1 record(s) for good")
    page.get_by_role("button", name="Yes, delete them").click()
    expect(page.locator("#revoked-done")).to_be_visible(timeout=20_000)
    assert field.outbox_and_token(page) == [0, None]


def test_kits_returned_reported_and_received_offline_reach_the_ledger(peer_phone, two_areas):
    context, page = peer_phone
    context.set_offline(True)
    page.get_by_role("link", name="Kits: return, report, confirm").click()
    transfer = page.locator("#transfer-list .card")
    # The product's name is the catalogue's (or the test area's): match around it.
    expect(transfer).to_contain_text(re.compile(r"10 × Prenoxad.* north-B1, sent"))
    transfer.get_by_label("How many arrived").fill("9")
    transfer.get_by_role("button", name="Confirm received").click()
    expect(page.locator("#transfer-list")).to_contain_text("Nothing waiting to be confirmed")
    page.evaluate("location.hash = '#home'")
    expect(page.locator("#saved-what")).to_contain_text(
        re.compile(r"Saved: 9 of 10 kits received \(Prenoxad.* north-B1\)")
    )
    page.evaluate("location.hash = '#stock'")
    form = page.locator("#form-stock")
    form.get_by_label("Lost").check()
    form.get_by_label("Number of kits").fill("2")
    expect(form.get_by_label("Whose stock (site)")).to_be_hidden()  # a peer's own kits
    shot(page, "stock")
    form.get_by_role("button", name="Save").click()
    page.wait_for_url("**/app#home")
    field.expect_waiting(page, 2)
    # Kits in hand count down offline: 10 given, 2 lost.
    expect(page.locator("#kits tbody")).to_contain_text("8")
    context.set_offline(False)
    expect(page.locator("#waiting-count")).to_have_text("0", timeout=20_000)
    movements = {m.kind: m for m in _all(StockMovement)}
    assert movements["lost"].quantity == 2
    assert movements["lost"].from_user_id == two_areas.north.peer.id
    assert movements["transferred"].receipt_quantity == 9


def test_a_person_withdraws_at_the_service_and_their_code_is_erased(
    peer_phone, browser, live_server, two_areas
):
    """The peer's phone made the code; the coordinator's browser makes the same code from
    the same details, and only the code reaches the server."""
    _context, page = peer_phone
    field.record_supply(page, recipient=("JD", "1990-04-01", "Female"))
    codes = _eventually(lambda: _column(Consent.recipient_code))
    assert [c.startswith("v2-") for c in codes] == [True]
    desk = browser.new_context().new_page()
    field.sign_in(desk, live_server, "north-coordinator")
    desk.goto(f"{live_server}/coordination/consents/withdraw")
    desk.get_by_label("Initials (first and last name)").fill("jd")
    desk.get_by_label("Date of birth").fill("1990-04-01")
    desk.get_by_label("Female").check()
    desk.get_by_role("button", name="Record the withdrawal").click()
    expect(desk.locator(".flash")).to_contain_text(
        "Withdrawal recorded for 1 consent(s)", timeout=20_000
    )
    assert _column(Consent.recipient_code) == _column(KitSupply.recipient_code) == [None]
    assert _column(Consent.withdrawn_on) == [uk_today()]
