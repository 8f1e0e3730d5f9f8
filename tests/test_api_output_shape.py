"""What a phone receives from a pull: exactly these keys, with these kinds of value.

The output schemas for model rows are generated from the models (peerkit/api/schemas/
outputs.py), so a column added to a model would appear in the pull unless excluded. This
list is fixed on purpose: a new key, a missing key or a changed value format fails here,
and whoever adds it decides whether it may leave the server.
"""

import datetime as dt
import re

from peerkit.extensions import db
from peerkit.models import DrugAlert, ReferralDestination, utcnow

from . import api_helpers as h

DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
UTC_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

OWN_RECORD = {
    "id": "uuid",
    "client_created_at": "utc-time",
    "received_at": "utc-time",
    "review_status": "text",
    "hold_reason": "null",
}

EXPECTED = {
    "products": {
        "id": "int",
        "code": "text",
        "name": "text",
        "route": "text",
        "description": "text",
        "min_age": "int|null",
        "active": "bool",
    },
    "sites": {
        "id": "int",
        "organisation_id": "int",
        "name": "text",
        "site_type": "text",
        "postcode_district": "text",
        "active": "bool",
    },
    "batches": {
        "id": "int",
        "product_id": "int",
        "batch_number": "text",
        "expiry_date": "date",
        "recalled": "bool",
        "recall_reason": "null",
    },
    "alerts": {
        "id": "int",
        "area_description": "text",
        "substance": "text",
        "description": "text",
        "advice": "text",
        "grading": "text",
        "issued_at": "utc-time",
        "expires_at": "utc-time",
        "withdrawn": "bool",
        "scope": "text",
    },
    "referral_destinations": {"id": "int", "name": "text", "kind": "text", "active": "bool"},
    "training_sessions": {
        **OWN_RECORD,
        "session_date": "date",
        "site_id": "int",
        "mode": "text",
        "kind": "text",
        "topics": "list",
        "attendees_at_risk": "int",
        "attendees_family": "int",
        "attendees_worker": "int",
        "attendees_unknown": "int",
        "kits_taken": "int",
        "trainee_user_id": "null",
    },
    "consents": {
        **OWN_RECORD,
        "recipient_code": "text",
        "consent_to_record": "bool",
        "consent_to_share": "bool",
        "consent_to_recognise": "bool",
        "method": "text",
        "privacy_notice_version": "text",
        "given_on": "date",
        "withdrawn_on": "null",
    },
    "kit_supplies": {
        **OWN_RECORD,
        "supplied_on": "date",
        "site_id": "int",
        "channel": "text",
        "recipient_category": "text",
        "batch_id": "int",
        "quantity": "int",
        "supply_type": "text",
        "repeat_reason": "null",
        "training": "text",
        "training_session_id": "uuid",
        "area": "text",
        "referral_offered": "bool",
        "referral_accepted": "bool",
        "consent_id": "uuid",
        "recipient_code": "text",
        "age_band": "null",
        "referral_destination_id": "null",
    },
    "naloxone_use_reports": {
        **OWN_RECORD,
        "used_on": "date",
        "place_type": "text",
        "area": "text",
        "administered_by": "text",
        "product_id": "null",
        "doses": "int",
        "route": "text",
        "called_999": "bool",
        "stayed_with_person": "bool",
        "outcome": "text",
        "naloxone_source": "null",
    },
}
SNAPSHOT_ROWS = {
    "user": {
        "id": "int",
        "username": "text",
        "display_name": "text",
        "role": "text",
        "organisation_id": "int",
        "organisation_name": "text",
        "locale": "null",
    },
    "colleagues": {"id": "int", "display_name": "text"},
    "privacy_notice": {"version": "text", "text": "text", "in_force_from": "date"},
}


def _kind_of(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "object"
    for name, pattern in (("date", DATE), ("utc-time", UTC_TIME), ("uuid", UUID)):
        if pattern.match(value):
            return name
    return "text"


def _mismatches(row: dict, expected: dict) -> list[str]:
    """How `row` differs from `expected` (key -> kinds of value allowed, "int|null"): keys
    sent but not agreed, agreed but not sent, and values of another kind or format."""
    wrong = [f"{key} is new" for key in row.keys() - expected.keys()]
    wrong += [f"{key} is missing" for key in expected.keys() - row.keys()]
    wrong += [
        f"{key} is {_kind_of(row[key])}, not {kinds}"
        for key, kinds in expected.items()
        if key in row and _kind_of(row[key]) not in kinds.split("|")
    ]
    return wrong


def test_a_pull_sends_exactly_the_agreed_keys_and_value_formats(client, two_areas, make_user):
    north = two_areas.north
    make_user("peer", north.peers, username="north-peer-2")
    db.session.add(
        ReferralDestination(
            organisation_id=north.service.id, name="Northbridge recovery", kind="treatment"
        )
    )
    db.session.add(
        DrugAlert(
            organisation_id=north.service.id,
            area_description="Town centre",
            substance="Nitazenes",
            description="Overdoses",
            advice="Carry naloxone",
            grading="red",
            expires_at=utcnow() + dt.timedelta(days=7),
            created_by_id=north.coordinator.id,
        )
    )
    db.session.commit()
    token = h.token_for(north.peer)
    training, consent = h.training_session(north), h.consent()
    records = [
        training,
        consent,
        h.kit_supply(
            north,
            training_session_id=training["id"],
            consent_id=consent["id"],
            recipient_code="rc_abcdef123456",
        ),
        h.use_report(),
    ]
    answer = h.push(client, token, records).json
    assert [r["status"] for r in answer["results"]] == ["stored"] * 4, answer

    page = client.get("/api/v1/sync/pull?cursor=0", headers=h.bearer(token)).json
    assert set(page["changes"]) == set(EXPECTED)
    for entity, expected in EXPECTED.items():
        rows = page["changes"][entity]
        assert rows, f"no {entity} pulled: the test must see every kind"
        for row in rows:
            assert _mismatches(row, expected) == [], entity
    snapshot = page["snapshot"]
    assert _mismatches(snapshot["user"], SNAPSHOT_ROWS["user"]) == []
    assert len(snapshot["colleagues"]) == 1
    assert _mismatches(snapshot["colleagues"][0], SNAPSHOT_ROWS["colleagues"]) == []
    assert _mismatches(snapshot["privacy_notice"], SNAPSHOT_ROWS["privacy_notice"]) == []


def test_the_shape_check_notices_a_new_key_and_a_changed_format():
    """The check above fails on what it exists to catch."""
    agreed = {"id": "int", "received_at": "utc-time", "min_age": "int|null"}
    assert (
        _mismatches({"id": 1, "received_at": "2026-05-01T10:00:00Z", "min_age": None}, agreed) == []
    )
    assert _mismatches(
        {
            "id": 1,
            "received_at": "2026-05-01T10:00:00.123456",
            "min_age": 16,
            "payload_digest": "ab",
        },
        agreed,
    ) == ["payload_digest is new", "received_at is text, not utc-time"]
