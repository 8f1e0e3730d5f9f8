"""Device tokens: enrolment, revocation, tampering, rotation, and who may enrol."""

from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from peerkit.devices import revoke_device
from peerkit.extensions import db
from peerkit.models import AuditEvent, Device, KitSupply
from peerkit.signing import DEVICE_TOKEN_SALT

from . import api_helpers as h
from .conftest import csrf_token_from, make_app


def _enrol(client, auth, username):
    auth.login(username)
    token = csrf_token_from(client.get("/login"))
    return client.post(
        "/api/v1/devices", json={"label": "Sam's phone"}, headers={"X-CSRFToken": token}
    )


def test_signed_in_peer_enrols_and_the_token_works(client, auth, two_areas):
    response = _enrol(client, auth, "north-peer")
    assert response.status_code == 201
    body = response.json
    assert body["user"]["username"] == "north-peer"
    pull = client.get("/api/v1/sync/pull", headers=h.bearer(body["token"]))
    assert pull.status_code == 200
    assert db.session.scalars(select(AuditEvent.action)).all().count("device.enrol") == 1


def test_enrolment_needs_sign_in_csrf_and_a_field_role(client, auth, two_areas):
    anonymous = client.post("/api/v1/devices", json={})
    assert anonymous.status_code == 401 and anonymous.json["error"]["code"] == "not_authenticated"
    auth.login("north-peer")
    no_csrf = client.post("/api/v1/devices", json={"label": "x"})
    assert no_csrf.status_code == 400 and no_csrf.json["error"]["code"] == "csrf_failed"
    auth.logout()
    commissioner = _enrol(client, auth, "north-commissioner")
    assert commissioner.status_code == 403
    assert db.session.scalars(select(Device)).all() == []


def test_cli_provisions_a_token(runner, client, two_areas):
    result = runner.invoke(args=["peerkit", "enrol-device", "north-pharmacist"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert client.get("/api/v1/sync/pull", headers=h.bearer(token)).status_code == 200
    refused = runner.invoke(args=["peerkit", "enrol-device", "north-commissioner"])
    assert refused.exit_code != 0


def test_revoked_device_is_refused_at_once_and_told_to_wipe(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    record = h.kit_supply(north)
    assert h.push(client, token, [record]).status_code == 200
    device = db.session.scalars(select(Device)).one()
    revoke_device(device, north.coordinator, "Lost on the bus")
    db.session.commit()
    response = client.get("/api/v1/sync/pull", headers=h.bearer(token))
    assert response.status_code == 401
    assert response.json["error"]["code"] == "device_revoked"
    assert response.json["error"]["wipe"] is True
    # It may still hand over what it had not sent: kept, held, and told to wipe after.
    late = h.kit_supply(north)
    answer = h.push(client, token, [late]).json
    assert answer["results"][0]["status"] == "held"
    assert "locked-out phone" in answer["results"][0]["message"]
    assert answer["device"]["revoked"] is True
    # What it had already sent stays.
    assert db.session.get(KitSupply, record["id"]) is not None
    assert db.session.scalars(select(AuditEvent.action)).all().count("device.revoke") == 1


def test_tampered_forged_and_missing_tokens_are_refused(client, app, two_areas):
    token = h.token_for(two_areas.north.peer)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    forged = URLSafeSerializer("not-our-key", salt=DEVICE_TOKEN_SALT).dumps(
        {"d": db.session.scalars(select(Device.id)).one(), "v": 1}
    )
    for headers, code in (
        ({}, "not_authenticated"),
        ({"Authorization": "Basic abc"}, "not_authenticated"),
        (h.bearer(tampered), "invalid_token"),
        (h.bearer(forged), "invalid_token"),
    ):
        response = client.get("/api/v1/sync/pull", headers=headers)
        assert response.status_code == 401
        assert response.json["error"]["code"] == code


def test_old_token_version_and_disabled_account_are_refused(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    device = db.session.scalars(select(Device)).one()
    device.token_version += 1
    db.session.commit()
    assert (
        client.get("/api/v1/sync/pull", headers=h.bearer(token)).json["error"]["code"]
        == "invalid_token"
    )
    token = h.token_for(north.pharmacist)
    north.pharmacist.active = False
    db.session.commit()
    response = client.get("/api/v1/sync/pull", headers=h.bearer(token))
    assert response.status_code == 403 and response.json["error"]["code"] == "account_disabled"


def test_device_keys_rotate_without_breaking_enrolled_phones(database_url, two_areas, client):
    token = h.token_for(two_areas.north.peer)
    db.session.commit()  # end this test's transaction: the other apps share the database
    rotated = make_app(database_url, DEVICE_TOKEN_KEYS=["test-secret-key-" + "x" * 32, "new-key"])
    with rotated.app_context():
        old_still_valid = rotated.test_client().get("/api/v1/sync/pull", headers=h.bearer(token))
        assert old_still_valid.status_code == 200
        db.engine.dispose()
    dropped = make_app(database_url, DEVICE_TOKEN_KEYS=["new-key"])
    with dropped.app_context():
        assert (
            dropped.test_client().get("/api/v1/sync/pull", headers=h.bearer(token)).status_code
            == 401
        )
        db.engine.dispose()
