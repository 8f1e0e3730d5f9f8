"""The scoping helper: each role sees exactly its own organisations' field data."""

from sqlalchemy import select

from peerkit.extensions import db
from peerkit.models import KitSupply
from peerkit.scoping import can_see_organisation, scoped

from . import factories


def _visible_supply_ids(user):
    return set(db.session.scalars(scoped(select(KitSupply.id), KitSupply, user)))


def _supplies(area):
    return {
        "peer": factories.kit_supply(area.peer, area.sites.peers, area.batch).id,
        "pharmacy": factories.kit_supply(area.pharmacist, area.sites.pharmacy, area.batch).id,
        "service": factories.kit_supply(area.coordinator, area.sites.service, area.batch).id,
    }


def test_each_role_sees_only_its_scope(two_areas):
    north, south = two_areas.north, two_areas.south
    n, s = _supplies(north), _supplies(south)

    assert _visible_supply_ids(north.peer) == {n["peer"]}
    assert _visible_supply_ids(north.pharmacist) == {n["pharmacy"]}
    # The coordinator's drug service manages the peer group and the pharmacy.
    assert _visible_supply_ids(north.coordinator) == set(n.values())
    assert _visible_supply_ids(north.commissioner) == set(n.values())
    assert _visible_supply_ids(south.commissioner) == set(s.values())
    # Admins run organisations and accounts; they read no health records.
    assert _visible_supply_ids(north.admin) == set()


def test_commissioner_spans_organisations_of_their_area_only(two_areas):
    north, south = two_areas.north, two_areas.south
    for org in (north.service, north.peers, north.pharmacy):
        assert can_see_organisation(north.commissioner, org.id)
    for org in (south.service, south.peers, south.pharmacy):
        assert not can_see_organisation(north.commissioner, org.id)
    assert not can_see_organisation(north.peer, north.pharmacy.id)
