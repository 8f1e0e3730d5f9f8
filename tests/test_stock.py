"""Kits in hand: movements in, less movements out, less kits supplied."""

import datetime as dt

from peerkit.extensions import db
from peerkit.models import StockMovement, new_uuid
from peerkit.stock import in_hand, in_hand_detail

from . import factories


def _move(user, batch, quantity, **holders):
    db.session.add(
        StockMovement(
            id=new_uuid(),
            organisation_id=user.organisation_id,
            user_id=user.id,
            client_created_at=dt.datetime(2026, 11, 1, 9),
            kind="transferred",
            moved_on=dt.date(2026, 11, 1),
            batch_id=batch.id,
            quantity=quantity,
            **holders,
        )
    )
    db.session.commit()


def test_peer_stock_counts_down_with_their_supplies(two_areas):
    north = two_areas.north
    _move(
        north.coordinator,
        north.batch,
        10,
        from_site_id=north.sites.service.id,
        to_user_id=north.peer.id,
    )
    factories.kit_supply(north.peer, north.sites.peers, north.batch, quantity=2)
    factories.kit_supply(north.peer, north.sites.peers, north.batch)
    assert in_hand(user_id=north.peer.id) == {north.batch.id: 7}
    # The service site gave 10 away and no one supplied there.
    assert in_hand(site_id=north.sites.service.id) == {north.batch.id: -10}
    detail = in_hand_detail(user_id=north.peer.id)
    assert detail[0]["quantity"] == 7 and detail[0]["batch_number"] == "north-B1"


def test_pharmacy_supplies_draw_on_the_site_not_the_person(two_areas):
    north = two_areas.north
    _move(north.coordinator, north.batch, 5, to_site_id=north.sites.pharmacy.id)
    factories.kit_supply(north.pharmacist, north.sites.pharmacy, north.batch)
    assert in_hand(site_id=north.sites.pharmacy.id) == {north.batch.id: 4}
    assert in_hand(user_id=north.pharmacist.id) == {}
