"""Issue 16, point 1: the field app in Welsh. With the browser set to Welsh every field screen
(the lock screen included, and offline after a reload) shows no English from the catalogue,
passes axe and is photographed; the Device screen's switch changes the language offline."""

import json
import re

import pytest
from playwright.sync_api import expect

from peerkit.extensions import db
from peerkit.i18n_field import CATALOGUE

from ..conftest import PASSWORD
from . import field
from .conftest import CHROMIUM, CHROMIUM_ARGS, SCREENSHOTS, serious_accessibility_problems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

WELSH = json.loads(CATALOGUE.read_text(encoding="utf-8"))
# Each English id (its words between placeholders) that has a different Welsh: none may show,
# unless the Welsh keeps it too (an acronym: "CPR").
ENGLISH = sorted(
    {
        piece.strip()
        for english, welsh in WELSH.items()
        if english != welsh
        for piece in re.split(r"\{[\w-]+\}", english)
        if re.search(r"[A-Za-z]{2}", piece) and piece.strip() not in welsh
    },
    key=len,
    reverse=True,
)
SCREENS = ["home", "supply", "training", "use", "report", "stock", "attention", "device"]


def english_on_screen(page, data=()) -> list[str]:
    """English catalogue text a person can see (innerText is only what is rendered), leaving
    out `data`: what people typed or named (a product's name) stays as it was written."""
    seen = page.locator("body").inner_text()
    for text in data:
        seen = seen.replace(text, "")
    return [e for e in ENGLISH if re.search(rf"(?<![\w']){re.escape(e)}(?![\w'])", seen)]


def _wait_welsh(page, timeout_ms: int = 10_000) -> None:
    for _ in range(timeout_ms // 100):
        if not english_on_screen(page):
            return
        page.wait_for_timeout(100)


def _phone(browser_type, phone, tmp_path, locale):
    return browser_type.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        **{**phone, "locale": locale},
    )


def _unlock_in_welsh(page):
    expect(page.locator("body[data-ready=true]")).to_be_attached(timeout=20_000)
    if page.locator("#screen-lock").is_visible():
        page.locator("#pin").fill(field.PIN)
        page.get_by_role("button", name=WELSH["Unlock"]).click()
        expect(page.locator("#screen-lock")).to_be_hidden(timeout=20_000)


def _check(page, name, found, data=()):
    """Record English and axe problems on the screen shown, and photograph it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert page.locator("html").get_attribute("lang") == "cy-GB", name
    english = english_on_screen(page, data)
    if english:
        found[f"{name}: English"] = english
    problems = serious_accessibility_problems(page)
    if problems:
        found[f"{name}: axe"] = problems
    page.screenshot(path=str(SCREENSHOTS / f"welsh-field-{name}.png"), full_page=True)


def _show(page, screen):
    page.evaluate(f"location.hash = '#{screen}'")
    expect(page.locator(f"#screen-{screen}")).to_be_visible(timeout=20_000)


def test_every_field_screen_in_welsh_online_and_offline(
    live_server, browser_type, phone, tmp_path, two_areas, kits_for
):
    kits_for(two_areas.north, two_areas.north.peer, 10)
    product = two_areas.north.batch.product.name
    db.session.commit()  # end the read: SQLite's lock would keep the live server from writing
    context = _phone(browser_type, phone, tmp_path, "cy-GB")
    page = context.new_page()
    found = {}
    page.goto(f"{live_server}/login")
    page.get_by_label("Enw defnyddiwr").fill("north-peer")
    page.get_by_label("Cyfrinair").fill(PASSWORD)
    page.get_by_role("button", name="Mewngofnodi").click()
    page.wait_for_url("**/app")
    expect(page.locator("body[data-ready=true]")).to_be_attached(timeout=20_000)
    _check(page, "setup", found)
    page.get_by_role("link", name="Gosod y ffôn hwn").click()
    page.wait_for_url("**/app/enrol")
    page.get_by_role("button", name="Gosod y ffôn hwn").click()
    page.wait_for_url("**/app")
    expect(page.locator("#screen-pin-setup")).to_be_visible(timeout=20_000)
    _check(page, "pin-setup", found)
    page.get_by_label(WELSH["PIN (6 numbers or more)"]).fill(field.PIN)
    page.get_by_label(WELSH["Type the PIN again"]).fill(field.PIN)
    page.get_by_role("button", name=WELSH["Save PIN"]).click()
    expect(page.locator("#screen-pin-setup")).to_be_hidden(timeout=20_000)
    field.until(page, "navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
        _unlock_in_welsh(page)
    field.until(page, "navigator.serviceWorker.controller !== null")
    expect(page.locator("#last-sync")).not_to_have_text(WELSH["never"], timeout=20_000)
    for screen in SCREENS:
        _show(page, screen)
        _check(page, screen, found, [product])

    # A supply form filled in and refused by the phone's own checks: its errors in Welsh.
    _show(page, "supply")
    page.get_by_role("button", name=WELSH["Save supply"]).click()
    expect(page.locator("#form-supply .form-error")).not_to_be_empty()
    _check(page, "supply-errors", found, [product])

    # A supply the server refuses ("Hostel" is no postcode district): Needs attention in Welsh.
    form = page.locator("#form-supply")
    form.get_by_label(WELSH["First kit"], exact=True).check()
    form.get_by_label(WELSH["Trained today"]).check()
    form.get_by_label(WELSH["Person at risk"]).check()
    form.get_by_label(WELSH["Where they live: postcode district"]).fill("Hostel")
    form.get_by_role("button", name=WELSH["Save supply"]).click()
    page.wait_for_url("**/app#home")
    expect(page.locator("#saved-what")).to_contain_text(WELSH["Saved: {what}."].split("{")[0])
    _check(page, "home-saved", found, [product])
    page.get_by_role("button", name=WELSH["Sync now"]).click()
    expect(page.locator("#attention-link")).to_be_visible(timeout=20_000)
    page.locator("#attention-link").click()
    expect(page.locator("#attention-list .card")).to_contain_text(
        WELSH["Where they live: postcode district"]
    )
    # The server's own reason, answered in the phone's language (its Accept-Language).
    expect(page.locator("#attention-list .card")).to_contain_text(
        "Rhowch ardal cod post fel M14, neu UNKNOWN."
    )
    expect(page.locator("#attention-list")).not_to_contain_text(
        "Enter a postcode district such as M14, or UNKNOWN."
    )
    _check(page, "attention-refused", found, [product, "Hostel"])

    # Offline, after a reload: the lock screen, then every screen again from the cache.
    context.set_offline(True)
    page.reload()
    expect(page.locator("#screen-lock")).to_be_visible(timeout=20_000)
    _check(page, "lock", found)
    _unlock_in_welsh(page)
    expect(page.locator("#net")).to_have_text(re.compile("^All-lein"))
    months = "|".join(
        WELSH[m]
        for m in (
            "Jan",
            "Feb",
            "Mar",
            "Apr",
            "May",
            "Jun",
            "Jul",
            "Aug",
            "Sep",
            "Oct",
            "Nov",
            "Dec",
        )
    )
    _show(page, "home")
    expect(page.locator("#last-sync")).to_have_text(re.compile(rf"^\d+ ({months}), \d\d:\d\d$"))
    for screen in SCREENS:
        _show(page, screen)
        _check(page, f"offline-{screen}", found, [product])
    # A vocabulary label from the snapshot follows the phone's language offline.
    _show(page, "supply")
    expect(page.locator("#form-supply")).to_contain_text(WELSH["Person at risk"])
    context.close()
    assert found == {}


def test_the_device_screen_switch_changes_the_language_offline(
    live_server, browser_type, phone, tmp_path, two_areas
):
    context = _phone(browser_type, phone, tmp_path, "en-GB")
    page = context.new_page()
    field.sign_in_and_enrol(page, live_server, "north-peer")
    context.set_offline(True)
    page.reload()
    field.ready(page)
    page.evaluate("location.hash = '#device'")
    expect(page.get_by_role("heading", name="This phone", exact=True)).to_be_visible()
    page.locator("#screen-device").get_by_label("Cymraeg").check()
    expect(page.get_by_role("heading", name="Y ffôn hwn", exact=True)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "cy-GB"
    # What the screen filled in itself (storage, unsent records) is redrawn in Welsh just
    # after the headings: give it the moment a person would.
    _wait_welsh(page)
    assert english_on_screen(page) == []
    # Kept on the phone: a restart (still offline) comes back in Welsh, on the lock screen.
    page.reload()
    expect(page.get_by_role("heading", name=WELSH["PeerKit is locked"])).to_be_visible(
        timeout=20_000
    )
    _unlock_in_welsh(page)
    page.evaluate("location.hash = '#device'")
    page.locator("#screen-device").get_by_label("English").check()
    expect(page.get_by_role("heading", name="This phone", exact=True)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "en-GB"
    context.close()


def test_the_saved_line_follows_a_change_of_language(
    live_server, browser_type, phone, tmp_path, two_areas, kits_for
):
    kits_for(two_areas.north, two_areas.north.peer, 5)
    db.session.commit()  # end the read: SQLite's lock would keep the live server from writing
    context = _phone(browser_type, phone, tmp_path, "en-GB")
    page = context.new_page()
    field.sign_in_and_enrol(page, live_server, "north-peer")
    field.wait_fetched(page)
    field.record_supply(page)
    saved = page.locator("#saved-what")
    expect(saved).to_have_text(re.compile(r"^Saved: First supply of 1 kit, on "))
    # Switched before OK is tapped: the confirmation is said again in Welsh.
    page.evaluate("location.hash = '#device'")
    page.locator("#screen-device").get_by_label("Cymraeg").check()
    page.evaluate("location.hash = '#home'")
    welsh_saved = WELSH["Saved: {what}."].split("{")[0]
    welsh_supply = WELSH["First supply of {n} kit, on {date}"].split("{")[0]
    expect(saved).to_contain_text(welsh_saved + welsh_supply)
    assert "Saved" not in saved.inner_text()
    context.close()
