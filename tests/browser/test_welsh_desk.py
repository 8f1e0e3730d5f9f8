"""Issue 16, point 1: with the browser set to Welsh, desk screens come out in Welsh, fit a
phone, pass axe, and are photographed; the switcher on the page turns them back to English."""

import pytest

from ..conftest import PASSWORD
from .conftest import SCREENSHOTS, serious_accessibility_problems

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

SCREENS = {
    "north-coordinator": [
        "/coordination/",
        "/coordination/people",
        "/coordination/stock",
        "/coordination/held",
        "/coordination/devices",
        "/coordination/audit",
        "/coordination/privacy-notices",
        "/coordination/subject-access",
        "/coordination/retention",
    ],
    "north-commissioner": [
        "/monitoring/",
        "/monitoring/stock",
        "/monitoring/log",
        "/monitoring/report",
    ],
}
# Each screen's Welsh heading: the content, not only the header, came out in Welsh.
HEADINGS = {
    "/coordination/devices": "Ffonau",
    "/coordination/audit": "Cofnod archwilio",
    "/coordination/privacy-notices": "Hysbysiadau preifatrwydd",
    "/coordination/subject-access": "Cofnodion person: gweld, lawrlwytho neu ddileu",
    "/coordination/retention": "Am ba hyd y mae cofnodion yn cadw manylion personol",
    "/monitoring/": "Dosbarthu naloxone",
}
SIZES = {"phone": {"width": 412, "height": 915}, "desk": {"width": 1280, "height": 800}}


def _sign_in_in_welsh(page, base, username):
    page.goto(f"{base}/login")
    assert page.locator("html").get_attribute("lang") == "cy-GB"
    page.get_by_label("Enw defnyddiwr").fill(username)
    page.get_by_label("Cyfrinair").fill(PASSWORD)
    page.get_by_role("button", name="Mewngofnodi").click()
    page.wait_for_load_state("load")


def test_desk_screens_in_welsh_fit_a_phone_and_pass_axe(live_server, browser, two_areas):
    # Welsh runs longer than English: the header with its switcher, the navigation and
    # the tables must still fit a phone's width without sideways scrolling.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems, not_welsh, wide = {}, [], {}
    for username, paths in SCREENS.items():
        for size, viewport in SIZES.items():
            context = browser.new_context(locale="cy-GB", viewport=viewport)
            page = context.new_page()
            _sign_in_in_welsh(page, live_server, username)
            for path in paths:
                response = page.goto(f"{live_server}{path}")
                assert response.status == 200, path
                if (
                    page.locator("html").get_attribute("lang") != "cy-GB"
                    or page.get_by_role("button", name="Allgofnodi").count() != 1
                    or (
                        path in HEADINGS
                        and page.get_by_role(
                            "heading", level=1, name=HEADINGS[path], exact=True
                        ).count()
                        != 1
                    )
                ):
                    not_welsh.append(path)
                name = (
                    f"welsh-{username.split('-')[1]}-"
                    f"{path.strip('/').replace('/', '-') or 'home'}-{size}"
                )
                page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > viewport["width"]:
                    wide[name] = width
                found = serious_accessibility_problems(page)
                if found:
                    problems[name] = found
            context.close()
    assert not_welsh == []
    assert wide == {}
    assert problems == {}


def test_the_switcher_turns_a_welsh_page_english(live_server, browser, two_areas):
    context = browser.new_context(locale="cy-GB")
    page = context.new_page()
    _sign_in_in_welsh(page, live_server, "north-coordinator")
    page.goto(f"{live_server}/coordination/stock")
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/coordination/stock")
    assert page.locator("html").get_attribute("lang") == "en-GB"
    assert page.get_by_role("heading", name="Stock", exact=True).count() == 1
    page.screenshot(path=str(SCREENSHOTS / "welsh-switched-to-english.png"), full_page=True)
    context.close()
