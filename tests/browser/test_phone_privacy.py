"""Privacy on the phone (issue 14): nothing readable in the browser's files, the PIN lock,
the sealed outbox sent while locked, ten wrong PINs, a forgotten PIN, and sign-out."""

import hashlib
import json

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from sqlalchemy import func, select

from peerkit.extensions import db
from peerkit.models import Consent, Device, FieldReport, KitSupply, TrainingSession
from peerkit.signing import recipient_code_salt

from . import field
from .conftest import serious_accessibility_problems, shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

RECIPIENT = ("JD", "1990-04-01", "Female")
DISTRICT = "ZE23"  # typed once, found nowhere else in the app or its reference data
FREE_TEXT = "Bluefinch-tranq-8841"
CANARY = "PEERKIT-CANARY-7d41c0"


def _count(model, **where):
    """Rows on the server (the transaction ends at once: SQLite's lock would otherwise keep
    the live server from storing anything)."""
    count = db.session.scalar(select(func.count()).select_from(model).filter_by(**where))
    db.session.commit()
    return count


def _files_containing(profile, needles: list[str]) -> dict[str, list[str]]:
    """Each needle found in any file under the browser profile, in UTF-8, Latin-1 or
    UTF-16LE (Chromium keeps short strings as Latin-1 or UTF-16 in IndexedDB values)."""
    forms = {n: {n.encode("utf-8"), n.encode("latin-1"), n.encode("utf-16-le")} for n in needles}
    hits: dict[str, list[str]] = {}
    for path in sorted(profile.rglob("*")):
        if not path.is_file():
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for needle, encoded in forms.items():
            if any(e in data for e in encoded):
                hits.setdefault(needle, []).append(str(path.relative_to(profile)))
    return hits


def _put_canary(page):
    """A distinctive, non-secret value stored in clear through the same IndexedDB path."""
    page.evaluate(
        """canary => new Promise(resolve => {
        const open = indexedDB.open('peerkit');
        open.onsuccess = () => {
          const tx = open.result.transaction('meta', 'readwrite');
          tx.objectStore('meta').put({key: 'testCanary', value: canary});
          tx.oncomplete = () => { open.result.close(); resolve(true); };
        };
    })""",
        CANARY,
    )


def _stores(page) -> dict:
    """What IndexedDB holds: {store: [rows]} with bytes left out, for assertions."""
    return page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open('peerkit');
        open.onsuccess = () => {
          const db = open.result;
          const names = [...db.objectStoreNames];
          if (!names.length) { db.close(); resolve({}); return; }
          const tx = db.transaction(names);
          const out = {};
          for (const name of names) {
            const all = tx.objectStore(name).getAll();
            all.onsuccess = () => { out[name] = JSON.parse(JSON.stringify(all.result)); };
          }
          tx.oncomplete = () => { db.close(); resolve(out); };
        };
    })""")


def _put_away(page):
    """Put the phone away. Headless Chromium keeps every page visible (switching tabs or
    minimising the window changes nothing), so the page is told what a phone's browser
    reports: visibilityState "hidden" and a visibilitychange event; then it is shown again."""
    page.evaluate("""() => {
        Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true });
        document.dispatchEvent(new Event('visibilitychange'));
        delete document.visibilityState;
        document.dispatchEvent(new Event('visibilitychange'));
    }""")


def _record_report(page):
    page.get_by_role("link", name="Suspected bad batch").click()
    form = page.locator("#form-report")
    form.get_by_label("Drug, as people described it").fill(FREE_TEXT)
    form.get_by_role("button", name="Save report").click()
    page.wait_for_url("**/app#home")


def test_nothing_readable_on_disk_and_the_outbox_syncs_locked(
    live_server, launch_phone, two_areas, kits_for, tmp_path
):
    north = two_areas.north
    kits_for(north, north.peer, 10)
    salt = recipient_code_salt(north.area.id)
    db.session.commit()  # end the read, or SQLite's lock keeps the live server from writing
    code = hashlib.pbkdf2_hmac(
        "sha256", f"JD|{RECIPIENT[1]}|F".encode(), salt.encode(), 600_000, 16
    ).hex()
    context = launch_phone()
    page = context.new_page()
    pushed = []
    page.on(
        "request", lambda r: pushed.append(r.post_data) if r.url.endswith("/sync/push") else None
    )
    field.sign_in_and_enrol(page, live_server, "north-peer")

    context.set_offline(True)
    field.record_supply(page, recipient=RECIPIENT, area=DISTRICT)
    _record_report(page)
    field.expect_waiting(page, 2)
    _put_canary(page)
    context.close()

    # The search works: the canary stored the same way is found ...
    profile = tmp_path / "profile"
    assert CANARY in _files_containing(profile, [CANARY])
    # ... and none of what was typed, made or pulled is.
    secrets = [DISTRICT, code, salt, FREE_TEXT]
    assert _files_containing(profile, secrets) == {}

    # Restarted with no signal: locked; the PIN shows what waits.
    context = launch_phone(offline=True)
    page = context.new_page()
    page.on(
        "request", lambda r: pushed.append(r.post_data) if r.url.endswith("/sync/push") else None
    )
    page.goto(f"{live_server}/app")
    expect(page.locator("#screen-lock")).to_be_visible(timeout=20_000)
    shot(page, "locked")
    field.unlock(page)
    field.expect_waiting(page, 2)

    # Put away: locked at once. Signal returns while locked: everything is sent.
    _put_away(page)
    expect(page.locator("#screen-lock")).to_be_visible()
    assert page.locator("#screen-home").is_hidden()
    context.set_offline(False)
    # Emulated signal may not fire "online"; the app's retry would get there too, slower.
    page.evaluate("window.dispatchEvent(new Event('online'))")
    for _ in range(200):
        if _count(KitSupply) == 1:
            break
        page.wait_for_timeout(100)
    assert _count(KitSupply) == 1 and _count(FieldReport) == 1
    expect(page.locator("#screen-lock")).to_be_visible()  # still locked
    supply = db.session.scalars(select(KitSupply)).one()
    assert supply.area == DISTRICT and supply.recipient_code == f"v2-{code}"
    assert db.session.get(Consent, supply.consent_id).recipient_code == f"v2-{code}"
    db.session.commit()
    # What crossed the wire was sealed: nothing typed is in the request bodies.
    records = [r for body in pushed if body for r in json.loads(body)["records"]]
    assert records and all("sealed" in r and "data" not in r for r in records)
    assert not any(s in body for body in pushed if body for s in secrets)

    # Unlocked and synced again: still stored exactly once.
    field.unlock(page)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#sync-status")).to_have_text("All sent.", timeout=20_000)
    assert _count(KitSupply) == 1 and _count(FieldReport) == 1


def test_locks_when_unused_and_opens_with_the_pin(live_server, launch_phone, two_areas):
    context = launch_phone()
    # The documented test hook: the five minutes become one and a half seconds.
    context.add_init_script("window.peerkitTestHooks = { idleMs: 1500 };")
    page = context.new_page()
    field.sign_in_and_enrol(page, live_server, "north-peer")
    expect(page.locator("#screen-lock")).to_be_visible(timeout=10_000)
    expect(page.get_by_label("PIN", exact=True)).to_have_attribute("inputmode", "numeric")
    assert serious_accessibility_problems(page) == []
    page.locator("#pin").fill("000000")
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator("#unlock-error")).to_contain_text("9 tries left")
    field.unlock(page)
    expect(page.locator("#screen-home")).to_be_visible()
    expect(page.locator("#unlock-error")).to_have_text("")


def test_ten_wrong_pins_send_first_then_clear(live_server, launch_phone, two_areas, kits_for):
    north = two_areas.north
    kits_for(north, north.peer, 10)
    context = launch_phone()
    page = context.new_page()
    field.sign_in_and_enrol(page, live_server, "north-peer")
    context.set_offline(True)
    field.record_supply(page, recipient=RECIPIENT, area=DISTRICT)
    field.expect_waiting(page, 1)
    _put_away(page)
    expect(page.locator("#screen-lock")).to_be_visible()
    for attempt in range(1, 11):
        page.locator("#pin").fill(f"99999{attempt % 10}")
        page.get_by_role("button", name="Unlock").click()
        if attempt < 10:
            expect(page.locator("#unlock-error")).to_contain_text(f"{10 - attempt} tr")
    # No signal: what the phone showed is gone at once, the sealed records wait to be sent.
    expect(page.locator("#screen-clearing")).to_be_visible(timeout=20_000)
    expect(page.locator("#clearing-count")).to_have_text("2")  # the supply and its consent
    stores = _stores(page)
    assert stores["records"] == [] and stores["sent"] == []
    assert {r["key"] for r in stores["meta"]}.isdisjoint({"vault", "snapshot", "returningPeople"})
    assert _count(KitSupply) == 0
    shot(page, "too-many-pins")

    context.set_offline(False)
    # The phone tries again by itself when the signal returns; the button is for a person
    # who will not wait. Either way it sends, then clears.
    if page.locator("#screen-clearing").is_visible():
        try:
            page.get_by_role("button", name="Try sending now").click(timeout=5_000)
        except PlaywrightTimeout:
            pass  # it had already sent and moved on to set-up
    expect(page.locator("#screen-setup")).to_be_visible(timeout=20_000)
    expect(page.locator("#setup-message")).to_contain_text("Too many wrong PINs")
    assert _count(KitSupply) == 1 and _count(Consent) == 1  # sent first ...
    assert field.outbox_and_token(page) == [0, None]  # ... then cleared


def test_a_forgotten_pin_loses_nothing_saved(live_server, launch_phone, two_areas, kits_for):
    north = two_areas.north
    kits_for(north, north.peer, 10)
    context = launch_phone()
    page = context.new_page()
    field.sign_in_and_enrol(page, live_server, "north-peer")
    context.set_offline(True)
    field.record_supply(page, recipient=RECIPIENT, area=DISTRICT)
    field.record_use(page)
    field.expect_waiting(page, 2)
    page.reload()
    expect(page.locator("#screen-lock")).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="I forgot my PIN").click()
    page.get_by_role("button", name="Choose a new PIN").click()
    expect(page.locator("#screen-pin-setup")).to_be_visible()
    stores = _stores(page)
    assert stores["records"] == [] and len(stores["outbox"]) == 3
    field.choose_pin(page, "13579111")
    context.set_offline(False)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#waiting-count")).to_have_text("0", timeout=20_000)
    assert _count(KitSupply) == 1 and _count(Consent) == 1
    # The reference data came back with the next pull: kits in hand are known again.
    expect(page.locator("#kits tbody")).to_contain_text("9")


def test_sign_out_sends_then_revokes_then_wipes(live_server, launch_phone, two_areas, kits_for):
    north = two_areas.north
    kits_for(north, north.peer, 10)
    context = launch_phone()
    page = context.new_page()
    field.sign_in_and_enrol(page, live_server, "north-peer")
    context.set_offline(True)
    field.record_supply(page, area=DISTRICT)
    page.get_by_role("link", name="This phone").click()
    page.get_by_role("button", name="Sign out of this phone").click()
    # No signal: it says so, and does not sign out without being told to.
    expect(page.locator("#signout-warning")).to_contain_text("not reached the server")
    assert field.outbox_and_token(page)[0] == 1

    context.set_offline(False)
    page.get_by_role("button", name="Sign out of this phone").click()
    expect(page.locator("#screen-setup")).to_be_visible(timeout=20_000)
    assert _count(KitSupply) == 1
    device = db.session.scalars(select(Device)).one()
    db.session.commit()
    assert device.revoked_at is not None
    assert field.outbox_and_token(page) == [0, None]


def test_an_older_phones_plain_records_are_encrypted_sealed_and_sent(
    live_server, launch_phone, two_areas
):
    context = launch_phone()
    page = context.new_page()
    field.sign_in_and_enrol(page, live_server, "north-peer")
    context.set_offline(True)
    # What a version before the lock left: no PIN, a record and a private row in clear.
    page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open('peerkit');
        open.onsuccess = () => {
          const tx = open.result.transaction(['records', 'outbox', 'meta'], 'readwrite');
          const now = new Date().toISOString();
          tx.objectStore('records').put({ id: 'b9d7e0a4-3c1f-4f7e-9a57-2f0c6c1d9e01',
            kind: 'training_session', savedAt: now, data: { client_created_at: now,
              session_date: now.slice(0, 10), mode: 'one_to_one', kind: 'overdose_awareness',
              topics: ['call_999'], attendees_at_risk: 2, attendees_family: 0,
              attendees_worker: 0, attendees_unknown: 0, kits_taken: 1,
              trainee_user_id: null, site_id: null } });
          tx.objectStore('outbox').put({ id: 'b9d7e0a4-3c1f-4f7e-9a57-2f0c6c1d9e01',
            kind: 'training_session', state: 'queued', queuedAt: now, answer: null });
          tx.objectStore('meta').put({ key: 'lastChoices',
                                       value: { recipient_category: 'at_risk' } });
          for (const key of ['vault', 'snapshot', 'returningPeople', 'savedConfirmation']) {
            tx.objectStore('meta').delete(key);
          }
          tx.oncomplete = () => { open.result.close(); resolve(true); };
        };
    })""")
    page.reload()
    expect(page.locator("#screen-pin-setup")).to_be_visible(timeout=20_000)
    assert serious_accessibility_problems(page) == []
    field.choose_pin(page)
    stores = _stores(page)
    [record] = stores["records"]
    [entry] = stores["outbox"]
    assert "data" not in record and record["secret"]
    assert entry["sealed"]["kid"] and entry["sealed"]["ct"]
    assert "value" not in next(r for r in stores["meta"] if r["key"] == "lastChoices")

    context.set_offline(False)
    page.get_by_role("button", name="Sync now").click()
    expect(page.locator("#waiting-count")).to_have_text("0", timeout=20_000)
    assert _count(TrainingSession) == 1
