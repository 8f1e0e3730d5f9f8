"""An offline cold start as a person lives it: open PeerKit with no signal, type the PIN,
tap "Record a kit supply", type. The start-up benchmark (bench/pwa.py) once found Home
staying on screen after that tap, with "#supply" in the address: the phone's first pull
had not landed, and the form, made from the missing snapshot, failed to draw."""

import pytest
from playwright.sync_api import expect

from peerkit.extensions import db

from . import field

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def _errors(page) -> list[str]:
    """Every uncaught error the page throws, collected as it happens."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def _offline_start_and_tap_supply(context, base):
    """Cold start with no signal (a closed browser reopened), PIN, Unlock, tap."""
    page = context.new_page()
    errors = _errors(page)
    page.goto(f"{base}/app")
    expect(page.locator("#screen-lock")).to_be_visible(timeout=20_000)
    page.locator("#pin").fill(field.PIN)
    page.get_by_role("button", name="Unlock").click()
    page.get_by_role("link", name="Record a kit supply").click()
    expect(page.locator("#screen-supply")).to_be_visible(timeout=20_000)
    expect(page.locator("#screen-home")).to_be_hidden()
    assert page.url.endswith("#supply")
    return page, errors


def test_offline_cold_start_pin_then_tap_supply_opens_the_form(
    live_server, launch_phone, two_areas, kits_for
):
    north = two_areas.north
    kits_for(north, north.peer, 10)
    db.session.commit()
    context = launch_phone()
    field.sign_in_and_enrol(context.new_page(), live_server, "north-peer")
    context.close()

    for _start in range(3):  # each start is a fresh race between the unlock and the tap
        context = launch_phone(offline=True)
        page, errors = _offline_start_and_tap_supply(context, live_server)
        form = page.locator("#form-supply")
        expect(form.get_by_label("Trained before")).to_be_attached()
        expect(form.locator("select[name=batch_id] option[value]").first).to_be_attached()
        form.get_by_label("Where they live: postcode district").fill("M1")
        expect(form.get_by_label("Where they live: postcode district")).to_have_value("M1")
        assert errors == []
        context.close()


def test_before_the_first_pull_the_form_says_so_and_opens_once_it_lands(
    live_server, launch_phone, two_areas, kits_for
):
    north = two_areas.north
    kits_for(north, north.peer, 10)
    db.session.commit()
    context = launch_phone()
    # The pull gets no answer (signal lost just after setting up); sending still works.
    context.route("**/api/v1/sync/pull*", lambda route: route.abort("internetdisconnected"))
    page = context.new_page()
    field.sign_in(page, live_server, "north-peer")
    page.wait_for_url("**/app")
    page.get_by_role("link", name="Set up this phone").click()
    page.wait_for_url("**/app/enrol")
    page.get_by_role("button", name="Set up this phone").click()
    page.wait_for_url("**/app")
    field.ready(page)
    field.choose_pin(page)
    field.until(page, "navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
        field.ready(page)
    field.until(page, "navigator.serviceWorker.controller !== null")
    expect(page.locator("#not-fetched")).to_be_visible()
    context.close()

    context = launch_phone(offline=True)
    page, errors = _offline_start_and_tap_supply(context, live_server)
    # No half-made form: the screen says what is missing and what to do.
    expect(page.locator("#form-supply")).to_be_hidden()
    expect(page.locator("#screen-supply [data-not-fetched]")).to_contain_text(
        "has not fetched its lists yet"
    )
    assert errors == []

    # Signal again: the lists arrive and the same screen becomes the form.
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    form = page.locator("#form-supply")
    expect(form).to_be_visible(timeout=20_000)
    expect(page.locator("#screen-supply [data-not-fetched]")).to_be_hidden()
    form.get_by_label("Where they live: postcode district").fill("M1")
    expect(form.get_by_label("Trained before")).to_be_attached()
    expect(form.locator("select[name=batch_id] option[value]").first).to_be_attached()
    assert errors == []
