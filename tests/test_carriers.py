"""Partner agencies' carriers: hold kits, report naloxone use, never supply (issue 12,
point 3). Through the coordinator's forms, the real sync API and the monitoring figures."""

import datetime as dt

from sqlalchemy import select

from peerkit.extensions import db
from peerkit.models import Organisation, Site, User
from peerkit.monitoring import metrics
from peerkit.monitoring.filters import Filters
from peerkit.stock import in_hand

from . import api_helpers as h
from .conftest import AuthActions, csrf_token_from


def _shelter(area) -> Organisation:
    shelter = Organisation(
        name=f"{area.service.name} night shelter",
        kind="partner_agency",
        area_id=area.area.id,
        managed_by_id=area.service.id,
    )
    db.session.add(shelter)
    db.session.commit()
    return shelter


def _post(client, url, data):
    token = csrf_token_from(client.get(url))
    return client.post(url, data={**data, "csrf_token": token})


def _new_person(client, organisation, role="carrier", username="sam"):
    return _post(
        client,
        "/coordination/people/new",
        {
            "display_name": "Sam Shelter",
            "username": username,
            "organisation_id": organisation.id,
            "role": role,
        },
    )


def test_coordinator_creates_a_carrier_in_a_partner_agency_only(client, auth, two_areas):
    north = two_areas.north
    shelter = _shelter(north)
    auth.login("north-coordinator")
    wrong = _new_person(client, north.peers)
    assert wrong.status_code == 400 and b"belongs in a partner agency" in wrong.data
    created = _new_person(client, shelter)
    assert created.status_code == 200 and b"/invite#" in created.data
    sam = db.session.scalar(select(User).where(User.username == "sam"))
    assert (sam.role, sam.organisation_id) == ("carrier", shelter.id)
    # Listed with the people the service runs, not among the suppliers to sign off.
    assert f'/coordination/accounts/{sam.id}"'.encode() in client.get("/coordination/accounts").data
    assert b"Sam Shelter" not in client.get("/coordination/people").data


def test_a_carrier_holds_kits_and_reports_use_but_never_supplies(
    app, client, auth, two_areas, make_user
):
    north = two_areas.north
    shelter = _shelter(north)
    front_desk = Site(
        organisation=shelter,
        name="Front desk",
        site_type="homelessness_service",
        postcode_district="M14",
    )
    db.session.add(front_desk)
    db.session.commit()
    carrier = make_user("carrier", shelter, username="north-carrier")
    auth.login("north-coordinator")
    stock_url = "/coordination/stock"
    _post(
        client,
        stock_url,
        {
            "receive-product_id": north.product.id,
            "receive-batch_number": north.batch.batch_number,
            "receive-expiry_date": north.batch.expiry_date.isoformat(),
            "receive-quantity": 10,
            "receive-to": f"site:{north.sites.service.id}",
            "receive-submit": "Record delivery",
        },
    )
    sent = _post(
        client,
        stock_url,
        {
            "move-batch_id": north.batch.id,
            "move-source": f"site:{north.sites.service.id}",
            "move-kind": "transferred",
            "move-destination": f"user:{carrier.id}",
            "move-quantity": 4,
            "move-submit": "Record",
        },
    )
    assert sent.status_code == 302
    assert "Carrier: Test carrier" in client.get(stock_url).get_data(as_text=True)

    # The carrier sets a phone up while signed in, as anyone in the field does.
    phone = app.test_client()
    AuthActions(phone).login("north-carrier")
    csrf = csrf_token_from(phone.get("/app/enrol"))
    enrolled = phone.post(
        "/api/v1/devices", json={"label": "shelter phone"}, headers={"X-CSRFToken": csrf}
    )
    assert enrolled.status_code == 201
    token = enrolled.json["token"]
    snapshot = phone.get("/api/v1/sync/pull", headers=h.bearer(token)).json["snapshot"]
    assert [(s["batch_number"], s["quantity"]) for s in snapshot["stock_in_hand"]] == [
        (north.batch.batch_number, 4)
    ]
    assert snapshot["supplier"]["authorised"] is False

    results = h.push(
        phone,
        token,
        [
            h.use_report(administered_by="worker"),
            h.kit_supply(north, site_id=front_desk.id),
            h.stock_return(north, quantity=1),
        ],
    ).json["results"]
    # A carrier does not supply: if a supply arrives anyway it is kept but held (a kit
    # that left someone's hands is a fact), and not counted. Returns are their own stock.
    assert [r["status"] for r in results] == ["stored", "held", "stored"]
    assert "Only peer, pharmacy and drug-service accounts" in results[1]["message"]
    assert in_hand(user_id=carrier.id) == {north.batch.id: 2}

    # Their use report counts for the commissioner, under the partner agency's channel.
    today = dt.date.today()
    summary = metrics.summary(north.commissioner, Filters(today, today), today)
    assert summary.totals["use_reports"] == 1 and summary.totals["kits"] == 0
    outreach = metrics.summary(north.commissioner, Filters(today, today, channel="outreach"), today)
    assert outreach.totals["use_reports"] == 1
    # And the kits they carry show in stock today.
    rows = metrics.stock(north.commissioner, today)["rows"]
    assert ("Carried by carriers", shelter.name, 2) in {
        (r["holder"], r["organisation"], r["on_hand"]) for r in rows
    }
    commissioner = app.test_client()
    AuthActions(commissioner).login("north-commissioner")
    assert b"Carried by carriers" in commissioner.get("/monitoring/stock").data
