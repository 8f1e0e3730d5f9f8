"""Steps a person takes in the field app, shared by the browser tests.

Waits use locators and page.evaluate, never wait_for_function: the app's strict
Content-Security-Policy forbids the eval that wait_for_function relies on, and the tests
keep that policy on so they would notice anything in the app that breaks it.
"""

import time

from playwright.sync_api import expect

from ..conftest import PASSWORD

PIN = "246810"  # the PIN every test phone is set up with (field.choose_pin)


def until(page, script: str, timeout: float = 20.0):
    """Poll a page expression (evaluated by the browser's debugger, not by eval)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate(script):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {script}")


def ready(page):
    """The app has started; a locked app (after a reload or restart) is unlocked."""
    expect(page.locator("body[data-ready=true]")).to_be_attached(timeout=20_000)
    if page.locator("#screen-lock").is_visible():
        unlock(page)


def choose_pin(page, pin=PIN):
    """Set-up: choose the PIN, typed twice."""
    page.get_by_label("PIN (6 numbers or more)").fill(pin)
    page.get_by_label("Type the PIN again").fill(pin)
    page.get_by_role("button", name="Save PIN").click()
    expect(page.locator("#screen-pin-setup")).to_be_hidden(timeout=20_000)


def unlock(page, pin=PIN):
    """Type the PIN on the lock screen."""
    page.locator("#pin").fill(pin)
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#screen-lock")).to_be_hidden(timeout=20_000)


def sign_in(page, base, username):
    """Sign in through the real form, as anyone at a desk or on a phone would."""
    page.goto(f"{base}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_in_and_enrol(page, base, username):
    """Online: sign in, set the phone up, wait until the worker controls the page and the
    first sync has brought the reference data down."""
    sign_in(page, base, username)
    page.wait_for_url("**/app")
    page.get_by_role("link", name="Set up this phone").click()
    page.wait_for_url("**/app/enrol")
    page.get_by_role("button", name="Set up this phone").click()
    page.wait_for_url("**/app")
    ready(page)
    choose_pin(page)
    # The worker must control the page before going offline: serviceWorker.ready can
    # resolve while it is still activating.
    until(page, "navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    until(page, "navigator.serviceWorker.controller !== null")
    wait_synced(page)
    wait_fetched(page)


def wait_synced(page):
    ready(page)
    expect(page.locator("#last-sync")).not_to_have_text("never", timeout=20_000)


def wait_fetched(page):
    """The first pull has landed: Home no longer says the lists are missing. ("Last sent"
    is not enough: records are sent while the app is still locked, before any pull.)"""
    expect(page.locator("#screen-home")).to_be_visible(timeout=20_000)
    expect(page.locator("#not-fetched")).to_be_hidden(timeout=20_000)


def open_app(page, base):
    page.goto(f"{base}/app")
    ready(page)


def outbox_and_token(page) -> list:
    """[entries in the phone's outbox, its device token or None], read from IndexedDB."""
    return page.evaluate("""new Promise(resolve => {
        const open = indexedDB.open('peerkit');
        open.onsuccess = () => {
          const tx = open.result.transaction(['outbox', 'meta']);
          const out = tx.objectStore('outbox').count();
          const token = tx.objectStore('meta').get('token');
          // Closed at once: an open connection would block the app deleting its database.
          tx.oncomplete = () => {
            open.result.close();
            resolve([out.result, token.result || null]);
          };
        };
    })""")


def wait_outbox_empty(page, timeout: float = 20.0) -> None:
    """Every queued record was answered by the server: an entry leaves the outbox only then
    (a status line such as "All sent." may still be left from an earlier sync)."""
    deadline = time.monotonic() + timeout
    while outbox_and_token(page)[0]:
        assert time.monotonic() < deadline, "records still queued on the phone"
        page.wait_for_timeout(100)


def expect_waiting(page, count: int) -> None:
    """Home says `count` records wait to be sent (it re-renders just after a save, so wait
    for it rather than read it once)."""
    ready(page)
    expect(page.locator("#waiting-count")).to_have_text(str(count), timeout=20_000)


class Taps:
    """Counts what a person taps: a button, a choice, or a field to type in (typing itself
    is not a tap). Every step goes through here, by visible label."""

    def __init__(self):
        self.count = 0

    def tap(self, locator):
        self.count += 1
        locator.click()

    def type(self, locator, text):
        self.count += 1
        locator.fill(text)


def record_supply(
    page, *, repeat_reason=None, area="M14", recipient=None, taps=None, training="Trained today"
):
    """`recipient`: (initials, date of birth, sex label) when they agree to a code."""
    taps = taps or Taps()
    taps.tap(page.get_by_role("link", name="Record a kit supply"))
    form = page.locator("#form-supply")
    expect(form.get_by_label("Kit (product and batch)")).to_be_visible()
    if repeat_reason:
        taps.tap(form.get_by_label("Repeat", exact=True))
        taps.tap(form.get_by_label(repeat_reason))
    else:
        taps.tap(form.get_by_label("First kit"))
        taps.tap(form.get_by_label(training))
    # Who it is for starts as the last answer on this phone; a new phone has none.
    if not form.get_by_role("group", name="Who is it for?").locator(":checked").count():
        taps.tap(form.get_by_label("Person at risk"))
    if recipient:
        initials, born, sex = recipient
        taps.type(form.get_by_label("First and last initial"), initials)
        taps.type(form.get_by_label("Date of birth", exact=True), born)
        taps.tap(form.get_by_label(sex, exact=True))
        if not repeat_reason:
            taps.tap(form.get_by_label("Agrees to be recognised"))
        else:
            expect(form.get_by_role("status")).to_contain_text("Recognised")
    if area:
        taps.type(form.get_by_label("Where they live: postcode district"), area)
    taps.tap(form.get_by_role("button", name="Save supply"))
    page.wait_for_url("**/app#home")
    return taps


def record_training(page):
    page.get_by_role("link", name="Record training").click()
    form = page.locator("#form-training")
    form.get_by_label("One-to-one").check()
    form.get_by_label("Overdose awareness (people getting kits)").check()
    form.get_by_label("Calling 999").check()
    form.get_by_label("People at risk").fill("3")
    form.get_by_label("How many took a kit").fill("2")
    form.get_by_role("button", name="Save training").click()
    page.wait_for_url("**/app#home")


def record_use(page, taps=None, doses="2"):
    taps = taps or Taps()
    taps.tap(page.get_by_role("link", name="Report naloxone use"))
    form = page.locator("#form-use")
    taps.tap(form.get_by_label("Hostel"))
    taps.tap(form.get_by_label("Peer volunteer"))
    taps.tap(form.get_by_label("Survived"))
    if doses != "1":
        taps.type(form.get_by_label("Doses given"), doses)
    taps.tap(form.get_by_role("button", name="Save report"))
    page.wait_for_url("**/app#home")
    return taps
