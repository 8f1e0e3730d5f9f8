"""Field records are facts: whatever a phone can send is kept; rule breaks are held for a
person to review; nothing is lost or silently dropped (issue 10), on both databases."""

import datetime as dt

from sqlalchemy import select

from peerkit.clock import uk_today
from peerkit.devices import revoke_device
from peerkit.extensions import db
from peerkit.models import (
    AuditEvent,
    Consent,
    Device,
    DiscardNotice,
    FieldReport,
    KitSupply,
    Organisation,
    Site,
    StockBatch,
    StockMovement,
    SupplierSignOff,
    TrainingSession,
    utcnow,
)
from peerkit.stock import in_hand

from . import api_helpers as h
from .conftest import csrf_token_from


def _post(client, url, data, form_page=None):
    token = csrf_token_from(client.get(form_page or url))
    return client.post(url, data={**data, "csrf_token": token})


def _lapse_sign_off(user):
    sign_off = db.session.scalars(
        select(SupplierSignOff).where(SupplierSignOff.user_id == user.id)
    ).one()
    sign_off.assessed_on = sign_off.trained_on = uk_today() - dt.timedelta(days=400)
    sign_off.refresher_due = uk_today() - dt.timedelta(days=35)
    db.session.commit()


def _statuses(answer) -> list[str]:
    return [r["status"] for r in answer.json["results"]]


# ---- 1. Holds ------------------------------------------------------------------------


def test_a_supply_after_a_lapse_is_held_shown_accepted_then_counted(client, auth, two_areas):
    north = two_areas.north
    _lapse_sign_off(north.peer)
    token = h.token_for(north.peer)
    h.push(client, token, [h.stock_return(north, quantity=1)])  # a movement, not held
    record = h.kit_supply(north, quantity=2)
    answer = h.push(client, token, [record]).json["results"][0]
    assert answer["status"] == "held"
    assert "ran out on" in answer["message"]
    supply = db.session.get(KitSupply, record["id"])
    assert (supply.review_status, supply.quantity) == ("held", 2)
    # The kit left the peer's hands either way: stock counts it at once.
    assert in_hand(user_id=north.peer.id) == {north.batch.id: -3}

    auth.login("north-coordinator")
    overview = client.get("/coordination/").get_data(as_text=True)
    assert "<strong>1</strong> records held for review" in overview
    page = client.get("/coordination/held").get_data(as_text=True)
    assert "Kit supply by Test peer" in page and "ran out on" in page
    assert "test phone" in page  # which phone sent it
    response = _post(
        client,
        f"/coordination/held/kit_supply/{record['id']}",
        {"note": "Refresher booked", "accept": "1"},
        "/coordination/held",
    )
    assert response.status_code == 303
    db.session.expire_all()
    supply = db.session.get(KitSupply, record["id"])
    assert supply.review_status == "counted" and supply.review_note == "Refresher booked"
    assert supply.reviewed_by_id == north.coordinator.id
    assert (
        db.session.scalar(select(AuditEvent.object_id).where(AuditEvent.action == "record.accept"))
        == record["id"]
    )
    # The phone learns of the decision at its next pull (the row changed).
    pulled = client.get("/api/v1/sync/pull", headers=h.bearer(token)).json
    assert [(s["id"], s["review_status"]) for s in pulled["changes"]["kit_supplies"]] == [
        (record["id"], "counted")
    ]


def test_a_rejection_keeps_the_record_and_needs_a_reason(client, auth, two_areas):
    north = two_areas.north
    _lapse_sign_off(north.peer)
    record = h.kit_supply(north)
    h.push(client, h.token_for(north.peer), [record])
    auth.login("north-coordinator")
    url = f"/coordination/held/kit_supply/{record['id']}"
    _post(client, url, {"note": "", "reject": "1"}, "/coordination/held")
    db.session.expire_all()
    assert db.session.get(KitSupply, record["id"]).review_status == "held"
    _post(client, url, {"note": "Duplicate of a paper record", "reject": "1"}, "/coordination/held")
    db.session.expire_all()
    supply = db.session.get(KitSupply, record["id"])
    assert supply.review_status == "rejected"
    assert supply.review_note == "Duplicate of a paper record"
    assert "Nothing is held for review" in client.get("/coordination/held").get_data(as_text=True)


def test_another_service_cannot_see_or_decide_a_held_record(client, auth, two_areas):
    north = two_areas.north
    _lapse_sign_off(north.peer)
    record = h.kit_supply(north)
    h.push(client, h.token_for(north.peer), [record])
    auth.login("south-coordinator")
    assert "Test peer" not in client.get("/coordination/held").get_data(as_text=True)
    response = _post(
        client,
        f"/coordination/held/kit_supply/{record['id']}",
        {"accept": "1"},
        "/coordination/held",
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(KitSupply, record["id"]).review_status == "held"


def test_rule_breaks_that_can_be_stored_are_held_with_their_reasons(client, make_user, two_areas):
    north = two_areas.north
    other_service = Organisation(
        name="north second service", kind="drug_service", area_id=north.area.id
    )
    db.session.add(other_service)
    db.session.flush()
    their_batch = StockBatch(
        product=north.product,
        organisation_id=other_service.id,
        batch_number="THEIRS",
        expiry_date=uk_today() + dt.timedelta(days=90),
    )
    closed = Site(
        organisation=north.peers,
        name="closed hub",
        site_type="peer_group",
        postcode_district="M2",
        active=False,
    )
    db.session.add_all([their_batch, closed])
    db.session.commit()
    carrier_org = Organisation(
        name="north housing",
        kind="partner_agency",
        area_id=north.area.id,
        managed_by_id=north.service.id,
    )
    db.session.add(carrier_org)
    db.session.commit()
    cases = [
        (h.kit_supply(north, batch_id=their_batch.id), "another service's stock"),
        (h.kit_supply(north, site_id=closed.id), "which is closed"),
        (h.kit_supply(north, site_id=north.sites.pharmacy.id), "not one of your"),
        (h.kit_supply(north, age_band="under_18"), "licensed from age 16"),
    ]
    answers = h.push(client, h.token_for(north.peer), [r for r, _ in cases]).json["results"]
    for (record, reason), answer in zip(cases, answers, strict=True):
        assert answer["status"] == "held", reason
        assert reason in answer["message"]
        assert reason in db.session.get(KitSupply, record["id"]).hold_reason
    adult = h.kit_supply(north, age_band="25_34")
    assert _statuses(h.push(client, h.token_for(north.peer), [adult])) == ["stored"]


def test_a_recalled_batch_is_held_and_the_person_is_told_to_swap(client, two_areas):
    north = two_areas.north
    north.batch.recalled_at = utcnow()
    db.session.commit()
    answer = h.push(client, h.token_for(north.peer), [h.kit_supply(north)]).json["results"][0]
    assert answer["status"] == "held"
    assert answer["warnings"] == [
        "Batch north-B1 is recalled: swap this kit for one from another batch, and return "
        "the recalled ones."
    ]


# ---- 2. Locked-out phones -------------------------------------------------------------


def test_a_locked_out_phones_records_are_kept_held_and_audited(client, auth, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    h.push(client, token, [], records_waiting=3)
    device = db.session.scalars(select(Device)).one()
    revoke_device(device, north.coordinator, "Reported lost")
    db.session.commit()
    queued = [h.kit_supply(north), h.training_session(north), h.use_report()]
    answer = h.push(client, token, queued).json
    assert _statuses_of(answer) == ["held", "held", "held"]
    assert answer["device"]["revoked"] is True
    for model, record in zip((KitSupply, TrainingSession), queued[:2], strict=True):
        assert db.session.get(model, record["id"]).hold_reason == "Sent from a locked-out phone."
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "device.records_after_lockout")
    )
    assert event.object_id == device.id and event.detail["held"] == 3
    # A resend (the answer was lost) is a duplicate, so the phone can let go.
    assert _statuses(h.push(client, token, queued)) == ["duplicate"] * 3
    auth.login("north-coordinator")
    page = client.get("/coordination/held").get_data(as_text=True)
    assert page.count("Sent from a locked-out phone.") == 3 and "(locked out)" in page
    phones = client.get("/coordination/devices").get_data(as_text=True)
    assert "Reported lost" in phones


def _statuses_of(answer: dict) -> list[str]:
    return [r["status"] for r in answer["results"]]


# ---- 3. Discards ------------------------------------------------------------------------


def test_a_discard_on_the_phone_reaches_the_coordinator(client, auth, two_areas):
    north = two_areas.north
    notice = {
        "kind": "discard_notice",
        "id": h.new_id(),
        "data": {
            "client_created_at": h.NOW.isoformat(),
            "record_kind": "kit_supply",
            "record_id": h.new_id(),
            "reason": "quantity: At least one kit.",
            "discarded_at": h.NOW.isoformat(),
        },
    }
    assert _statuses(h.push(client, h.token_for(north.peer), [notice])) == ["stored"]
    assert db.session.get(DiscardNotice, notice["id"]).record_kind == "kit_supply"
    auth.login("north-coordinator")
    page = client.get("/coordination/held").get_data(as_text=True)
    assert "quantity: At least one kit." in page and "Test peer" in page
    auth.logout()
    auth.login("south-coordinator")
    assert "At least one kit" not in client.get("/coordination/held").get_data(as_text=True)


# ---- 5. Consent ---------------------------------------------------------------------------


def test_a_recipient_code_needs_a_consent_that_records_it(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    consent = h.consent()
    refusing = h.consent(consent_to_record=False)
    stored = h.push(client, token, [consent, refusing]).json["results"]
    assert [r["status"] for r in stored] == ["stored", "invalid"]
    assert "recipient_code" in stored[1]["errors"]
    cases = [
        h.kit_supply(north, recipient_code="rc_abcdef123456"),  # no consent
        h.kit_supply(north, recipient_code="rc_someoneelse1", consent_id=consent["id"]),
        h.kit_supply(north, recipient_code="rc_abcdef123456", consent_id=h.new_id()),
    ]
    results = h.push(client, token, cases).json["results"]
    assert [r["status"] for r in results] == ["invalid"] * 3
    assert all("recipient_code" in r["errors"] or "consent_id" in r["errors"] for r in results)
    good = h.kit_supply(north, recipient_code="rc_abcdef123456", consent_id=consent["id"])
    assert _statuses(h.push(client, token, [good])) == ["stored"]


def _withdrawal(consent_id, on):
    return {
        "kind": "consent_withdrawal",
        "id": h.new_id(),
        "data": {
            "client_created_at": h.NOW.isoformat(),
            "consent_id": consent_id,
            "withdrawn_on": on.isoformat(),
        },
    }


def test_withdrawal_anywhere_in_the_area_erases_the_code_everywhere(client, two_areas):
    north = two_areas.north
    peer_token = h.token_for(north.peer)
    consent = h.consent(given_on=(h.TODAY - dt.timedelta(days=3)).isoformat())
    supply = h.kit_supply(north, recipient_code="rc_abcdef123456", consent_id=consent["id"])
    h.push(client, peer_token, [consent, supply])
    cursor = client.get("/api/v1/sync/pull", headers=h.bearer(peer_token)).json["cursor"]

    # Before the consent: impossible. At the pharmacy of the same area: recorded.
    pharmacy_token = h.token_for(north.pharmacist)
    early = _withdrawal(consent["id"], h.TODAY - dt.timedelta(days=4))
    result = h.push(client, pharmacy_token, [early]).json["results"][0]
    assert result["status"] == "invalid" and "withdrawn_on" in result["errors"]
    assert _statuses(h.push(client, pharmacy_token, [_withdrawal(consent["id"], h.TODAY)])) == [
        "stored"
    ]
    db.session.expire_all()
    stored_consent = db.session.get(Consent, consent["id"])
    assert (stored_consent.withdrawn_on, stored_consent.recipient_code) == (h.TODAY, None)
    stored_supply = db.session.get(KitSupply, supply["id"])
    assert stored_supply.recipient_code is None and stored_supply.quantity == 1
    assert stored_supply.review_status == "counted"  # the kit still counts
    # The peer's phone pulls both rows again, without the code.
    pulled = client.get(f"/api/v1/sync/pull?cursor={cursor}", headers=h.bearer(peer_token)).json[
        "changes"
    ]
    assert [(c["id"], c["recipient_code"], c["withdrawn_on"]) for c in pulled["consents"]] == [
        (consent["id"], None, h.TODAY.isoformat())
    ]
    assert [(s["id"], s["recipient_code"]) for s in pulled["kit_supplies"]] == [
        (supply["id"], None)
    ]
    # Another area cannot withdraw it (nor learn it exists).
    south = h.push(
        client, h.token_for(two_areas.south.peer), [_withdrawal(consent["id"], h.TODAY)]
    ).json["results"][0]
    assert south["status"] == "invalid"


def test_a_coordinator_records_a_withdrawal_by_code(client, auth, two_areas):
    north = two_areas.north
    consent = h.consent()
    supply = h.kit_supply(north, recipient_code="rc_abcdef123456", consent_id=consent["id"])
    h.push(client, h.token_for(north.peer), [consent, supply])
    auth.login("north-coordinator")
    url = "/coordination/consents/withdraw"
    page = client.get(url).get_data(as_text=True)
    assert 'data-salt="' in page and 'id="rc-initials"' in page
    assert 'name="rc-initials"' not in page  # typed details are never posted
    response = _post(
        client, url, {"recipient_codes": "rc_abcdef123456", "withdrawn_on": h.TODAY.isoformat()}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Consent, consent["id"]).recipient_code is None
    assert db.session.get(KitSupply, supply["id"]).recipient_code is None
    assert db.session.scalar(
        select(AuditEvent.detail).where(AuditEvent.action == "consent.withdraw")
    ) == {"supplies_erased": 1}


# ---- 6. Batches as the manufacturer numbers them ---------------------------------------


def test_two_services_book_in_one_batch_and_a_recall_reaches_both(
    client, auth, make_user, two_areas
):
    north, south = two_areas.north, two_areas.south
    second = Organisation(name="north second service", kind="drug_service", area_id=north.area.id)
    db.session.add(second)
    db.session.flush()
    hub = Site(
        organisation=second, name="second hub", site_type="drug_service", postcode_district="M3"
    )
    db.session.add(hub)
    db.session.commit()
    make_user("coordinator", second, username="second-coordinator")
    expiry = (uk_today() + dt.timedelta(days=300)).isoformat()

    def receive(site_id):
        return _post(
            client,
            "/coordination/stock",
            {
                "receive-product_id": north.product.id,
                "receive-batch_number": "PX24118",
                "receive-expiry_date": expiry,
                "receive-quantity": 5,
                "receive-to": f"site:{site_id}",
                "receive-submit": "Record delivery",
            },
        )

    for username, site_id in (
        ("north-coordinator", north.sites.service.id),
        ("second-coordinator", hub.id),
        ("south-coordinator", south.sites.service.id),
    ):
        auth.login(username)
        assert receive(site_id).status_code == 302
        auth.logout()
    batches = db.session.scalars(
        select(StockBatch)
        .where(StockBatch.batch_number == "PX24118")
        .order_by(StockBatch.organisation_id)
    ).all()
    assert len(batches) == 3
    ours = next(b for b in batches if b.organisation_id == north.service.id)
    db.session.add(
        StockMovement(
            id=h.new_id(),
            organisation_id=north.service.id,
            user_id=north.coordinator.id,
            client_created_at=utcnow(),
            kind="transferred",
            moved_on=uk_today(),
            batch_id=ours.id,
            quantity=2,
            to_user_id=north.peer.id,
        )
    )
    db.session.commit()
    assert _statuses(
        h.push(client, h.token_for(north.peer), [h.kit_supply(north, batch_id=ours.id)])
    ) == ["stored"]

    auth.login("second-coordinator")
    response = _post(
        client,
        "/coordination/recall",
        {
            "product_id": north.product.id,
            "batch_number": "PX24118",
            "reason": "Manufacturer recall: faulty needles",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    flagged = {
        b.organisation_id: b.recalled_at is not None
        for b in db.session.scalars(select(StockBatch).where(StockBatch.batch_number == "PX24118"))
    }
    # Both services of the north area, not the south area's.
    assert flagged == {north.service.id: True, second.id: True, south.service.id: False}
    auth.logout()
    auth.login("second-coordinator")
    their = next(b for b in batches if b.organisation_id == second.id)
    trace = client.get(f"/coordination/batches/{their.id}").get_data(as_text=True)
    # The trace lists the other service's supply, without naming its supplier.
    assert "north outreach" in trace and "north peers" in trace and "Test peer" not in trace
    auth.logout()
    # An admin recalls across every area.
    auth.login("south-admin")
    _post(
        client,
        "/coordination/recall",
        {"product_id": north.product.id, "batch_number": "PX24118", "reason": "National"},
    )
    db.session.expire_all()
    assert all(
        b.recalled_at
        for b in db.session.scalars(select(StockBatch).where(StockBatch.batch_number == "PX24118"))
    )


# ---- 8. One clock, and the smaller contract points ---------------------------------------


def test_tomorrow_in_the_uk_is_the_future_and_minutes_of_clock_drift_are_not(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    tomorrow = h.kit_supply(north, supplied_on=(uk_today() + dt.timedelta(days=1)).isoformat())
    now = dt.datetime.now(dt.UTC)
    drift = h.kit_supply(north, client_created_at=(now + dt.timedelta(minutes=2)).isoformat())
    ahead = h.kit_supply(north, client_created_at=(now + dt.timedelta(minutes=30)).isoformat())
    results = h.push(client, token, [tomorrow, drift, ahead]).json["results"]
    assert [r["status"] for r in results] == ["invalid", "stored", "invalid"]
    assert "supplied_on" in results[0]["errors"]
    assert "client_created_at" in results[2]["errors"]


def test_another_areas_id_is_a_plain_conflict_whatever_its_content(client, two_areas):
    north, south = two_areas.north, two_areas.south
    report = h.use_report()
    h.push(client, h.token_for(north.peer), [report])
    south_token = h.token_for(south.peer)
    same = h.push(client, south_token, [report]).json["results"][0]
    different = h.push(
        client, south_token, [{**report, "data": {**report["data"], "doses": 3}}]
    ).json["results"][0]
    assert (
        same
        == different
        == {
            "id": report["id"],
            "kind": "naloxone_use_report",
            "status": "conflict",
            "message": "A different record was already stored under this id. Check it and send "
            "it again as a new record if it is right.",
        }
    )


def test_the_nil_uuid_and_unknown_privacy_notices_are_refused(client, two_areas):
    token = h.token_for(two_areas.north.peer)
    nil = h.use_report(record_id="00000000-0000-0000-0000-000000000000")
    notice = h.consent(privacy_notice_version="<script>")
    results = h.push(client, token, [nil, notice]).json["results"]
    assert [r["status"] for r in results] == ["invalid", "invalid"]
    assert "id" in results[0]["errors"]
    assert "privacy_notice_version" in results[1]["errors"]


def test_an_admin_signs_off_a_coordinator_whose_supplies_then_count(client, auth, two_areas):
    """Coordinators supply at the service; nobody signs off their own level, so an admin
    of the area records a coordinator's sign-off (never a fellow coordinator)."""
    north = two_areas.north
    db.session.execute(
        SupplierSignOff.__table__.delete().where(SupplierSignOff.user_id == north.coordinator.id)
    )
    db.session.commit()
    token = h.token_for(north.coordinator)
    at_hub = dict(site_id=north.sites.service.id)
    assert _statuses(h.push(client, token, [h.kit_supply(north, **at_hub)])) == ["held"]
    url = f"/coordination/people/{north.coordinator.id}/sign-off"
    auth.login("south-admin")
    assert client.get(url).status_code == 404  # another area's coordinator
    auth.logout()
    auth.login("north-admin")
    assert "Record supplier sign-off" in client.get("/coordination/").get_data(as_text=True)
    today = uk_today().isoformat()
    assert _post(client, url, {"trained_on": today, "assessed_on": today}).status_code == 302
    auth.logout()
    answer = h.push(client, token, [h.kit_supply(north, **at_hub)]).json["results"]
    assert [a["status"] for a in answer] == ["stored"], answer


def test_a_held_bad_batch_report_is_reviewed_like_any_record(client, auth, two_areas):
    from .test_frontline_intel import field_report

    north = two_areas.north
    token = h.token_for(north.peer)
    h.push(client, token, [])
    revoke_device(db.session.scalars(select(Device)).one(), north.coordinator, "Lost")
    db.session.commit()
    report = field_report()
    assert _statuses(h.push(client, token, [report])) == ["held"]
    auth.login("north-coordinator")
    page = client.get("/coordination/held").get_data(as_text=True)
    assert "Suspected bad batch report by Test peer" in page
    response = _post(
        client,
        f"/coordination/held/field_report/{report['id']}",
        {"accept": "1"},
        "/coordination/held",
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(FieldReport, report["id"]).review_status == "counted"
