"""Phones: the same browser set up again replaces its old device; "waiting" says when."""

import datetime as dt

from sqlalchemy import select

from peerkit.coordination.phones import waiting_text
from peerkit.extensions import db
from peerkit.models import AuditEvent, Device, KitSupply, utcnow

from . import api_helpers as h
from .conftest import AuthActions, csrf_token_from


def _set_up(client, auth, username, label):
    """Sign in and set this browser up, as enrol.js does; the browser keeps its cookies."""
    auth.login(username)
    token = csrf_token_from(client.get("/login"))
    response = client.post("/api/v1/devices", json={"label": label}, headers={"X-CSRFToken": token})
    assert response.status_code == 201, response.json
    auth.logout()
    return response


def test_the_installation_cookie_is_httponly_strict_and_scoped_to_set_up(client, auth, two_areas):
    response = _set_up(client, auth, "north-peer", "Pixel")
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("peerkit_installation=")
    )
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert "Path=/api/v1/devices" in cookie and "Max-Age=34560000" in cookie
    value = cookie.split(";")[0].split("=", 1)[1]
    # Only a hash of it is stored: the database cannot be read back into a cookie.
    stored = db.session.scalars(select(Device.installation_hash)).one()
    assert stored and value not in stored


def test_setting_the_same_browser_up_again_replaces_its_old_phone(client, auth, two_areas):
    north = two_areas.north
    first = _set_up(client, auth, "north-peer", "Pixel").json
    supply = h.kit_supply(north)
    assert h.push(client, first["token"], [supply]).json["results"][0]["status"] == "stored"
    second = _set_up(client, auth, "north-peer", "Pixel again").json
    db.session.expire_all()
    old = db.session.get(Device, first["device_id"])
    new = db.session.get(Device, second["device_id"])
    assert old.revoked_at is not None and old.replaced_by_id == new.id
    assert old.revoked_reason == "Replaced: this browser was set up again"
    assert new.revoked_at is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "device.replace"))
    assert event.object_id == old.id and event.detail == {"replaced_by": new.id}
    # What the old phone sent stays its own.
    assert db.session.get(KitSupply, supply["id"]).device_id == old.id
    # A record still sent with the old token is kept, and held for a person to check.
    late = h.kit_supply(north)
    answer = h.push(client, first["token"], [late]).json
    assert answer["results"][0]["status"] == "held" and answer["device"]["revoked"] is True
    assert db.session.get(KitSupply, late["id"]).hold_reason == (
        "Sent from a phone that has been set up again since."
    )
    # Someone else setting up the same browser replaces it too.
    third = _set_up(client, auth, "north-pharmacist", "Counter PC").json
    db.session.expire_all()
    assert db.session.get(Device, second["device_id"]).replaced_by_id == third["device_id"]


def test_another_browser_is_another_phone(client, app, auth, two_areas):
    _set_up(client, auth, "north-peer", "Pixel")
    other = app.test_client()  # another browser: its own cookie jar
    _set_up(other, AuthActions(other), "north-peer", "Tablet")
    assert db.session.scalar(select(Device).where(Device.revoked_at.is_not(None))) is None
    assert len(db.session.scalars(select(Device)).all()) == 2


def test_waiting_is_what_is_left_after_the_push_and_says_when(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    h.push(client, token, [h.kit_supply(north), h.kit_supply(north)], records_waiting=5)
    device = db.session.scalars(select(Device)).one()
    db.session.refresh(device)
    assert device.records_waiting == 3
    now = device.records_waiting_at + dt.timedelta(hours=2, minutes=5)
    assert waiting_text(device, now) == "Waiting: 3 (reported 2 hours ago)"
    h.push(client, token, [h.kit_supply(north) for _ in range(3)], records_waiting=3)
    db.session.refresh(device)
    assert device.records_waiting == 0 and waiting_text(device, utcnow()) == "Nothing waiting"


def test_the_phones_screen_groups_older_phones_and_counts_honestly(client, auth, two_areas):
    for label in ("First Pixel", "Second Pixel", "Third Pixel"):
        _set_up(client, auth, "north-peer", label)
    h.token_for(two_areas.north.pharmacist)
    auth.login("north-coordinator")
    page = client.get("/coordination/devices").get_data(as_text=True)
    assert "<strong>2</strong> phones in use" in page
    assert page.count('<th scope="row">Test peer</th>') == 1
    assert "2 older phones of Test peer" in page
    current, older = page.split("2 older phones of Test peer")
    assert "Third Pixel" in current and "First Pixel" in older and "Second Pixel" in older
    assert older.count("set up again in the same browser") == 2
    overview = client.get("/coordination/").get_data(as_text=True)
    assert "<strong>2</strong> phones in use" in overview
