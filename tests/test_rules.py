"""Domain rules: supplier sign-off and area codes."""

import datetime as dt

import pytest

from peerkit.extensions import db
from peerkit.models import SupplierSignOff, utcnow
from peerkit.rules import normalise_area, refresher_due_from, supplier_authorised

TODAY = dt.date.today()


def test_signed_off_peer_may_supply(two_areas):
    assert supplier_authorised(two_areas.north.peer, TODAY) == (True, None)


def test_peer_without_sign_off_may_not_supply(make_user, two_areas):
    peer = make_user("peer", two_areas.north.peers, signed_off=False)
    allowed, reason = supplier_authorised(peer, TODAY)
    assert not allowed
    assert "No supplier sign-off yet" in reason


def test_overdue_refresher_stops_supplies_but_not_earlier_ones(make_user, two_areas):
    peer = make_user("peer", two_areas.north.peers, signed_off=False)
    assessed = TODAY - dt.timedelta(days=400)
    db.session.add(
        SupplierSignOff(
            user=peer,
            assessed_by=two_areas.north.coordinator,
            trained_on=assessed,
            assessed_on=assessed,
            refresher_due=refresher_due_from(assessed),
        )
    )
    db.session.commit()
    allowed, reason = supplier_authorised(peer, TODAY)
    assert not allowed and "ran out" in reason
    # A supply made offline while the sign-off still held is still acceptable.
    assert supplier_authorised(peer, assessed + dt.timedelta(days=100)) == (True, None)


def test_withdrawn_sign_off_no_longer_authorises(two_areas):
    sign_off = db.session.query(SupplierSignOff).filter_by(user_id=two_areas.north.peer.id).one()
    sign_off.withdrawn_at = utcnow()
    db.session.commit()
    assert supplier_authorised(two_areas.north.peer, TODAY)[0] is False


def test_commissioners_and_admins_never_supply(two_areas):
    assert supplier_authorised(two_areas.north.commissioner, TODAY)[0] is False
    assert supplier_authorised(two_areas.north.admin, TODAY)[0] is False


def test_refresher_is_due_after_twelve_months():
    assert refresher_due_from(dt.date(2026, 1, 15)) == dt.date(2027, 1, 15)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("m14", "M14"),
        (" SW1A ", "SW1A"),
        ("EC1V", "EC1V"),
        ("B3", "B3"),
        ("unknown", "UNKNOWN"),
        ("NFA", "UNKNOWN"),
    ],
)
def test_areas_are_postcode_districts(raw, expected):
    assert normalise_area(raw) == expected


@pytest.mark.parametrize("raw", ["M14 5AB", "SW1A1AA"])
def test_full_postcodes_are_refused_with_a_reason(raw):
    with pytest.raises(ValueError, match="first half of the postcode"):
        normalise_area(raw)


@pytest.mark.parametrize("raw", ["", "12", "Manchester", "M"])
def test_other_area_values_are_refused(raw):
    with pytest.raises(ValueError):
        normalise_area(raw)
