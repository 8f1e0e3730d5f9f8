"""Admins add organisations, sites and coordinators; coordinators see the training cascade."""

from sqlalchemy import select

from peerkit.extensions import db
from peerkit.models import Organisation, Site, User

from . import factories
from .conftest import csrf_token_from
from .mailbox import inbox  # noqa: F401  (fixture)

URL = "/coordination/organisations"


def _post(client, data):
    token = csrf_token_from(client.get(URL))
    return client.post(URL, data={**data, "csrf_token": token})


def test_admin_adds_an_organisation_a_site_and_a_coordinator(client, auth, two_areas, inbox):
    north = two_areas.north
    auth.login("north-admin")
    added = _post(
        client,
        {
            "org-name": "Night Shelter",
            "org-kind": "partner_agency",
            "org-managed_by_id": north.service.id,
            "org-submit": "Add",
        },
    )
    assert added.status_code == 302
    shelter = db.session.scalar(select(Organisation).where(Organisation.name == "Night Shelter"))
    assert shelter.area_id == north.area.id and shelter.managed_by_id == north.service.id
    site = _post(
        client,
        {
            "site-organisation_id": shelter.id,
            "site-name": "Front desk",
            "site-site_type": "homelessness_service",
            "site-postcode_district": "m14",
            "site-submit": "Add",
        },
    )
    assert site.status_code == 302
    front_desk = db.session.scalar(select(Site).where(Site.name == "Front desk"))
    assert front_desk.postcode_district == "M14"
    full_postcode = _post(
        client,
        {
            "site-organisation_id": shelter.id,
            "site-name": "Back door",
            "site-site_type": "homelessness_service",
            "site-postcode_district": "M14 5AB",
            "site-submit": "Add",
        },
    )
    assert b"first half of the postcode" in full_postcode.data
    coordinator = _post(
        client,
        {
            "coord-display_name": "Kim",
            "coord-username": "kim",
            "coord-email": "kim@service.example",
            "coord-organisation_id": north.service.id,
            "coord-submit": "x",
        },
    )
    assert coordinator.status_code == 302
    kim = db.session.scalar(select(User).where(User.username == "kim"))
    assert kim.role == "coordinator" and kim.email == "kim@service.example"
    token = inbox.link_for("kim@service.example").partition("#")[2]  # to Kim only
    assert token not in client.get(coordinator.headers["Location"]).get_data(as_text=True)
    # The new shelter is now the service's to run: its coordinator can add people there.
    auth.logout()
    auth.login("north-coordinator")
    assert b"Night Shelter" in client.get("/coordination/people/new").data


def test_admin_cannot_reach_into_another_area(client, auth, two_areas):
    auth.login("south-admin")
    response = _post(
        client,
        {
            "site-organisation_id": two_areas.north.peers.id,
            "site-name": "Sneaky",
            "site-site_type": "outreach",
            "site-postcode_district": "M1",
            "site-submit": "Add",
        },
    )
    assert response.status_code == 400  # not among the choices offered
    assert db.session.scalar(select(Site).where(Site.name == "Sneaky")) is None


def test_cascade_shows_people_reached_by_each_trainer(client, auth, two_areas):
    north = two_areas.north
    factories.training_session(north.peer, attendees_at_risk=3, attendees_family=2, kits_taken=4)
    factories.training_session(
        north.peer,
        kind="supplier_training",
        trainee_user_id=north.pharmacist.id,
        attendees_worker=1,
        attendees_at_risk=0,
        kits_taken=0,
    )
    factories.training_session(two_areas.south.peer, attendees_at_risk=9)
    auth.login("north-coordinator")
    page = client.get("/coordination/cascade").get_data(as_text=True)
    row = page[page.index("<td>Test peer</td>") :].split("</tr>")[0]
    assert '<td class="num">2</td>' in row and '<td class="num">6</td>' in row
    assert "Training someone to give out kits" in page  # the kind, by its label
    assert "9" not in row
