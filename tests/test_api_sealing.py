"""Sealed records (issue 14, point 1) and signing out on the phone (point 3), server side."""

import pytest
from sqlalchemy import func, inspect, select

from peerkit import config as config_module
from peerkit.extensions import db
from peerkit.models import AuditEvent, Device, KitSupply
from peerkit.sealing import b64url_decode, b64url_encode, key_id, load_key, new_key

from . import api_helpers as h
from .conftest import csrf_token_from, make_app
from .sealing import seal

OLD_KEY, NEW_KEY = new_key(), new_key()


def _supplies() -> int:
    return db.session.scalar(select(func.count()).select_from(KitSupply))


def _published(client, token) -> dict:
    """The sealing key the server publishes, read as a phone reads it: from a pull."""
    return client.get("/api/v1/sync/pull", headers=h.bearer(token)).json["sealing_key"]


def _columns(row) -> dict:
    """A stored row's fields that describe the record (not where or when it landed)."""
    skip = {"id", "sync_seq", "sync_xid", "received_at"}
    return {
        c.key: getattr(row, c.key)
        for c in inspect(KitSupply).mapper.column_attrs
        if c.key not in skip
    }


def test_published_key_matches_the_contract(client, two_areas):
    key = _published(client, h.token_for(two_areas.north.peer))
    point = b64url_decode(key["public_key"])
    assert len(point) == 65 and point[0] == 4
    assert key["kid"] == key_id(point) and len(key["kid"]) == 16
    assert int(key["kid"], 16) >= 0  # hex digits


def test_enrolment_gives_the_sealing_key(client, auth, two_areas):
    auth.login("north-peer")
    csrf = csrf_token_from(client.get("/login"))
    enrolled = client.post("/api/v1/devices", json={"label": "x"}, headers={"X-CSRFToken": csrf})
    assert enrolled.status_code == 201
    assert enrolled.json["sealing_key"] == _published(client, enrolled.json["token"])


def test_a_sealed_record_is_stored_as_the_plain_one_would_be(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    key = _published(client, token)
    record = h.kit_supply(north, area="M14")
    answer = h.push(client, token, [seal(record, key)]).json["results"]
    assert answer == [{"id": record["id"], "kind": "kit_supply", "status": "stored"}]
    sealed_row = _columns(db.session.get(KitSupply, record["id"]))
    # The same fields sent plain under the same id: a resend, so the digests match...
    plain = h.push(client, token, [record]).json["results"][0]
    assert plain["status"] == "duplicate"
    # ...and a second plain record of the same fields stores the same columns.
    twin = dict(record, id=h.new_id())
    assert h.push(client, token, [twin]).json["results"][0]["status"] == "stored"
    assert _columns(db.session.get(KitSupply, twin["id"])) == sealed_row
    assert sealed_row["area"] == "M14"


def test_plain_records_from_phones_queued_before_the_update_still_land(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    key = _published(client, token)
    records = [h.kit_supply(north), seal(h.kit_supply(north), key)]
    assert [r["status"] for r in h.push(client, token, records).json["results"]] == [
        "stored",
        "stored",
    ]


def test_a_replayed_sealed_record_is_a_duplicate_stored_once(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    key = _published(client, token)
    record = h.kit_supply(north)
    sealed = seal(record, key)
    first = h.push(client, token, [sealed]).json["results"][0]["status"]
    replayed = h.push(client, token, [sealed, sealed]).json["results"]
    resealed = h.push(client, token, [seal(record, key)]).json["results"][0]["status"]
    assert (first, [r["status"] for r in replayed], resealed) == (
        "stored",
        ["duplicate", "duplicate"],
        "duplicate",
    )
    assert _supplies() == 1


def test_keys_rotate_newest_first_and_old_seals_still_open(database_url, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    record, fresh, late = (h.kit_supply(north) for _ in range(3))
    # End this test's transaction and touch its objects no more: the apps share the database.
    db.session.commit()
    before = make_app(database_url, FIELD_SEALING_KEYS=[OLD_KEY])
    with before.app_context():
        old_published = _published(before.test_client(), token)
        queued = seal(record, old_published)  # sealed offline, before the rotation
        db.engine.dispose()
    rotated = make_app(database_url, FIELD_SEALING_KEYS=f"{NEW_KEY},{OLD_KEY}")
    with rotated.app_context():
        client = rotated.test_client()
        published = _published(client, token)
        assert published["kid"] == load_key(NEW_KEY).kid != old_published["kid"]
        answers = h.push(client, token, [queued, seal(fresh, published)]).json
        assert [r["status"] for r in answers["results"]] == ["stored", "stored"]
        db.engine.dispose()
    # Once the old key is dropped, what was sealed to it no longer opens.
    dropped = make_app(database_url, FIELD_SEALING_KEYS=[NEW_KEY])
    with dropped.app_context():
        answer = h.push(dropped.test_client(), token, [seal(late, old_published)]).json["results"][
            0
        ]
        assert answer["status"] == "invalid" and list(answer["errors"]) == ["sealed"]
        db.engine.dispose()


def _flip(text: str, at: int = 0) -> str:
    """`text` (base64url) with one bit of its bytes changed."""
    raw = bytearray(b64url_decode(text))
    raw[at] ^= 1
    return b64url_encode(bytes(raw))


def _another_servers_key() -> dict:
    return load_key(new_key()).published()


# name -> how to spoil a sealed record (given it, the published key and the record)
SPOILERS = {
    "wrong key": lambda s, key, r: seal(r, {**_another_servers_key(), "kid": key["kid"]}),
    "unknown kid": lambda s, key, r: seal(r, _another_servers_key()),
    "tampered ct": lambda s, key, r: {
        **s,
        "sealed": {**s["sealed"], "ct": _flip(s["sealed"]["ct"])},
    },
    "tampered tag": lambda s, key, r: {
        **s,
        "sealed": {**s["sealed"], "ct": _flip(s["sealed"]["ct"], -1)},
    },
    "tampered iv": lambda s, key, r: {
        **s,
        "sealed": {**s["sealed"], "iv": _flip(s["sealed"]["iv"])},
    },
    "tampered epk": lambda s, key, r: {
        **s,
        "sealed": {**s["sealed"], "epk": _flip(s["sealed"]["epk"], 40)},
    },
    "relabelled id": lambda s, key, r: seal(r, key, record_id=h.new_id()),
    "relabelled kind": lambda s, key, r: seal(r, key, kind="naloxone_use_report"),
    "bad base64": lambda s, key, r: {**s, "sealed": {**s["sealed"], "ct": "not*base64"}},
    "padded base64": lambda s, key, r: {
        **s,
        "sealed": {**s["sealed"], "iv": s["sealed"]["iv"] + "=="},
    },
    "short iv": lambda s, key, r: {**s, "sealed": {**s["sealed"], "iv": b64url_encode(b"x")}},
    "missing ct": lambda s, key, r: {
        **s,
        "sealed": {k: v for k, v in s["sealed"].items() if k != "ct"},
    },
    "extra field": lambda s, key, r: {**s, "sealed": {**s["sealed"], "alg": "none"}},
    "not an object": lambda s, key, r: {**s, "sealed": "opaque"},
    "not JSON": lambda s, key, r: seal(r, key, plaintext=b"\xff not json"),
    "JSON but not an object": lambda s, key, r: seal(r, key, plaintext=b'["M14"]'),
    "a field twice": lambda s, key, r: seal(r, key, plaintext=b'{"area": "M1", "area": "M2"}'),
}


@pytest.mark.parametrize("spoil", SPOILERS.values(), ids=SPOILERS.keys())
def test_a_sealed_record_that_does_not_open_is_invalid_alone(client, two_areas, spoil):
    north = two_areas.north
    token = h.token_for(north.peer)
    key = _published(client, token)
    record = h.kit_supply(north)
    spoilt = spoil(seal(record, key), key, record)
    before, after = h.kit_supply(north), seal(h.kit_supply(north), key)
    answers = h.push(client, token, [before, spoilt, after]).json["results"]
    assert [r["status"] for r in answers] == ["stored", "invalid", "stored"]
    assert answers[1]["id"] == record["id"] and answers[1]["kind"] == "kit_supply"
    assert list(answers[1]["errors"]) == ["sealed"]
    assert all(isinstance(m, str) and m for m in answers[1]["errors"]["sealed"])
    assert db.session.get(KitSupply, record["id"]) is None
    assert _supplies() == 2


def test_an_opened_record_is_validated_like_plain_data(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    record = h.kit_supply(north, quantity=0)
    answer = h.push(client, token, [seal(record, _published(client, token))]).json["results"][0]
    assert answer["status"] == "invalid" and list(answer["errors"]) == ["quantity"]


def test_data_and_sealed_together_or_neither_are_refused(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    record = h.kit_supply(north)
    both = {**seal(record, _published(client, token)), "data": record["data"]}
    neither = {"kind": "kit_supply", "id": h.new_id()}
    answers = h.push(client, token, [both, neither]).json["results"]
    assert [(r["status"], list(r["errors"])) for r in answers] == [
        ("invalid", ["sealed"]),
        ("invalid", ["data"]),
    ]
    assert _supplies() == 0


def test_nothing_sealed_reaches_the_logs(app, client, two_areas, caplog):
    north = two_areas.north
    token = h.token_for(north.peer)
    key = _published(client, token)
    sealed = seal(h.kit_supply(north, area="ZZ9"), key)
    spoilt = {**sealed, "id": h.new_id()}
    with caplog.at_level("DEBUG"):
        h.push(client, token, [sealed, spoilt])
    logged = caplog.text
    for secret in (
        sealed["sealed"]["ct"],
        sealed["sealed"]["epk"],
        "ZZ9",
        app.config["FIELD_SEALING_KEYS"][0][-20:],
    ):
        assert secret not in logged


def test_signing_out_revokes_the_phone_and_is_audited(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    sent = h.kit_supply(north)
    assert h.push(client, token, [sent]).status_code == 200
    answer = client.post("/api/v1/devices/current/sign-out", headers=h.bearer(token))
    assert answer.status_code == 200 and answer.json == {"signed_out": True}
    device = db.session.scalars(select(Device)).one()
    assert device.revoked_at is not None
    assert device.revoked_reason == "Signed out on the phone"
    assert device.revoked_by_id == north.peer.id
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.object_id == device.id)).all()
    assert [(e.action, e.user_id) for e in events if e.action.startswith("device.sign")] == [
        ("device.sign_out", north.peer.id)
    ]
    assert "device.revoke" not in [e.action for e in events]
    refused = client.get("/api/v1/sync/pull", headers=h.bearer(token))
    assert refused.status_code == 401
    # Told it was signed out, not that a coordinator locked it out.
    assert "signed out" in refused.json["error"]["message"]
    assert "coordinator" not in refused.json["error"]["message"]
    again = client.post("/api/v1/devices/current/sign-out", headers=h.bearer(token))
    assert again.status_code == 401
    # Anything it sends afterwards is kept and held, as from any locked-out phone.
    late = h.push(client, token, [h.kit_supply(north)]).json
    assert late["results"][0]["status"] == "held" and late["device"]["revoked"] is True
    assert late["results"][0]["message"].endswith("Sent from a phone after it was signed out.")
    assert "signed out" in late["device"]["message"]
    assert db.session.get(KitSupply, sent["id"]).review_status == "counted"


def test_signing_out_needs_the_phones_own_token(client, two_areas):
    assert client.post("/api/v1/devices/current/sign-out").status_code == 401
    forged = client.post("/api/v1/devices/current/sign-out", headers=h.bearer("x.y"))
    assert forged.status_code == 401
    assert (
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.action == "device.sign_out")
        ).all()
        == []
    )


def test_production_refuses_to_start_without_sealing_keys(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("PEERKIT_DEV", raising=False)
    monkeypatch.delenv("FIELD_SEALING_KEYS", raising=False)
    with pytest.raises(RuntimeError, match="FIELD_SEALING_KEYS is not set"):
        config_module.from_environment(tmp_path)
    assert not (tmp_path / "field_sealing_key").exists()  # no key made behind its back
    monkeypatch.setenv("FIELD_SEALING_KEYS", f" {NEW_KEY}, {OLD_KEY} ")
    assert config_module.from_environment(tmp_path)["FIELD_SEALING_KEYS"] == [NEW_KEY, OLD_KEY]


def test_development_keeps_a_generated_key_under_instance(monkeypatch, tmp_path):
    monkeypatch.setenv("PEERKIT_DEV", "1")
    monkeypatch.delenv("FIELD_SEALING_KEYS", raising=False)
    first = config_module.from_environment(tmp_path)["FIELD_SEALING_KEYS"]
    again = config_module.from_environment(tmp_path)["FIELD_SEALING_KEYS"]
    assert first == again and load_key(first[0]).kid
    assert (tmp_path / "field_sealing_key").stat().st_mode & 0o077 == 0


def test_a_malformed_key_stops_the_start_without_echoing_it(database_url):
    secretish = b64url_encode(b"not a key at all, but maybe a secret")
    with pytest.raises(RuntimeError, match="FIELD_SEALING_KEYS key 2 is") as refused:
        make_app(database_url, FIELD_SEALING_KEYS=[NEW_KEY, secretish])
    assert secretish not in str(refused.value) and NEW_KEY not in str(refused.value)


def test_make_sealing_key_prints_a_working_key_and_its_kid(runner):
    result = runner.invoke(args=["peerkit", "make-sealing-key"])
    assert result.exit_code == 0, result.output
    setting, comment = result.output.strip().splitlines()
    key = setting.removeprefix("FIELD_SEALING_KEYS=")
    assert load_key(key).kid in comment


def test_the_document_describes_the_sealed_form_and_where_the_key_comes_from(client):
    parts = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    assert set(parts["SealedRecord"]["required"]) == {"kid", "epk", "iv", "ct"}
    assert parts["PushRecord"]["properties"]["sealed"]["allOf"] == [
        {"$ref": "#/components/schemas/SealedRecord"}
    ]
    assert "data" not in parts["PushRecord"].get("required", [])
    for answer in ("EnrolResponse", "PullResponse"):
        assert "sealing_key" in parts[answer]["required"]
    assert set(parts["SealingKey"]["required"]) == {"kid", "public_key"}
