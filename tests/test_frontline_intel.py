"""Frontline intelligence (issue 15, docs/ALERTS.md): field reports, triage, area-wide
alerts with the commissioner's agreement, real Web Push to a local receiver, delivery
counts, refused phones, referrals. Both databases."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from peerkit import webpush
from peerkit.extensions import db
from peerkit.models import (
    AlertDelivery,
    AuditEvent,
    Device,
    DrugAlert,
    FieldReport,
    KitSupply,
    Organisation,
    ReferralDestination,
    Site,
)

from . import api_helpers as h
from .conftest import AuthActions, csrf_token_from


def field_report(record_id=None, **data) -> dict:
    fields = {
        "client_created_at": h.NOW.isoformat(),
        "seen_on": h.TODAY.isoformat(),
        "area": "m14",
        "drug_described": "Brown heroin",
        "appearance": "Blue bag",
        "more_than_one_dose": True,
        "unusual_symptoms": "Slow to come round",
    }
    fields.update(data)
    return {"kind": "field_report", "id": record_id or h.new_id(), "data": fields}


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class PushReceiver:
    """A stand-in for a browser's push service on 127.0.0.1: keeps what it is sent."""

    def __init__(self):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                received.append({"path": self.path, "headers": headers, "body": body})
                self.send_response(201)
                self.end_headers()

            def log_message(self, *_args):  # keep the test log free of request lines
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def receiver():
    server = PushReceiver()
    yield server
    server.close()


@pytest.fixture
def vapid(app, monkeypatch):
    public, private = webpush.new_keys()
    monkeypatch.setitem(app.config, "VAPID_PUBLIC_KEY", public)
    monkeypatch.setitem(app.config, "VAPID_PRIVATE_KEY", private)
    monkeypatch.setitem(app.config, "VAPID_SUBJECT", "mailto:alerts@example.org")
    return public


@pytest.fixture
def second_service(two_areas, make_user):
    """Another drug service in the north area, with its own pharmacy and pharmacist."""
    north = two_areas.north
    service = Organisation(name="north second service", kind="drug_service", area_id=north.area.id)
    db.session.add(service)
    db.session.flush()
    pharmacy = Organisation(
        name="north second pharmacy",
        kind="pharmacy",
        area_id=north.area.id,
        managed_by_id=service.id,
    )
    db.session.add(pharmacy)
    db.session.flush()
    db.session.add(
        Site(
            organisation=pharmacy,
            name="second chemist",
            site_type="community_pharmacy",
            postcode_district="M15",
        )
    )
    db.session.commit()
    return make_user("pharmacy", pharmacy, username="north-second-pharmacist")


def _signed_in(app, username):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


def _issue(client, **fields):
    page = client.get(
        "/coordination/alerts"
        + (f"?reports={fields.pop('reports')}" if "reports" in fields else "")
    )
    form = {
        "csrf_token": csrf_token_from(page),
        "substance": "Heroin with nitazenes",
        "area_description": "Town centre, M14",
        "description": "Three overdoses",
        "advice": "Carry naloxone. Call 999.",
        "grading": "red",
        "days": "7",
        "scope": "service",
        "agreed_by": "",
        "agreement_note": "",
        "report_ids": "",
    }
    form.update(fields)
    return client.post("/coordination/alerts", data=form)


def test_field_report_pushes_linked_to_its_use_report_and_names_a_bad_link(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    use = h.use_report()
    report = field_report(use_report_id=use["id"])
    stray = field_report(use_report_id=h.new_id())
    results = h.push(client, token, [report, use, stray]).json["results"]
    assert [r["status"] for r in results] == ["stored", "stored", "invalid"]
    assert "use_report_id" in results[2]["errors"]
    stored = db.session.get(FieldReport, report["id"])
    assert (stored.area, stored.use_report_id, stored.triage_status) == ("M14", use["id"], "new")
    assert stored.organisation_id == north.peers.id
    bad = h.push(client, token, [field_report(area="M14 5AB")]).json["results"][0]
    assert bad["status"] == "invalid" and "area" in bad["errors"]


def test_triage_clusters_by_district_and_week_and_an_alert_marks_its_reports(
    app, client, two_areas
):
    north, south = two_areas.north, two_areas.south
    token = h.token_for(north.peer)
    week_ago = (h.TODAY - __import__("datetime").timedelta(days=7)).isoformat()
    same = [field_report(), field_report(more_than_one_dose=False)]
    h.push(client, token, same + [field_report(area="M20"), field_report(seen_on=week_ago)])
    h.push(client, h.token_for(south.peer), [field_report(drug_described="South only")])
    coordinator = _signed_in(app, "north-coordinator")
    page = coordinator.get("/coordination/field-reports").get_data(as_text=True)
    assert "M14, week of" in page and ": 2 report(s)" in page
    assert page.count("report(s)</h2>") == 3 + 0  # M14 this week, M20, M14 last week
    assert "South only" not in page
    ids = ",".join(r["id"] for r in same)
    response = _issue(coordinator, reports=ids, report_ids=ids)
    assert response.status_code == 302
    alert = db.session.scalar(select(DrugAlert))
    statuses = {
        r.id: (r.triage_status, r.alert_id)
        for r in db.session.scalars(
            select(FieldReport).where(FieldReport.organisation_id == north.peers.id)
        )
    }
    assert all(statuses[r["id"]] == ("alerted", alert.id) for r in same)
    assert sum(1 for s, _ in statuses.values() if s == "new") == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "drug_alert.create"))
    assert sorted(event.detail["field_reports"]) == sorted(r["id"] for r in same)
    # Another service's report id slipped into the form is ignored, never linked.
    south_report = db.session.scalar(
        select(FieldReport).where(FieldReport.organisation_id == south.peers.id)
    )
    _issue(coordinator, report_ids=south_report.id)
    db.session.refresh(south_report)
    assert south_report.triage_status == "new" and south_report.alert_id is None


def test_area_alert_needs_the_commissioners_agreement_and_reaches_the_whole_area(
    app, client, two_areas, second_service
):
    north = two_areas.north
    coordinator = _signed_in(app, "north-coordinator")
    refused = _issue(coordinator, scope="area")
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "needs the commissioner&#39;s agreement" in text
    assert "Say how the commissioner agreed" in text
    assert db.session.scalar(select(DrugAlert)) is None
    # A commissioner of another area cannot be named.
    assert (
        _issue(
            coordinator,
            scope="area",
            agreed_by=str(two_areas.south.commissioner.id),
            agreement_note="By phone",
        ).status_code
        == 400
    )
    sent = _issue(
        coordinator,
        scope="area",
        agreed_by=str(north.commissioner.id),
        agreement_note="By phone, 30/11 14:10",
    )
    assert sent.status_code == 302
    alert = db.session.scalar(select(DrugAlert))
    assert (alert.scope, alert.agreed_by_id) == ("area", north.commissioner.id)
    # The other service's pharmacist pulls it; the south area's peer does not.
    other = client.get("/api/v1/sync/pull", headers=h.bearer(h.token_for(second_service)))
    assert [a["id"] for a in other.json["changes"]["alerts"]] == [alert.id]
    assert other.json["changes"]["alerts"][0]["scope"] == "area"
    south = client.get("/api/v1/sync/pull", headers=h.bearer(h.token_for(two_areas.south.peer)))
    assert south.json["changes"]["alerts"] == []
    # A service alert stays with the service.
    _issue(coordinator, substance="Service only")
    again = client.get("/api/v1/sync/pull?cursor=0", headers=h.bearer(h.token_for(second_service)))
    assert [a["substance"] for a in again.json["changes"]["alerts"]] == ["Heroin with nitazenes"]
    # The commissioner sees both alerts.
    overview = _signed_in(app, "north-commissioner").get("/monitoring/alerts")
    assert overview.get_data(as_text=True).count("Heroin with nitazenes") == 1
    assert "Service only" in overview.get_data(as_text=True)


def test_red_alert_is_pushed_encrypted_to_a_phone_of_another_service_and_counted(
    app, client, two_areas, second_service, receiver, vapid
):
    north = two_areas.north
    token = h.token_for(second_service)
    device = db.session.scalar(select(Device).where(Device.user_id == second_service.id))
    # The phone's subscription keys, as a browser makes them.
    private = ec.generate_private_key(ec.SECP256R1())
    p256dh = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    auth_secret = b"0123456789abcdef"
    answer = client.put(
        "/api/v1/push-subscription",
        headers=h.bearer(token),
        json={
            "permission": "granted",
            "endpoint": f"{receiver.url}/push/phone-1",
            "keys": {"p256dh": _b64(p256dh), "auth": _b64(auth_secret)},
        },
    )
    assert answer.status_code == 200, answer.json
    # A phone of the issuing service said no: listed for the coordinator to phone.
    peer_token = h.token_for(north.peer)
    assert (
        client.put(
            "/api/v1/push-subscription", headers=h.bearer(peer_token), json={"permission": "denied"}
        ).status_code
        == 200
    )
    # The snapshot gives phones the key to subscribe with.
    snapshot = client.get("/api/v1/sync/pull", headers=h.bearer(token)).json["snapshot"]
    assert snapshot["push_public_key"] == vapid

    coordinator = _signed_in(app, "north-coordinator")
    response = _issue(
        coordinator,
        scope="area",
        agreed_by=str(north.commissioner.id),
        agreement_note="Email, 30/11",
    )
    assert response.status_code == 302
    assert len(receiver.received) == 1
    message = receiver.received[0]
    assert message["path"] == "/push/phone-1"
    assert message["headers"]["content-encoding"] == "aes128gcm"
    assert message["headers"]["authorization"].startswith("vapid t=")
    clear = json.loads(
        http_ece.decrypt(
            message["body"], private_key=private, auth_secret=auth_secret, version="aes128gcm"
        )
    )
    alert = db.session.scalar(select(DrugAlert))
    assert clear == {
        "alert_id": alert.id,
        "title": "RED: Heroin with nitazenes",
        "body": "Town centre, M14. Carry naloxone. Call 999.",
    }

    # Received (the service worker) and opened (the person tapped it); again is harmless.
    for event in ("received", "opened", "opened"):
        assert (
            client.post(
                "/api/v1/alert-receipts",
                headers=h.bearer(token),
                json={"alert_id": alert.id, "event": event},
            ).status_code
            == 200
        )
    deliveries = db.session.scalars(select(AlertDelivery)).all()
    # Addressed to every phone in use of the area (the peer's, the subscribed one's).
    assert {d.device_id for d in deliveries} == {
        device.id,
        db.session.scalar(select(Device.id).where(Device.user_id == north.peer.id)),
    }
    detail = coordinator.get(f"/coordination/alerts/{alert.id}").get_data(as_text=True)
    sent_to = len(deliveries)
    assert f'<th scope="row">Phones it was sent to</th><td>{sent_to}</td>' in detail
    assert '<th scope="row">Pushed as a notification</th><td>1</td>' in detail
    assert '<th scope="row">Received</th><td>1</td>' in detail
    assert '<th scope="row">Opened</th><td>1</td>' in detail
    refused_list = detail[detail.index('id="refused"') :]
    assert "Test peer" in refused_list.split("</ul>")[0]
    # A south phone cannot claim a north alert.
    south = h.token_for(two_areas.south.peer)
    assert (
        client.post(
            "/api/v1/alert-receipts",
            headers=h.bearer(south),
            json={"alert_id": alert.id, "event": "opened"},
        ).status_code
        == 404
    )


def test_amber_alerts_go_by_pull_only_and_a_granted_phone_must_send_its_endpoint(
    app, client, two_areas, receiver, vapid
):
    north = two_areas.north
    token = h.token_for(north.pharmacist)
    client.put(
        "/api/v1/push-subscription",
        headers=h.bearer(token),
        json={
            "permission": "granted",
            "endpoint": f"{receiver.url}/gone",
            "keys": {
                "p256dh": _b64(
                    ec.generate_private_key(ec.SECP256R1())
                    .public_key()
                    .public_bytes(
                        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
                    )
                ),
                "auth": _b64(b"0123456789abcdef"),
            },
        },
    )
    coordinator = _signed_in(app, "north-coordinator")
    _issue(coordinator, grading="amber")
    assert receiver.received == []
    assert client.put(
        "/api/v1/push-subscription", headers=h.bearer(token), json={"permission": "granted"}
    ).json["error"]["fields"]["endpoint"]


def test_referral_destination_outcome_and_stages(app, client, two_areas):
    north, south = two_areas.north, two_areas.south
    coordinator = _signed_in(app, "north-coordinator")
    page = coordinator.get("/coordination/referral-destinations")
    coordinator.post(
        "/coordination/referral-destinations",
        data={"csrf_token": csrf_token_from(page), "name": "Recovery Hub", "kind": "treatment"},
    )
    hub = db.session.scalar(select(ReferralDestination))
    token = h.token_for(north.peer)
    pulled = client.get("/api/v1/sync/pull", headers=h.bearer(token)).json
    assert [d["name"] for d in pulled["changes"]["referral_destinations"]] == ["Recovery Hub"]
    supplies = [
        h.kit_supply(
            north, referral_offered=True, referral_accepted=True, referral_destination_id=hub.id
        )
        for _ in range(3)
    ]
    supplies += [h.kit_supply(north, referral_offered=True, referral_accepted=False)]
    results = h.push(client, token, supplies).json["results"]
    assert [r["status"] for r in results] == ["stored"] * 4
    # A destination of another service, or on a referral not accepted, is refused.
    south_hub = ReferralDestination(organisation_id=south.service.id, name="South", kind="gp")
    db.session.add(south_hub)
    db.session.commit()
    bad = h.push(
        client,
        token,
        [
            h.kit_supply(north, referral_accepted=True, referral_destination_id=south_hub.id),
            h.kit_supply(north, referral_accepted=False, referral_destination_id=hub.id),
        ],
    ).json
    assert [r["status"] for r in bad["results"]] == ["invalid", "invalid"]
    assert all("referral_destination_id" in r["errors"] for r in bad["results"])

    waiting = coordinator.get("/coordination/referrals")
    assert waiting.get_data(as_text=True).count("Recovery Hub") == 3
    for supply, outcome in zip(supplies[:2], ("attended", "declined"), strict=True):
        assert (
            coordinator.post(
                f"/coordination/referrals/{supply['id']}",
                data={
                    "csrf_token": csrf_token_from(waiting),
                    "outcome": outcome,
                    "on": h.TODAY.isoformat(),
                },
            ).status_code
            == 302
        )
    assert db.session.get(KitSupply, supplies[0]["id"]).referral_outcome == "attended"
    # Another area's coordinator cannot record one.
    south_client = _signed_in(app, "south-coordinator")
    token_south = csrf_token_from(south_client.get("/coordination/referrals"))
    assert (
        south_client.post(
            f"/coordination/referrals/{supplies[2]['id']}",
            data={"csrf_token": token_south, "outcome": "attended", "on": h.TODAY.isoformat()},
        ).status_code
        == 404
    )
