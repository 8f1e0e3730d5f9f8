"""Sign-in throttling: per account and address pair, per account (slower), per address,
shared by every app server; nobody can lock out an account's owner from elsewhere."""

from .conftest import PASSWORD, csrf_token_from, make_app


def _attempt(client, username, password="wrong password", address="203.0.113.7"):
    token = csrf_token_from(client.get("/login"))
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def test_ten_failures_lock_that_address_out_of_the_account_only(client, two_areas):
    for _ in range(10):
        assert _attempt(client, "north-peer").status_code == 200
    locked = _attempt(client, "North-Peer ", PASSWORD)
    assert locked.status_code == 429
    assert b"Too many attempts" in locked.data
    # The owner, elsewhere, still signs in: a guesser cannot lock them out.
    assert _attempt(client, "north-peer", PASSWORD, address="198.51.100.20").status_code == 302
    # Another account from the same address is not locked by this one.
    assert _attempt(client, "north-pharmacist", PASSWORD).status_code == 302


def test_successful_sign_ins_are_not_counted(client, auth, two_areas):
    for _ in range(12):
        assert _attempt(client, "north-coordinator", PASSWORD).status_code == 302
        auth.logout()


def test_one_address_trying_many_accounts_is_stopped(client, two_areas):
    for i in range(50):
        assert _attempt(client, f"guess-{i}").status_code == 200
    assert _attempt(client, "guess-x").status_code == 429
    assert _attempt(client, "guess-y", address="198.51.100.9").status_code == 200


def test_the_limit_holds_across_app_servers(database_url, client, two_areas):
    """Two app instances (as two gunicorn workers or machines) share one count."""
    from peerkit.extensions import db

    db.session.commit()
    other = make_app(database_url)
    with other.app_context():
        other_client = other.test_client()
        for i in range(10):
            server = client if i % 2 else other_client
            assert _attempt(server, "south-peer").status_code == 200
        assert _attempt(other_client, "south-peer", PASSWORD).status_code == 429
        assert _attempt(client, "south-peer", PASSWORD).status_code == 429
        db.engine.dispose()


def test_counter_keys_hold_no_usernames_or_addresses(client, two_areas):
    from sqlalchemy import select

    from peerkit.extensions import db
    from peerkit.models import RateLimitCounter

    _attempt(client, "north-peer")
    keys = db.session.scalars(select(RateLimitCounter.key)).all()
    assert len(keys) == 3  # pair, account, address
    assert all("north" not in k and "203.0" not in k and len(k) == 64 for k in keys)


def test_guessing_from_many_addresses_meets_a_ceiling_a_coordinator_can_clear(
    app, client, two_areas
):
    from sqlalchemy import select

    from peerkit.extensions import db
    from peerkit.models import AuditEvent

    from .conftest import AuthActions

    for i in range(50):  # 50 addresses, 1 guess each: no pair or address limit is reached
        assert _attempt(client, "north-peer", address=f"203.0.113.{i}").status_code == 200
    assert _attempt(client, "north-peer", PASSWORD, address="198.51.100.1").status_code == 429
    coordinator = app.test_client()
    AuthActions(coordinator).login("north-coordinator")
    people = coordinator.get("/coordination/people").get_data(as_text=True)
    assert "sign-in locked" in people
    token = csrf_token_from(coordinator.get("/coordination/people"))
    # Only for someone they manage: the south coordinator cannot clear it.
    south = app.test_client()
    AuthActions(south).login("south-coordinator", PASSWORD)
    south_token = csrf_token_from(south.get("/coordination/people"))
    assert (
        south.post(
            f"/coordination/people/{two_areas.north.peer.id}/unlock",
            data={"csrf_token": south_token},
        ).status_code
        == 404
    )
    assert _attempt(client, "north-peer", PASSWORD, address="198.51.100.1").status_code == 429
    cleared = coordinator.post(
        f"/coordination/people/{two_areas.north.peer.id}/unlock", data={"csrf_token": token}
    )
    assert cleared.status_code == 302
    assert "sign-in locked" not in coordinator.get("/coordination/people").get_data(as_text=True)
    assert _attempt(client, "north-peer", PASSWORD, address="198.51.100.1").status_code == 302
    assert db.session.scalar(
        select(AuditEvent.object_id).where(AuditEvent.action == "user.unlock")
    ) == str(two_areas.north.peer.id)
