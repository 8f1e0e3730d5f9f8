"""Subject access and erasure at the service, the server's recipient code (the same as the
phone's), and privacy notices, on both databases."""

import json
from pathlib import Path

from sqlalchemy import select

from peerkit.extensions import db
from peerkit.models import AuditEvent, Consent, KitSupply, PrivacyNotice
from peerkit.recipient_codes import legacy_recipient_code, recipient_code
from peerkit.signing import recipient_code_salt

from . import api_helpers as api
from .conftest import csrf_token_from

VECTORS = json.loads((Path(__file__).parent / "recipient_code_vectors.json").read_text())
PERSON = {"initials": "jd", "date_of_birth": "1990-04-01", "sex": "F"}


def test_the_server_makes_the_same_codes_as_the_phone():
    # tests/browser/test_recipient_code_vectors.py checks pwa/js/recipient-code.js against
    # the same file.
    for v in VECTORS:
        args = (v["salt"], v["initials"], v["date_of_birth"], v["sex"])
        assert recipient_code(*args) == v["code"]
        assert legacy_recipient_code(*args) == v["legacy_code"]


def _person_supplied(client, where):
    """A consent and a supply with the person's code, and an unrelated one."""
    salt = recipient_code_salt(where.area.id)
    code = recipient_code(salt, "JD", PERSON["date_of_birth"], "F")
    consent = api.consent(recipient_code=code, consent_to_recognise=True)
    other = api.consent(recipient_code="v2-someoneelse00")
    records = [
        consent,
        api.kit_supply(where, consent_id=consent["id"], recipient_code=code),
        other,
        api.kit_supply(where, consent_id=other["id"], recipient_code="v2-someoneelse00"),
    ]
    answers = api.push(client, api.token_for(where.peer), records).get_json()["results"]
    assert [a["status"] for a in answers] == ["stored"] * 4
    return code


def _post(client, action, **person):
    token = csrf_token_from(client.get("/coordination/subject-access"))
    return client.post(
        "/coordination/subject-access", data={"csrf_token": token, **PERSON, **person, action: "1"}
    )


def test_a_person_sees_downloads_and_erases_their_records(app, client, auth, two_areas):
    code = _person_supplied(client, two_areas.north)
    auth.login("north-coordinator")
    page = _post(client, "find")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Kit supply" in text and "north outreach" in text and code not in text
    export = _post(client, "export")
    csv = export.get_data(as_text=True)
    assert export.mimetype == "text/csv" and csv.count("Kit supply") == 1
    assert "Consent" in csv and code not in csv and "someoneelse" not in csv
    # The south coordinator finds nothing of the north's.
    auth.logout()
    auth.login("south-coordinator")
    assert "Nothing is held" in _post(client, "find").get_data(as_text=True)
    auth.logout()
    auth.login("north-coordinator")
    assert _post(client, "erase").status_code == 303
    db.session.expire_all()
    assert db.session.scalars(select(KitSupply).where(KitSupply.recipient_code == code)).all() == []
    assert db.session.scalars(select(Consent).where(Consent.recipient_code == code)).all() == []
    withdrawn = db.session.scalars(select(Consent).where(Consent.withdrawn_on.is_not(None))).all()
    assert len(withdrawn) == 1
    # The other person is untouched; the kits still exist.
    assert len(db.session.scalars(select(KitSupply)).all()) == 2
    assert db.session.scalars(
        select(KitSupply.recipient_code).where(KitSupply.recipient_code.is_not(None))
    ).all() == ["v2-someoneelse00"]
    # Audited with counts, never the details or the code.
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("subject_access.%"))
    ).all()
    assert {e.action for e in events} == {
        "subject_access.look_up",
        "subject_access.export",
        "subject_access.erase",
    }
    for event in events:
        assert code not in repr(event.detail) and "1990" not in repr(event.detail)


def test_details_come_by_post_only_and_bad_ones_name_the_field(app, client, auth, two_areas):
    auth.login("north-coordinator")
    page = client.get("/coordination/subject-access?initials=JD")
    assert page.status_code == 200 and 'method="post"' in page.get_data(as_text=True)
    answer = _post(client, "find", initials="J")
    assert answer.status_code == 400
    assert "Enter two initials" in answer.get_data(as_text=True)


def test_consents_name_a_notice_in_force_or_are_held_with_the_reason(app, client, auth, two_areas):
    north = two_areas.north
    auth.login("north-coordinator")
    token = csrf_token_from(client.get("/coordination/privacy-notices"))
    tomorrow = api.TODAY.fromordinal(api.TODAY.toordinal() + 1)
    published = client.post(
        "/coordination/privacy-notices",
        data={
            "csrf_token": token,
            "version": "2027-01",
            "text": "New words",
            "in_force_from": tomorrow.isoformat(),
        },
    )
    assert published.status_code == 303
    # Never edit a published one; never start one in the past.
    again = client.post(
        "/coordination/privacy-notices",
        data={
            "csrf_token": token,
            "version": "2027-01",
            "text": "Other words",
            "in_force_from": tomorrow.isoformat(),
        },
    )
    assert again.status_code == 400 and "never changed" in again.get_data(as_text=True)
    assert (
        client.post(
            "/coordination/privacy-notices",
            data={
                "csrf_token": token,
                "version": "2025-01",
                "text": "Old",
                "in_force_from": "2025-01-01",
            },
        ).status_code
        == 400
    )
    notice = db.session.scalars(
        select(PrivacyNotice).where(PrivacyNotice.version == "2027-01")
    ).one()
    assert (notice.text, notice.created_by_id) == ("New words", north.coordinator.id)
    assert db.session.scalars(select(AuditEvent.action)).all().count("privacy_notice.publish") == 1
    # Today the 2026-01 notice is in force: phones get it, and consents naming it count.
    phone = api.token_for(north.peer)
    pulled = client.get("/api/v1/sync/pull", headers=api.bearer(phone)).get_json()
    assert pulled["snapshot"]["privacy_notice"]["version"] == "2026-01"
    answers = api.push(
        client,
        phone,
        [
            api.consent(),
            api.consent(privacy_notice_version="2027-01"),
            api.consent(privacy_notice_version="1999-x"),
            api.consent(privacy_notice_version=None),
            api.consent(privacy_notice_version="<script>"),
        ],
    ).get_json()["results"]
    assert [a["status"] for a in answers] == ["stored", "held", "held", "held", "invalid"]
    assert "2027-01 was not the one in force" in answers[1]["message"]
    assert "not one your service published" in answers[2]["message"]
    assert "showed no privacy notice" in answers[3]["message"]
    # The south service's notices are its own.
    south_phone = api.token_for(two_areas.south.peer)
    assert (
        api.push(client, south_phone, [api.consent(privacy_notice_version="2027-01")]).get_json()[
            "results"
        ][0]["status"]
        == "held"
    )


def test_two_answers_a_code_needs_recognition_and_old_phones_meant_both(app, client, two_areas):
    phone = api.token_for(two_areas.north.peer)
    old_phone = api.consent()  # no consent_to_recognise: one tick that meant both
    recorded_only = api.consent(recipient_code=None, consent_to_recognise=False)
    answers = api.push(
        client,
        phone,
        [
            old_phone,
            recorded_only,
            api.consent(consent_to_recognise=False),
            api.consent(recipient_code=None, consent_to_record=False, consent_to_recognise=True),
        ],
    ).get_json()["results"]
    assert [a["status"] for a in answers] == ["stored", "stored", "invalid", "invalid"]
    assert "recognised next time" in answers[2]["errors"]["recipient_code"][0]
    assert "consent_to_recognise" in answers[3]["errors"]
    db.session.expire_all()
    assert db.session.get(Consent, old_phone["id"]).consent_to_recognise is True
    assert db.session.get(Consent, recorded_only["id"]).consent_to_recognise is False
