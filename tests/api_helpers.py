"""Building sync-API requests in tests: device tokens and valid records of each kind."""

import datetime as dt
import uuid

from peerkit.clock import uk_today
from peerkit.devices import enrol_device
from peerkit.extensions import db
from peerkit.signing import make_device_token

TODAY = uk_today()
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def token_for(user) -> str:
    """Enrol a device for `user` and return its bearer token."""
    device = enrol_device(user, "test phone")
    token = make_device_token(device)
    db.session.commit()
    return token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def new_id() -> str:
    return str(uuid.uuid4())


def kit_supply(where, record_id=None, **data) -> dict:
    """A valid first supply by the area (`where`)'s peer at the peer outreach site."""
    fields = {
        "client_created_at": NOW.isoformat().replace("+00:00", "Z"),
        "supplied_on": TODAY.isoformat(),
        "site_id": where.sites.peers.id,
        "recipient_category": "person_at_risk",
        "batch_id": where.batch.id,
        "quantity": 1,
        "supply_type": "first",
        "repeat_reason": None,
        "training": "given",
        "area": "M14",
        "referral_offered": True,
        "referral_accepted": False,
    }
    fields.update(data)
    return {"kind": "kit_supply", "id": record_id or new_id(), "data": fields}


def training_session(where, record_id=None, **data) -> dict:
    fields = {
        "client_created_at": NOW.isoformat(),
        "session_date": TODAY.isoformat(),
        "site_id": where.sites.peers.id,
        "mode": "group",
        "kind": "overdose_awareness",
        "topics": ["call_999", "recovery_position", "giving_naloxone"],
        "attendees_at_risk": 3,
        "attendees_family": 1,
        "kits_taken": 3,
    }
    fields.update(data)
    return {"kind": "training_session", "id": record_id or new_id(), "data": fields}


def consent(record_id=None, **data) -> dict:
    fields = {
        "client_created_at": NOW.isoformat(),
        "recipient_code": "rc_abcdef123456",
        "consent_to_record": True,
        "consent_to_share": True,
        "method": "verbal",
        "privacy_notice_version": "2026-01",
        "given_on": TODAY.isoformat(),
    }
    fields.update(data)
    return {"kind": "consent", "id": record_id or new_id(), "data": fields}


def use_report(record_id=None, **data) -> dict:
    fields = {
        "client_created_at": NOW.isoformat(),
        "used_on": TODAY.isoformat(),
        "place_type": "hostel",
        "area": "m14",
        "administered_by": "peer",
        "doses": 2,
        "route": "im",
        "called_999": True,
        "stayed_with_person": True,
        "outcome": "survived",
    }
    fields.update(data)
    return {"kind": "naloxone_use_report", "id": record_id or new_id(), "data": fields}


def stock_return(where, record_id=None, **data) -> dict:
    fields = {
        "client_created_at": NOW.isoformat(),
        "kind": "returned",
        "moved_on": TODAY.isoformat(),
        "batch_id": where.batch.id,
        "quantity": 2,
    }
    fields.update(data)
    return {"kind": "stock_movement", "id": record_id or new_id(), "data": fields}


def push(client, token, records, **extra):
    return client.post(
        "/api/v1/sync/push", json={"records": records, **extra}, headers=bearer(token)
    )
