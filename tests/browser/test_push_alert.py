"""Issue 15, end to end: a peer flags a bad batch offline; it syncs; the coordinator issues
an area-wide alert; the server sends a real encrypted Web Push message for a phone of
another service in the area (its subscription's endpoint is a local receiver standing in
for the browser's push service, which cannot be reached here); the test decrypts it with
the subscription's keys and delivers it to that phone's service worker through the
DevTools protocol (`ServiceWorker.deliverPushMessage`), which shows the notification and
tells the server; and the phone shows the alert offline after its next pull."""

import json

import http_ece
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from playwright.sync_api import expect
from sqlalchemy import select

from peerkit.extensions import db
from peerkit.models import AlertDelivery, FieldReport

from ..test_frontline_intel import _b64, _issue, _signed_in, receiver, second_service, vapid  # noqa: F401  (fixtures)
from . import field
from .conftest import shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def _rows(statement) -> list:
    rows = db.session.execute(statement).all()
    db.session.commit()  # let SQLite's lock go while the live server works
    return rows


def test_a_flagged_batch_becomes_an_area_alert_pushed_to_another_services_phone(
    app, live_server, launch_phone, browser, phone, two_areas, second_service, receiver, vapid
):
    # A peer of the first service flags a bad batch with no signal; it syncs later.
    peer_context = launch_phone()
    peer = peer_context.new_page()
    field.sign_in_and_enrol(peer, live_server, "north-peer")
    peer_context.set_offline(True)
    peer.get_by_role("link", name="Suspected bad batch").click()
    report = peer.locator("#form-report")
    report.get_by_label("Postcode district").fill("M14")
    report.get_by_label("Drug, as people described it").fill("Heroin, green tinge")
    report.get_by_label("More than one dose of naloxone was needed").check()
    report.get_by_role("button", name="Save report").click()
    peer.wait_for_url("**/app#home")
    peer_context.set_offline(False)
    field.expect_waiting(peer, 0)
    assert [r for (r,) in _rows(select(FieldReport.drug_described))] == ["Heroin, green tinge"]

    # A pharmacist of another service in the area: a phone that allows notifications,
    # whose subscription points at the local receiver.
    pharmacy_context = browser.new_context(**phone)
    pharmacy_context.grant_permissions(["notifications"], origin=live_server)
    pharmacy = pharmacy_context.new_page()
    field.sign_in_and_enrol(pharmacy, live_server, "north-second-pharmacist")
    token = pharmacy.evaluate("""new Promise(resolve => {
        const open = indexedDB.open('peerkit');
        open.onsuccess = () => {
          const get = open.result.transaction('meta').objectStore('meta').get('token');
          get.onsuccess = () => resolve(get.result.value);
        };
    })""")
    keys = ec.generate_private_key(ec.SECP256R1())
    p256dh = keys.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    secret = b"fedcba9876543210"
    subscribed = requests.put(
        f"{live_server}/api/v1/push-subscription",
        timeout=10,
        json={
            "permission": "granted",
            "endpoint": f"{receiver.url}/push/pharmacy-phone",
            "keys": {"p256dh": _b64(p256dh), "auth": _b64(secret)},
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert subscribed.status_code == 200

    # The coordinator turns the report into an area-wide red alert, with the agreement.
    coordinator = _signed_in(app, "north-coordinator")
    issued = _issue(
        coordinator,
        scope="area",
        agreed_by=str(two_areas.north.commissioner.id),
        agreement_note="Phone call, 1/12",
        substance="Heroin, green tinge",
    )
    assert issued.status_code == 302
    db.session.commit()
    assert len(receiver.received) == 1
    clear = http_ece.decrypt(
        receiver.received[0]["body"], private_key=keys, auth_secret=secret, version="aes128gcm"
    )
    message = json.loads(clear)
    assert message["title"] == "RED: Heroin, green tinge"

    # The push service would now wake the phone: deliver the message to its worker.
    cdp = pharmacy_context.new_cdp_session(pharmacy)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(event["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    ours = []
    for _ in range(100):  # the registration events arrive just after enabling
        ours = [
            r
            for r in registrations
            if r["scopeURL"].rstrip("/") == live_server and not r["isDeleted"]
        ]
        if ours:
            break
        pharmacy.wait_for_timeout(100)
    registration = ours[0]
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {
            "origin": live_server,
            "registrationId": registration["registrationId"],
            "data": clear.decode(),
        },
    )
    field.until(
        pharmacy,
        """navigator.serviceWorker.ready
        .then(r => r.getNotifications())
        .then(list => list.some(n => n.title === 'RED: Heroin, green tinge'))""",
    )
    # The worker told the server the phone received it.
    received = []
    for _ in range(100):
        received = [at for (at,) in _rows(select(AlertDelivery.received_at)) if at is not None]
        if received:
            break
        pharmacy.wait_for_timeout(200)
    assert received

    # Its next pull brings the alert, which then shows with no signal.
    pharmacy.get_by_role("button", name="Sync now").click()
    expect(pharmacy.locator("#alerts")).to_contain_text("RED: Heroin, green tinge", timeout=20_000)
    pharmacy_context.set_offline(True)
    pharmacy.reload()
    field.ready(pharmacy)
    expect(pharmacy.locator("#alerts")).to_contain_text("RED: Heroin, green tinge")
    shot(pharmacy, "push-alert-offline")
    pharmacy_context.close()
