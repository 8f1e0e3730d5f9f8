"""Coordination through the real forms (CSRF on): lost phones, alerts, sign-off, audit."""

import datetime as dt

from sqlalchemy import select

from peerkit.extensions import db
from peerkit.models import AuditEvent, Device, DrugAlert, KitSupply

from . import api_helpers as h
from .conftest import csrf_token_from


def _post(client, url, data, form_page):
    token = csrf_token_from(client.get(form_page))
    return client.post(url, data={**data, "csrf_token": token})


def test_coordinator_locks_out_a_lost_phone(client, auth, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    device_id = db.session.scalars(select(Device.id)).one()
    auth.login("north-coordinator")
    page = client.get("/coordination/devices")
    assert b"north-peer" not in page.data  # display names, not usernames
    assert b"Test peer" in page.data
    response = _post(
        client,
        f"/coordination/devices/{device_id}/revoke",
        {"reason": "Lost on the bus"},
        "/coordination/devices",
    )
    assert response.status_code == 302
    db.session.expire_all()
    device = db.session.get(Device, device_id)
    assert device.revoked_at is not None and device.revoked_reason == "Lost on the bus"
    pulled = client.get("/api/v1/sync/pull", headers=h.bearer(token))
    assert pulled.json["error"]["code"] == "device_revoked"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "device.revoke"))


def test_another_service_cannot_lock_out_or_see_the_phone(client, auth, two_areas):
    h.token_for(two_areas.north.peer)
    device_id = db.session.scalars(select(Device.id)).one()
    auth.login("south-coordinator")
    assert b"Test peer" not in client.get("/coordination/devices").data
    response = _post(
        client,
        f"/coordination/devices/{device_id}/revoke",
        {"reason": "malice"},
        "/coordination/devices",
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Device, device_id).revoked_at is None


def test_revoking_without_a_reason_or_csrf_changes_nothing(client, auth, two_areas):
    h.token_for(two_areas.north.peer)
    device_id = db.session.scalars(select(Device.id)).one()
    auth.login("north-coordinator")
    no_csrf = client.post(f"/coordination/devices/{device_id}/revoke", data={"reason": "x"})
    assert no_csrf.status_code == 400
    _post(
        client, f"/coordination/devices/{device_id}/revoke", {"reason": ""}, "/coordination/devices"
    )
    db.session.expire_all()
    assert db.session.get(Device, device_id).revoked_at is None


def test_an_alert_reaches_the_services_phones_and_no_others(client, auth, two_areas):
    north, south = two_areas.north, two_areas.south
    north_token, south_token = h.token_for(north.peer), h.token_for(south.peer)
    auth.login("north-coordinator")
    response = _post(
        client,
        "/coordination/alerts",
        {
            "substance": "Nitazene-laced heroin",
            "area_description": "Town centre, NB1",
            "description": "Three overdoses in a day",
            "advice": "Carry naloxone; don't use alone",
            "grading": "red",
            "days": "7",
        },
        "/coordination/alerts",
    )
    assert response.status_code == 302
    north_alerts = client.get("/api/v1/sync/pull", headers=h.bearer(north_token)).json
    assert [a["substance"] for a in north_alerts["changes"]["alerts"]] == ["Nitazene-laced heroin"]
    assert north_alerts["changes"]["alerts"][0]["grading"] == "red"
    south_alerts = client.get("/api/v1/sync/pull", headers=h.bearer(south_token)).json
    assert south_alerts["changes"]["alerts"] == []
    # Withdrawn early: the phone hears of it at its next pull.
    alert_id = db.session.scalars(select(DrugAlert.id)).one()
    _post(client, f"/coordination/alerts/{alert_id}/withdraw", {}, "/coordination/alerts")
    again = client.get(
        f"/api/v1/sync/pull?cursor={north_alerts['cursor']}", headers=h.bearer(north_token)
    ).json
    assert again["changes"]["alerts"][0]["withdrawn"] is True


def test_a_bad_alert_is_refused_naming_the_field(client, auth, two_areas):
    auth.login("north-coordinator")
    response = _post(
        client,
        "/coordination/alerts",
        {
            "substance": "",
            "area_description": "NB1",
            "description": "x",
            "advice": "y",
            "grading": "red",
            "days": "400",
        },
        "/coordination/alerts",
    )
    assert response.status_code == 400
    assert b"This field is required" in response.data
    assert b"Number must be between 1 and 90" in response.data
    assert db.session.scalars(select(DrugAlert)).all() == []


def test_sign_off_lets_a_new_peer_supply(client, auth, make_user, two_areas):
    north = two_areas.north
    newcomer = make_user("peer", north.peers, username="newcomer", signed_off=False)
    token = h.token_for(newcomer)
    held = h.push(client, token, [h.kit_supply(north)]).json["results"][0]
    assert held["status"] == "held"
    auth.login("north-coordinator")
    people = client.get("/coordination/people").get_data(as_text=True)
    assert "not signed off" in people
    today = dt.date.today().isoformat()
    response = _post(
        client,
        f"/coordination/people/{newcomer.id}/sign-off",
        {"trained_on": today, "assessed_on": today},
        f"/coordination/people/{newcomer.id}/sign-off",
    )
    assert response.status_code == 302
    stored = h.push(client, token, [h.kit_supply(north)]).json["results"][0]
    assert stored["status"] == "stored"
    assert [
        (s.user_id, s.review_status)
        for s in db.session.scalars(select(KitSupply).order_by(KitSupply.received_at))
    ] == [(newcomer.id, "held"), (newcomer.id, "counted")]


def test_sign_off_dates_are_checked_and_other_services_people_are_out_of_reach(
    client, auth, two_areas
):
    auth.login("north-coordinator")
    peer = two_areas.north.peer
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    bad = _post(
        client,
        f"/coordination/people/{peer.id}/sign-off",
        {"trained_on": future, "assessed_on": future},
        f"/coordination/people/{peer.id}/sign-off",
    )
    assert bad.status_code == 400 and b"cannot be in the future" in bad.data
    south_peer = two_areas.south.peer
    assert client.get(f"/coordination/people/{south_peer.id}/sign-off").status_code == 404


def test_audit_log_is_scoped_to_the_service(client, auth, two_areas):
    auth.login("north-coordinator")
    _post(
        client,
        "/coordination/alerts",
        {
            "substance": "Xylazine",
            "area_description": "NB2",
            "description": "d",
            "advice": "a",
            "grading": "amber",
            "days": "3",
        },
        "/coordination/alerts",
    )
    page = client.get("/coordination/audit?action=drug_alert.create")
    assert b"drug_alert.create" in page.data and b"Test coordinator" in page.data
    auth.logout()
    auth.login("south-coordinator")
    assert b"drug_alert.create" not in client.get("/coordination/audit").data


def test_audit_log_filters_by_person_and_date(client, auth, two_areas):
    auth.login("north-coordinator")
    _post(
        client,
        "/coordination/alerts",
        {
            "substance": "Xylazine",
            "area_description": "NB2",
            "description": "d",
            "advice": "a",
            "grading": "amber",
            "days": "3",
        },
        "/coordination/alerts",
    )
    me = two_areas.north.coordinator.id
    today = dt.date.today()
    row = b"Test coordinator sent an amber drug alert about Xylazine"
    hit = client.get(f"/coordination/audit?user={me}&since={today}&until={today}")
    assert row in hit.data
    other = two_areas.north.peer.id
    assert row not in client.get(f"/coordination/audit?user={other}").data
    tomorrow = today + dt.timedelta(days=1)
    assert row not in client.get(f"/coordination/audit?since={tomorrow}").data
