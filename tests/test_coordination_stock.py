"""Stock through the coordinator's forms: deliveries, transfers, write-offs, recall."""

import datetime as dt
import threading

from sqlalchemy import select

from peerkit.coordination import stock_ops
from peerkit.extensions import db
from peerkit.models import StockBatch, StockMovement, User
from peerkit.stock import in_hand

from . import api_helpers as h
from .conftest import csrf_token_from

NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()


def _post(client, data, url="/coordination/stock"):
    token = csrf_token_from(client.get(url))
    return client.post(url, data={**data, "csrf_token": token})


def _receive(client, area, quantity=10, batch="NEW-1"):
    return _post(
        client,
        {
            "receive-product_id": area.product.id,
            "receive-batch_number": batch,
            "receive-expiry_date": NEXT_YEAR,
            "receive-quantity": quantity,
            "receive-to": f"site:{area.sites.service.id}",
            "receive-submit": "Record delivery",
        },
    )


def _move(client, batch_id, source, quantity, kind="transferred", destination=""):
    return _post(
        client,
        {
            "move-batch_id": batch_id,
            "move-source": source,
            "move-kind": kind,
            "move-destination": destination,
            "move-quantity": quantity,
            "move-submit": "Record",
        },
    )


def test_delivery_then_transfer_reaches_the_peers_phone(client, auth, two_areas):
    north = two_areas.north
    auth.login("north-coordinator")
    assert _receive(client, north).status_code == 302
    batch = db.session.scalar(select(StockBatch).where(StockBatch.batch_number == "NEW-1"))
    response = _move(
        client, batch.id, f"site:{north.sites.service.id}", 4, destination=f"user:{north.peer.id}"
    )
    assert response.status_code == 302
    assert in_hand(site_id=north.sites.service.id) == {batch.id: 6}
    stock = client.get("/api/v1/sync/pull", headers=h.bearer(h.token_for(north.peer))).json
    assert [(s["batch_number"], s["quantity"]) for s in stock["snapshot"]["stock_in_hand"]] == [
        ("NEW-1", 4)
    ]


def test_stock_never_goes_negative_and_write_offs_count(client, auth, two_areas):
    north = two_areas.north
    auth.login("north-coordinator")
    _receive(client, north, quantity=5)
    batch = db.session.scalar(select(StockBatch).where(StockBatch.batch_number == "NEW-1"))
    site = f"site:{north.sites.service.id}"
    too_many = _move(client, batch.id, site, 6, destination=f"user:{north.peer.id}")
    assert too_many.status_code == 409 and b"Only 5 kit(s)" in too_many.data
    assert _move(client, batch.id, site, 2, kind="expired").status_code == 302
    assert in_hand(site_id=north.sites.service.id) == {batch.id: 3}
    no_destination = _move(client, batch.id, site, 1)
    assert no_destination.status_code == 400
    assert b"Say where the kits are going" in no_destination.data


def test_expired_delivery_is_refused(client, auth, two_areas):
    auth.login("north-coordinator")
    response = _post(
        client,
        {
            "receive-product_id": two_areas.north.product.id,
            "receive-batch_number": "OLD",
            "receive-expiry_date": "2020-01-01",
            "receive-quantity": 5,
            "receive-to": f"site:{two_areas.north.sites.service.id}",
            "receive-submit": "x",
        },
    )
    assert response.status_code == 400 and b"already expired" in response.data
    assert db.session.scalar(select(StockBatch).where(StockBatch.batch_number == "OLD")) is None


def test_concurrent_transfers_cannot_spend_the_same_kits(app, two_areas):
    north = two_areas.north
    db.session.add(
        StockMovement(
            id="00000000-0000-4000-8000-000000000001",
            organisation_id=north.service.id,
            user_id=north.coordinator.id,
            client_created_at=dt.datetime(2026, 1, 1),
            kind="received",
            moved_on=dt.date.today(),
            batch_id=north.batch.id,
            quantity=10,
            to_site_id=north.sites.service.id,
        )
    )
    db.session.commit()
    coordinator_id, batch_id = north.coordinator.id, north.batch.id
    site, peer = f"site:{north.sites.service.id}", f"user:{north.peer.id}"
    peer_id, site_id = north.peer.id, north.sites.service.id
    db.session.commit()  # end this test's transaction: the threads need the database
    outcomes, barrier = [], threading.Barrier(3)

    def transfer():
        with app.test_request_context():
            try:
                coordinator = db.session.get(User, coordinator_id)
                batch = db.session.get(StockBatch, batch_id)
                db.session.commit()
                barrier.wait(timeout=30)
                stock_ops.move_out(coordinator, batch, 6, site, "transferred", peer)
                db.session.commit()
                outcomes.append("moved")
            except stock_ops.StockError:
                db.session.rollback()
                outcomes.append("refused")
            except Exception as error:  # reported by the assertion below
                outcomes.append(repr(error))

    threads = [threading.Thread(target=transfer) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["moved", "refused", "refused"]
    assert in_hand(site_id=site_id) == {batch_id: 4}
    assert in_hand(user_id=peer_id) == {batch_id: 6}


def test_recall_traces_supplies_and_reaches_phones(client, auth, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    first = h.push(client, token, [h.kit_supply(north, quantity=2)]).json
    assert first["results"][0]["status"] == "stored"
    cursor = client.get("/api/v1/sync/pull", headers=h.bearer(token)).json["cursor"]
    auth.login("north-coordinator")
    url = f"/coordination/batches/{north.batch.id}"
    page = client.get(url).get_data(as_text=True)
    assert "north outreach" in page and "Test peer" in page
    assert "rc_" not in page  # pseudonymous: no recipient codes in a trace
    assert _post(client, {"reason": "Faulty needles"}, url).status_code == 302
    pulled = client.get(f"/api/v1/sync/pull?cursor={cursor}", headers=h.bearer(token)).json
    assert [(b["batch_number"], b["recalled"]) for b in pulled["changes"]["batches"]] == [
        ("north-B1", True)
    ]


def test_another_service_cannot_see_or_move_this_stock(client, auth, two_areas):
    north = two_areas.north
    auth.login("south-coordinator")
    assert client.get(f"/coordination/batches/{north.batch.id}").status_code == 404
    response = _move(client, north.batch.id, f"site:{north.sites.service.id}", 1, kind="destroyed")
    assert response.status_code in (400, 404)
    assert db.session.scalars(select(StockMovement)).all() == []


def test_amnesty_swaps_old_kits_for_new_in_one_step(client, auth, two_areas):
    north = two_areas.north
    auth.login("north-coordinator")
    _receive(client, north, quantity=10, batch="NEW-1")
    new = db.session.scalar(select(StockBatch).where(StockBatch.batch_number == "NEW-1"))
    site, peer = f"site:{north.sites.service.id}", f"user:{north.peer.id}"
    db.session.add(
        StockMovement(
            id="00000000-0000-4000-8000-000000000002",
            organisation_id=north.service.id,
            user_id=north.coordinator.id,
            client_created_at=dt.datetime(2026, 1, 1),
            kind="transferred",
            moved_on=dt.date.today(),
            batch_id=north.batch.id,
            quantity=3,
            to_user_id=north.peer.id,
        )
    )
    db.session.commit()
    swap = {
        "amnesty-holder": peer,
        "amnesty-old_batch_id": north.batch.id,
        "amnesty-new_batch_id": new.id,
        "amnesty-new_from": site,
        "amnesty-quantity": 3,
        "amnesty-submit": "Record the swap",
    }
    assert _post(client, swap).status_code == 302
    assert in_hand(user_id=north.peer.id) == {new.id: 3}
    assert in_hand(site_id=north.sites.service.id) == {new.id: 7}
    # A second swap of kits the peer no longer has changes nothing at all.
    assert _post(client, swap).status_code == 409
    assert in_hand(user_id=north.peer.id) == {new.id: 3}
