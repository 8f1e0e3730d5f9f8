"""Push: every record lands exactly once, each is answered on its own."""

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select, text

from peerkit.api import push
from peerkit.extensions import db
from peerkit.models import (
    Consent,
    Device,
    KitSupply,
    NaloxoneUseReport,
    StockMovement,
    TrainingSession,
)

from . import api_helpers as h


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_each_kind_is_stored_with_its_identity(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    session = h.training_session(north)
    records = [
        session,
        h.consent(),
        h.kit_supply(north, training_session_id=session["id"]),
        h.use_report(),
        h.stock_return(north),
    ]
    response = h.push(client, token, records, records_waiting=0)
    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["stored"] * 5
    supply = db.session.get(KitSupply, records[2]["id"])
    assert supply.user_id == north.peer.id
    assert supply.organisation_id == north.peers.id
    assert supply.device_id is not None
    assert supply.channel == "peer"
    assert supply.product_id == north.batch.product_id
    assert supply.training_session_id == session["id"]
    assert supply.received_at is not None and supply.client_created_at is not None
    assert supply.sync_seq is not None
    assert db.session.get(NaloxoneUseReport, records[3]["id"]).area == "M14"
    movement = db.session.get(StockMovement, records[4]["id"])
    assert movement.from_user_id == north.peer.id and movement.to_user_id is None
    assert _count(TrainingSession) == 1 and _count(Consent) == 1
    device = db.session.scalars(select(Device)).one()
    assert device.last_sync_at is not None and device.records_waiting == 0


def test_a_record_resent_many_times_is_stored_once(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    record = h.kit_supply(north)
    statuses = [h.push(client, token, [record]).json["results"][0]["status"] for _ in range(5)]
    assert statuses == ["stored", "duplicate", "duplicate", "duplicate", "duplicate"]
    assert _count(KitSupply) == 1


def test_the_same_record_twice_in_one_batch_is_stored_once(client, two_areas):
    north = two_areas.north
    record = h.kit_supply(north)
    results = h.push(client, h.token_for(north.peer), [record, record]).json["results"]
    assert [r["status"] for r in results] == ["stored", "duplicate"]
    assert _count(KitSupply) == 1


def test_changed_content_under_an_old_id_is_a_conflict(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    record = h.kit_supply(north)
    h.push(client, token, [record])
    changed = h.kit_supply(north, record_id=record["id"], area="M20")
    result = h.push(client, token, [changed]).json["results"][0]
    assert result["status"] == "conflict"
    assert db.session.get(KitSupply, record["id"]).area == "M14"
    # The same id used for another kind of record is a conflict too.
    other_kind = h.use_report(record_id=record["id"])
    assert h.push(client, token, [other_kind]).json["results"][0]["status"] == "conflict"


def test_mixed_batch_stores_the_good_and_reports_the_bad(client, two_areas):
    north, south = two_areas.north, two_areas.south
    good1, good2 = h.kit_supply(north), h.use_report()
    records = [
        good1,
        h.kit_supply(north, supply_type="repeat"),  # no reason
        h.kit_supply(north, quantity=-1),  # negative
        h.kit_supply(north, site_id=south.sites.peers.id),  # another area's site
        h.kit_supply(north, area="M14 5AB"),  # full postcode
        {"kind": "teleport", "id": h.new_id(), "data": {}},  # unknown kind
        good2,
    ]
    results = h.push(client, h.token_for(north.peer), records).json["results"]
    assert [r["status"] for r in results] == [
        "stored",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "invalid",
        "stored",
    ]
    assert "repeat_reason" in results[1]["errors"]
    assert "quantity" in results[2]["errors"]
    assert "site_id" in results[3]["errors"]
    assert "first half of the postcode" in results[4]["errors"]["area"][0]
    assert "kind" in results[5]["errors"]
    assert _count(KitSupply) == 1 and _count(NaloxoneUseReport) == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"supplied_on": "2014-12-31"}, "supplied_on"),
        ({"supplied_on": (h.TODAY + dt.timedelta(days=5)).isoformat()}, "supplied_on"),
        ({"supplied_on": "not a date"}, "supplied_on"),
        ({"quantity": "2"}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"recipient_category": "x" * 100_000}, "recipient_category"),
        ({"referral_offered": False, "referral_accepted": True}, "referral_accepted"),
        ({"supply_type": "first", "repeat_reason": "lost"}, "repeat_reason"),
        ({"recipient_name": "Jane"}, "recipient_name"),
        ({"batch_id": None}, "batch_id"),
        ({"client_created_at": "2031-01-01T00:00:00Z"}, "client_created_at"),
    ],
)
def test_bad_fields_are_named(client, two_areas, change, field):
    record = h.kit_supply(two_areas.north, **change)
    result = h.push(client, h.token_for(two_areas.north.peer), [record]).json["results"][0]
    assert result["status"] == "invalid"
    assert field in result["errors"]
    assert _count(KitSupply) == 0


def test_expired_batch_is_held_naming_the_batch_and_the_phone_is_told_to_swap(client, two_areas):
    north = two_areas.north
    north.batch.expiry_date = h.TODAY - dt.timedelta(days=1)
    db.session.commit()
    record = h.kit_supply(north)
    result = h.push(client, h.token_for(north.peer), [record]).json["results"][0]
    assert result["status"] == "held"
    assert "north-B1 expired" in result["message"]
    assert any("swap this kit" in w for w in result["warnings"])
    assert db.session.get(KitSupply, record["id"]).review_status == "held"


def test_supplier_without_sign_off_is_held_with_the_reason(client, make_user, two_areas):
    north = two_areas.north
    untrained = make_user("peer", north.peers, signed_off=False)
    record = h.kit_supply(north)
    result = h.push(client, h.token_for(untrained), [record]).json["results"][0]
    assert result["status"] == "held"
    assert "No supplier sign-off yet" in result["message"]
    assert db.session.get(KitSupply, record["id"]).hold_reason.startswith(
        "No supplier sign-off yet"
    )
    # Their training sessions and use reports still land: only supplies need sign-off.
    other = h.push(client, h.token_for(untrained), [h.use_report()]).json["results"][0]
    assert other["status"] == "stored"


def test_supply_may_name_a_session_sent_earlier_but_not_an_unknown_one(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    session = h.training_session(north)
    h.push(client, token, [session])
    later = h.kit_supply(north, training_session_id=session["id"])
    assert h.push(client, token, [later]).json["results"][0]["status"] == "stored"
    dangling = h.kit_supply(north, training_session_id=h.new_id())
    result = h.push(client, token, [dangling]).json["results"][0]
    assert result["status"] == "invalid" and "training_session_id" in result["errors"]


def test_consent_withdrawal(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    given = h.consent()
    h.push(client, token, [given])
    withdrawal = {
        "kind": "consent_withdrawal",
        "id": h.new_id(),
        "data": {
            "client_created_at": h.NOW.isoformat(),
            "consent_id": given["id"],
            "withdrawn_on": h.TODAY.isoformat(),
        },
    }
    assert h.push(client, token, [withdrawal]).json["results"][0]["status"] == "stored"
    assert h.push(client, token, [withdrawal]).json["results"][0]["status"] == "duplicate"
    assert db.session.get(Consent, given["id"]).withdrawn_on == h.TODAY
    # Nobody withdraws a consent recorded in another area.
    south_token = h.token_for(two_areas.south.peer)
    result = h.push(client, south_token, [{**withdrawal, "id": h.new_id()}]).json["results"][0]
    assert result["status"] == "invalid"


def test_pharmacy_supply_channel_and_stock_site(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.pharmacist)
    supply = h.kit_supply(north, site_id=north.sites.pharmacy.id)
    returned = h.stock_return(north)  # no site: refused, a pharmacy's stock is a site's
    results = h.push(client, token, [supply, returned]).json["results"]
    assert results[0]["status"] == "stored"
    assert db.session.get(KitSupply, supply["id"]).channel == "pharmacy"
    assert results[1]["status"] == "invalid" and "site_id" in results[1]["errors"]


@pytest.mark.parametrize(
    "body, content_type, status, code",
    [
        (b"{not json", "application/json", 400, "malformed_json"),
        (b'{"records": "many"}', "application/json", 400, "invalid_request"),
        (b"[1, 2]", "application/json", 400, "invalid_request"),
        (b'{"records": [], "extra": 1}', "application/json", 400, "invalid_request"),
        (b'{"records": []}', "text/plain", 415, "unsupported_media_type"),
    ],
)
def test_malformed_requests_get_one_error_shape(
    client, two_areas, body, content_type, status, code
):
    response = client.post(
        "/api/v1/sync/push",
        data=body,
        content_type=content_type,
        headers=h.bearer(h.token_for(two_areas.north.peer)),
    )
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]


def test_batch_and_body_limits(client, app, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    too_many = [h.use_report() for _ in range(app.config["SYNC_MAX_BATCH"] + 1)]
    response = h.push(client, token, too_many)
    assert response.status_code == 413 and response.json["error"]["code"] == "batch_too_large"
    huge = b'{"records": [], "pad": "' + b"x" * app.config["SYNC_MAX_BODY_BYTES"] + b'"}'
    response = client.post(
        "/api/v1/sync/push", data=huge, content_type="application/json", headers=h.bearer(token)
    )
    assert response.status_code == 413 and response.json["error"]["code"] == "body_too_large"
    assert _count(NaloxoneUseReport) == 0


def test_supply_naming_a_refused_session_in_the_same_batch_is_told_why(client, two_areas):
    north, south = two_areas.north, two_areas.south
    session = h.training_session(north, site_id=south.sites.peers.id)  # another area's
    supply = h.kit_supply(north, training_session_id=session["id"])
    results = h.push(client, h.token_for(north.peer), [supply, session]).json["results"]
    assert results[1]["status"] == "invalid"
    assert results[0]["status"] == "invalid"
    assert "training_session_id" in results[0]["errors"]


def test_a_database_refusal_of_one_record_does_not_sink_the_batch(client, app, two_areas):
    """A rule only the database knows (here a trigger added for the test) rejects one
    record: the batch falls back to a savepoint per record and the others still land."""
    from sqlalchemy import text

    postgres = db.engine.dialect.name == "postgresql"
    with db.engine.begin() as conn:
        if postgres:
            conn.execute(
                text(
                    "ALTER TABLE naloxone_use_report ADD CONSTRAINT "
                    "test_no_hostel CHECK (place_type <> 'hostel')"
                )
            )
        else:
            conn.execute(
                text(
                    "CREATE TRIGGER test_no_hostel BEFORE INSERT ON "
                    "naloxone_use_report WHEN NEW.place_type = 'hostel' "
                    "BEGIN SELECT RAISE(ABORT, 'no hostels'); END"
                )
            )
    try:
        records = [
            h.use_report(place_type="public_place"),
            h.use_report(place_type="hostel"),
            h.kit_supply(two_areas.north),
        ]
        results = h.push(client, h.token_for(two_areas.north.peer), records).json["results"]
    finally:
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "ALTER TABLE naloxone_use_report DROP CONSTRAINT test_no_hostel"
                    if postgres
                    else "DROP TRIGGER test_no_hostel"
                )
            )
    assert [r["status"] for r in results] == ["stored", "invalid", "stored"]
    assert "could not store" in results[1]["message"]
    assert _count(NaloxoneUseReport) == 1 and _count(KitSupply) == 1


def test_supplier_training_names_a_colleague_for_the_cascade(client, make_user, two_areas):
    north = two_areas.north
    colleague = make_user("peer", north.peers, username="colleague")
    token = h.token_for(north.peer)
    pulled = client.get("/api/v1/sync/pull", headers=h.bearer(token)).json
    assert {c["id"] for c in pulled["snapshot"]["colleagues"]} == {colleague.id}
    session = h.training_session(north, kind="supplier_training", trainee_user_id=colleague.id)
    assert h.push(client, token, [session]).json["results"][0]["status"] == "stored"
    assert db.session.get(TrainingSession, session["id"]).trainee_user_id == colleague.id
    outsider = h.training_session(
        north, kind="supplier_training", trainee_user_id=two_areas.south.peer.id
    )
    result = h.push(client, token, [outsider]).json["results"][0]
    assert result["status"] == "invalid" and "trainee_user_id" in result["errors"]


def test_every_answer_is_already_in_the_form_the_schema_dumps(client, two_areas):
    """The push view sends results without dumping each through PushResultSchema: that is
    right only while every answer push_records builds dumps to itself."""
    from peerkit.api.push import push_records
    from peerkit.api.schemas import PushResultSchema
    from peerkit.models import Device

    north = two_areas.north
    token = h.token_for(north.peer)
    device = db.session.scalars(select(Device)).one()
    stored = h.kit_supply(north)
    h.push(client, token, [stored])
    north.batch.expiry_date = h.TODAY - dt.timedelta(days=1)
    db.session.commit()
    again = h.kit_supply(north)
    records = [
        h.kit_supply(north),  # held: expired batch
        stored,  # duplicate
        {**stored, "data": {**stored["data"], "quantity": 2}},  # conflict
        again,
        again,  # a repeat within the batch
        h.kit_supply(north, quantity="many"),  # invalid field
        h.training_session(north, topics=[7]),  # invalid item of a list
        {"kind": "kit_supply"},  # invalid envelope
        "not a record",
    ]
    results = push_records(north.peer, device, records)
    assert {r["status"] for r in results} == {"held", "duplicate", "conflict", "invalid"}
    assert PushResultSchema(many=True).dump(results) == results


def test_the_stored_ids_lookup_is_planned_for_its_ids_every_time(app):
    """The driver prepares a statement it runs often, and PostgreSQL may then keep one plan
    for it made while the tables were small, which reads whole tables once they have grown
    (docs/API.md). The push's lookup of stored ids is therefore never prepared."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite keeps no plans across statements")
    connection = db.session.connection()
    prepared = text("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE :lookup")
    lookup = {"lookup": "%AS kind, training_session.id AS id%"}
    for _ in range(8):  # the driver prepares a statement on its fifth run
        push._stored_ids_planned_for(connection, [str(uuid.uuid4())])
    assert connection.execute(prepared, lookup).scalar() == 0
    # The same statement run the usual way is prepared: the check above can fail.
    for _ in range(8):
        connection.execute(push._stored_ids_statement("postgresql"), {"ids": ["x"]}).all()
    assert connection.execute(prepared, lookup).scalar() == 1
