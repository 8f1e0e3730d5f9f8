"""Issue 17, point 6: every desk screen of every role fits 360-412 px without sideways
scrolling, passes axe at 412 and 1280 px, and is photographed at both sizes."""
import pytest

from . import field
from .conftest import SCREENSHOTS, serious_accessibility_problems

pytestmark = [pytest.mark.browser,
              pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]

SCREENS = {
    "north-coordinator": ["/coordination/", "/coordination/people", "/coordination/accounts",
                          "/coordination/stock", "/coordination/devices", "/coordination/alerts",
                          "/coordination/audit", "/coordination/held", "/coordination/recall",
                          "/coordination/cascade", "/coordination/people/new",
                          "/coordination/consents/withdraw", "/coordination/people/import"],
    "north-admin": ["/coordination/organisations", "/coordination/products"],
    "north-commissioner": ["/monitoring/", "/monitoring/stock", "/monitoring/log",
                           "/monitoring/report", "/monitoring/claims"],
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
