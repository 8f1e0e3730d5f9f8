"""People, organisations and sites over time: renames, moves, leavers and closed sites,
through the real forms (issue 12, point 2)."""

import datetime as dt

import pytest
from sqlalchemy import select

from peerkit.coordination import stock_ops
from peerkit.extensions import db
from peerkit.models import AuditEvent, Device, Organisation, Site, SupplierSignOff, User
from peerkit.monitoring import metrics
from peerkit.monitoring.filters import Filters
from peerkit.stock import in_hand

from . import api_helpers as h
from . import factories
from .conftest import AuthActions, csrf_token_from


def _post(client, url, data=None, form_url=None):
    token = csrf_token_from(client.get(form_url or url))
    return client.post(url, data={**(data or {}), "csrf_token": token})


def _actions() -> list[str]:
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def _second_group(area) -> Organisation:
    group = Organisation(
        name=f"{area.service.name} second group",
        kind="peer_group",
        area_id=area.area.id,
        managed_by_id=area.service.id,
    )
    db.session.add(group)
    db.session.commit()
    return group


def test_coordinator_renames_and_moves_a_peer_within_the_service(client, auth, two_areas):
    north = two_areas.north
    group = _second_group(north)
    old_record = factories.kit_supply(north.peer, north.sites.peers, north.batch)
    auth.login("north-coordinator")
    url = f"/coordination/accounts/{north.peer.id}"
    page = client.get(url)
    assert group.name.encode() in page.data
    assert north.pharmacy.name.encode() not in page.data  # a peer never moves to a pharmacy
    response = _post(client, url, {"display_name": "Robin Peer", "organisation_id": group.id})
    assert response.status_code == 302
    db.session.expire_all()
    peer = db.session.get(User, north.peer.id)
    assert (peer.display_name, peer.organisation_id) == ("Robin Peer", group.id)
    # What they recorded before stays with the group it was recorded in.
    assert db.session.get(type(old_record), old_record.id).organisation_id == north.peers.id
    assert {"user.rename", "user.move"} <= set(_actions())
    move = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.move"))
    assert move.detail == {"from_organisation_id": north.peers.id, "to_organisation_id": group.id}
    assert "Robin" not in str(move.detail)  # the audit log holds ids, never names


def test_moves_outside_the_service_or_the_role_are_refused(client, auth, two_areas):
    north, south = two_areas.north, two_areas.south
    auth.login("north-coordinator")
    url = f"/coordination/accounts/{north.peer.id}"
    for organisation in (north.pharmacy, south.peers):
        response = _post(
            client, url, {"display_name": "Test peer", "organisation_id": organisation.id}
        )
        assert response.status_code == 400  # not among the choices offered
    blank = _post(client, url, {"display_name": " ", "organisation_id": north.peers.id})
    assert blank.status_code == 400 and b"This field is required" in blank.data
    db.session.expire_all()
    assert db.session.get(User, north.peer.id).organisation_id == north.peers.id
    assert "user.move" not in _actions()


def test_deactivating_ends_sessions_and_phones_at_once_but_keeps_the_records(
    app, client, auth, two_areas
):
    north = two_areas.north
    supply = factories.kit_supply(north.peer, north.sites.peers, north.batch, quantity=2)
    token = h.token_for(north.peer)
    peer_browser = app.test_client()
    AuthActions(peer_browser).login("north-peer")
    assert peer_browser.get("/app/enrol").status_code == 200
    auth.login("north-coordinator")
    response = _post(
        client,
        f"/coordination/accounts/{north.peer.id}/deactivate",
        {"reason": "Left the project"},
        form_url=f"/coordination/accounts/{north.peer.id}",
    )
    assert response.status_code == 302
    # Signed out everywhere, and the phone is locked out, at once.
    assert "/login" in peer_browser.get("/app/enrol").headers["Location"]
    assert client.get("/api/v1/sync/pull", headers=h.bearer(token)).status_code == 401
    # What the phone still had is handed over and held, never counted unreviewed.
    late = h.push(client, token, [h.use_report()]).json
    assert late["device"]["revoked"] is True
    assert late["results"][0]["status"] == "held"
    assert AuthActions(app.test_client()).login("north-peer").status_code != 302
    db.session.expire_all()
    device = db.session.scalar(select(Device).where(Device.user_id == north.peer.id))
    assert device.revoked_reason == "Left the project"
    # Records, sign-offs and the figures stay.
    assert db.session.get(type(supply), supply.id) is not None
    assert (
        db.session.scalar(
            select(SupplierSignOff).where(SupplierSignOff.user_id == north.peer.id)
        ).withdrawn_at
        is None
    )
    today = dt.date.today()
    summary = metrics.summary(north.commissioner, Filters(today, today), today)
    assert summary.totals["kits"] == 2
    assert {"user.deactivate", "device.revoke"} <= set(_actions())
    # The account is listed as left, and can come back.
    assert b"Left" in client.get("/coordination/accounts").data
    again = _post(
        client,
        f"/coordination/accounts/{north.peer.id}/reactivate",
        form_url=f"/coordination/accounts/{north.peer.id}",
    )
    assert again.status_code == 302
    assert AuthActions(app.test_client()).login("north-peer").status_code == 302
    # The phone stays locked out: it may only hand records over, held.
    assert client.get("/api/v1/sync/pull", headers=h.bearer(token)).status_code == 401
    assert h.push(client, token, [h.use_report()]).json["device"]["revoked"] is True
    assert "user.reactivate" in _actions()


def test_a_leaver_with_kits_stays_on_the_stock_page_until_they_come_back(client, auth, two_areas):
    north = two_areas.north
    auth.login("north-coordinator")
    stock_url = "/coordination/stock"

    def move(source, kind, destination=""):
        return _post(
            client,
            stock_url,
            {
                "move-batch_id": north.batch.id,
                "move-source": source,
                "move-kind": kind,
                "move-destination": destination,
                "move-quantity": 3,
                "move-submit": "Record",
            },
        )

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
    assert (
        move(f"site:{north.sites.service.id}", "transferred", f"user:{north.peer.id}").status_code
        == 302
    )
    _post(
        client,
        f"/coordination/accounts/{north.peer.id}/deactivate",
        form_url=f"/coordination/accounts/{north.peer.id}",
    )
    page = client.get(stock_url).get_data(as_text=True)
    assert "Peer: Test peer (left)" in page
    assert "3 kit(s)" in client.get("/coordination/accounts").get_data(as_text=True)
    # Kits never go to someone who has left.
    refused = move(f"site:{north.sites.service.id}", "transferred", f"user:{north.peer.id}")
    assert refused.status_code == 400  # not among the destinations offered
    with pytest.raises(stock_ops.StockError, match="has left"):  # nor by any other route
        stock_ops.move_out(
            north.coordinator,
            north.batch,
            1,
            f"site:{north.sites.service.id}",
            "transferred",
            f"user:{north.peer.id}",
        )
    db.session.rollback()
    # They come back: recorded as returned from the leaver, and the row goes.
    assert move(f"user:{north.peer.id}", "returned").status_code == 302
    assert in_hand(user_id=north.peer.id) == {}
    assert "Test peer" not in client.get(stock_url).get_data(as_text=True)


def test_nobody_manages_themselves_their_peers_or_above(client, auth, two_areas, make_user):
    north, south = two_areas.north, two_areas.south
    colleague = make_user("coordinator", north.service, username="north-colleague")
    auth.login("north-coordinator")
    for user_id in (north.coordinator.id, colleague.id, north.admin.id):
        assert client.get(f"/coordination/accounts/{user_id}").status_code in (403, 404)
        token = csrf_token_from(client.get("/coordination/accounts"))
        response = client.post(
            f"/coordination/accounts/{user_id}/deactivate", data={"csrf_token": token}
        )
        assert response.status_code in (403, 404)
    assert client.get(f"/coordination/accounts/{south.peer.id}").status_code == 404
    listed = client.get("/coordination/accounts").get_data(as_text=True)
    assert f'/coordination/accounts/{north.pharmacist.id}"' in listed
    assert f'/coordination/accounts/{colleague.id}"' not in listed
    auth.logout()
    auth.login("north-admin")
    assert client.get(f"/coordination/accounts/{north.peer.id}").status_code == 403
    assert client.get(f"/coordination/accounts/{south.coordinator.id}").status_code == 404
    # An admin manages the coordinators of their area.
    url = f"/coordination/accounts/{colleague.id}"
    assert _post(client, url, {"display_name": "Kim"}).status_code == 302
    assert _post(client, url + "/deactivate", form_url=url).status_code == 302
    db.session.expire_all()
    kim = db.session.get(User, colleague.id)
    assert kim.display_name == "Kim" and not kim.active
    assert db.session.get(User, north.coordinator.id).active


def test_admin_renames_and_closes_sites_which_leave_forms_but_stay_in_history(
    client, auth, two_areas
):
    north, south = two_areas.north, two_areas.south
    # One kit delivered to the counter and supplied there: nothing left to move.
    stock_ops.receive(
        north.coordinator,
        north.product.id,
        north.batch.batch_number,
        north.batch.expiry_date,
        1,
        f"site:{north.sites.pharmacy.id}",
    )
    factories.kit_supply(north.pharmacist, north.sites.pharmacy, north.batch)
    phone = h.token_for(north.pharmacist)
    cursor = client.get("/api/v1/sync/pull", headers=h.bearer(phone)).json["cursor"]
    auth.login("north-admin")
    org_url = f"/coordination/organisations/{north.pharmacy.id}"
    taken = _post(client, org_url, {"name": north.peers.name})
    assert taken.status_code == 409 and b"already has that name" in taken.data
    assert _post(client, org_url, {"name": "Northbridge Chemist"}).status_code == 302
    site_url = f"/coordination/sites/{north.sites.pharmacy.id}"
    assert _post(client, site_url, {"name": "Counter 1"}).status_code == 302
    closed = _post(client, site_url + "/close", form_url=site_url)
    assert closed.status_code == 302
    assert client.get(f"/coordination/sites/{south.sites.pharmacy.id}").status_code == 404
    db.session.expire_all()
    site = db.session.get(Site, north.sites.pharmacy.id)
    assert (site.name, site.active) == ("Counter 1", False)
    assert db.session.get(Organisation, north.pharmacy.id).name == "Northbridge Chemist"
    assert {"organisation.rename", "site.rename", "site.close"} <= set(_actions())
    # The phone learns the site closed at its next pull.
    changes = client.get(f"/api/v1/sync/pull?cursor={cursor}", headers=h.bearer(phone)).json[
        "changes"
    ]
    assert [(s["name"], s["active"]) for s in changes["sites"]] == [("Counter 1", False)]
    # No longer offered to the coordinator, still counted for the commissioner.
    auth.logout()
    auth.login("north-coordinator")
    assert b"Counter 1" not in client.get("/coordination/stock").data
    today = dt.date.today()
    summary = metrics.summary(north.commissioner, Filters(today, today), today)
    assert {b.label: b.kits for b in summary.by_site} == {"Counter 1": 1}
    auth.logout()
    auth.login("north-admin")
    assert _post(client, site_url + "/reopen", form_url=site_url).status_code == 302
    db.session.expire_all()
    assert db.session.get(Site, north.sites.pharmacy.id).active
