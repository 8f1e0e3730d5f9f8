"""Stock records made on the phone (issue 12, point 5): returns and kits out of use, and
transfers confirmed by the person who received them, on both databases."""

import datetime as dt

from sqlalchemy import select

from peerkit.clock import uk_today
from peerkit.extensions import db
from peerkit.models import StockBalance, StockMovement, utcnow
from peerkit.stock import in_hand

from . import api_helpers as h


def _transfer(area, quantity=6, to_user=None, to_site=None) -> StockMovement:
    movement = StockMovement(
        id=h.new_id(),
        organisation_id=area.service.id,
        user_id=area.coordinator.id,
        client_created_at=utcnow(),
        kind="transferred",
        moved_on=uk_today(),
        batch_id=area.batch.id,
        quantity=quantity,
        to_user_id=to_user.id if to_user else None,
        to_site_id=to_site.id if to_site else None,
    )
    db.session.add(movement)
    db.session.commit()
    return movement


def test_a_peer_returns_and_reports_kits_out_of_use_from_the_phone(client, two_areas):
    north = two_areas.north
    _transfer(north, 10, to_user=north.peer)
    records = [
        h.stock_return(north, kind=kind, quantity=1)
        for kind in ("returned", "damaged", "expired", "lost", "stolen")
    ]
    answers = h.push(client, h.token_for(north.peer), records).json["results"]
    assert [a["status"] for a in answers] == ["stored"] * 5
    kinds = sorted(
        db.session.scalars(
            select(StockMovement.kind).where(StockMovement.from_user_id == north.peer.id)
        )
    )
    assert kinds == ["damaged", "expired", "lost", "returned", "stolen"]
    assert in_hand(user_id=north.peer.id) == {north.batch.id: 5}
    unknown = h.stock_return(north, kind="sold")
    assert h.push(client, h.token_for(north.peer), [unknown]).json["results"][0]["errors"] == {
        "kind": ["Must be one of: returned, expired, destroyed, damaged, lost, stolen."]
    }


def test_a_peer_who_hands_out_their_last_kits_holds_none_of_the_batch(client, two_areas):
    """A holder with none of a batch left has no balance row (the stock page lists rows):
    the push that empties it removes it, as the rebuild would never make it."""
    north = two_areas.north
    _transfer(north, 2, to_user=north.peer)
    token = h.token_for(north.peer)
    answer = h.push(client, token, [h.kit_supply(north), h.stock_return(north, quantity=1)])
    assert [a["status"] for a in answer.json["results"]] == ["stored", "stored"]
    assert in_hand(user_id=north.peer.id) == {}
    held = select(StockBalance).where(StockBalance.user_id == north.peer.id)
    assert db.session.scalars(held).all() == []
    # And a later delivery starts the row again.
    _transfer(north, 3, to_user=north.peer)
    assert in_hand(user_id=north.peer.id) == {north.batch.id: 3}


def test_a_transfer_is_confirmed_once_by_whoever_received_it(client, two_areas):
    north = two_areas.north
    to_peer = _transfer(north, 6, to_user=north.peer)
    to_pharmacy = _transfer(north, 4, to_site=north.sites.pharmacy)
    _transfer(two_areas.south, 3, to_user=two_areas.south.peer)
    peer_token = h.token_for(north.peer)
    snapshot = client.get("/api/v1/sync/pull", headers=h.bearer(peer_token)).json["snapshot"]
    assert [
        (t["id"], t["quantity"], t["batch_number"]) for t in snapshot["transfers_to_confirm"]
    ] == [(to_peer.id, 6, "north-B1")]
    pharmacy_snapshot = client.get(
        "/api/v1/sync/pull", headers=h.bearer(h.token_for(north.pharmacist))
    ).json["snapshot"]
    assert [t["id"] for t in pharmacy_snapshot["transfers_to_confirm"]] == [to_pharmacy.id]

    def receipt(movement, quantity):
        return {
            "kind": "transfer_receipt",
            "id": h.new_id(),
            "data": {
                "client_created_at": h.NOW.isoformat(),
                "movement_id": movement.id,
                "quantity_received": quantity,
            },
        }

    # Not theirs: the pharmacy's transfer cannot be confirmed by the peer.
    wrong = h.push(client, peer_token, [receipt(to_pharmacy, 4)]).json["results"][0]
    assert wrong["status"] == "invalid" and "movement_id" in wrong["errors"]
    first = receipt(to_peer, 5)  # one short: kept as said, for the coordinator
    assert h.push(client, peer_token, [first]).json["results"][0]["status"] == "stored"
    assert h.push(client, peer_token, [first]).json["results"][0]["status"] == "duplicate"
    db.session.expire_all()
    confirmed = db.session.get(StockMovement, to_peer.id)
    assert confirmed.receipt_quantity == 5 and confirmed.receipt_confirmed_at is not None
    assert db.session.get(StockMovement, to_pharmacy.id).receipt_confirmed_at is None
    snapshot = client.get("/api/v1/sync/pull", headers=h.bearer(peer_token)).json["snapshot"]
    assert snapshot["transfers_to_confirm"] == []


def test_old_transfers_are_not_asked_about(client, two_areas):
    north = two_areas.north
    old = _transfer(north, 2, to_user=north.peer)
    old.moved_on = uk_today() - dt.timedelta(days=200)
    db.session.commit()
    snapshot = client.get("/api/v1/sync/pull", headers=h.bearer(h.token_for(north.peer))).json[
        "snapshot"
    ]
    assert snapshot["transfers_to_confirm"] == []
