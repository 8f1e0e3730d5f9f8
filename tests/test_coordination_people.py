"""New accounts by one-time invitation link, never a mailed password."""

import re

from sqlalchemy import select

from peerkit.extensions import db
from peerkit.models import AuditEvent, User

from .conftest import csrf_token_from

NEW_PASSWORD = "a long enough pass phrase"


def _create(client, area, **changes):
    data = {
        "display_name": "Robin",
        "username": "robin",
        "organisation_id": area.peers.id,
        "role": "peer",
        **changes,
    }
    token = csrf_token_from(client.get("/coordination/people/new"))
    return client.post("/coordination/people/new", data={**data, "csrf_token": token})


def _link(response) -> str:
    return re.search(
        r"<code>http://[^/]+(/invite#[^<]+)</code>", response.get_data(as_text=True)
    ).group(1)


def _set_password(client, link, password=NEW_PASSWORD, confirm=None):
    """What the set-up page does: its script posts the fragment's token with the form."""
    path, _, token = link.partition("#")
    csrf = csrf_token_from(client.get(path))
    return client.post(
        path,
        data={
            "token": token,
            "password": password,
            "confirm": confirm or password,
            "csrf_token": csrf,
        },
    )


def test_invited_peer_sets_a_password_once_and_signs_in(client, auth, two_areas):
    auth.login("north-coordinator")
    created = _create(client, two_areas.north)
    assert created.status_code == 200
    link = _link(created)
    auth.logout()
    robin = db.session.scalar(select(User).where(User.username == "robin"))
    assert robin.role == "peer" and robin.organisation_id == two_areas.north.peers.id
    assert not robin.check_password(NEW_PASSWORD)
    assert _set_password(client, link).status_code == 302
    assert auth.login("robin", NEW_PASSWORD).status_code == 302
    auth.logout()
    # The link is spent, and a forged one is refused.
    assert _set_password(client, link, "another long pass phrase").status_code == 404
    assert _set_password(client, link[:-3] + "abc").status_code == 404
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "user.create" in actions and "user.password_set" in actions


def test_bad_requests_create_no_account(client, auth, two_areas):
    auth.login("north-coordinator")
    wrong_kind = _create(client, two_areas.north, role="pharmacy")
    assert wrong_kind.status_code == 400 and b"belongs in a pharmacy" in wrong_kind.data
    taken = _create(client, two_areas.north, username="north-peer")
    assert taken.status_code == 400 and b"taken" in taken.data
    other_service = _create(client, two_areas.north, organisation_id=two_areas.south.peers.id)
    assert other_service.status_code == 400  # not among the form's choices
    assert db.session.scalar(select(User).where(User.username == "robin")) is None


def test_passwords_are_checked_on_the_link(client, auth, two_areas):
    auth.login("north-coordinator")
    link = _link(_create(client, two_areas.north))
    auth.logout()
    response = _set_password(client, link, "short")
    assert response.status_code == 400 and b"at least 10 characters" in response.data.lower()
    differ = _set_password(client, link, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert b"The two passwords differ" in differ.data


def test_new_link_for_someone_else_s_person_is_refused(client, auth, two_areas):
    auth.login("south-coordinator")
    token = csrf_token_from(client.get("/coordination/people"))
    response = client.post(
        f"/coordination/people/{two_areas.north.peer.id}/invite", data={"csrf_token": token}
    )
    assert response.status_code == 404
