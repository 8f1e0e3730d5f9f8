"""Sign-in, sign-out, CSRF and role checks through the real forms."""

from peerkit.extensions import db
from peerkit.models import AuditEvent

from .conftest import csrf_token_from


def test_login_succeeds_and_is_audited(client, auth, two_areas):
    response = auth.login("north-coordinator")
    assert response.status_code == 302
    assert client.get("/").status_code in (200, 302)
    assert db.session.query(AuditEvent).filter_by(action="login").count() == 1


def test_wrong_password_is_refused_with_one_message(client, auth, two_areas):
    response = auth.login("north-coordinator", "not the password")
    assert response.status_code == 200
    assert b"do not match an active account" in response.data
    unknown = auth.login("nobody-at-all", "whatever")
    assert b"do not match an active account" in unknown.data
    # Still anonymous: the landing page sends us to sign in.
    assert client.get("/").headers["Location"].endswith("/login")


def test_inactive_user_cannot_sign_in(client, auth, two_areas):
    two_areas.north.peer.active = False
    db.session.commit()
    response = auth.login("north-peer")
    assert b"do not match an active account" in response.data


def test_login_without_csrf_token_is_rejected(client, two_areas):
    response = client.post(
        "/login", data={"username": "north-coordinator", "password": "correct horse battery staple"}
    )
    assert response.status_code == 400
    assert client.get("/").headers["Location"].endswith("/login")


def test_logout_needs_post_with_csrf(client, auth, two_areas):
    auth.login("north-peer")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout", data={}).status_code == 400
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/").headers["Location"].endswith("/login")


def test_open_redirect_after_login_is_ignored(client, two_areas):
    token = csrf_token_from(client.get("/login"))
    response = client.post(
        "/login?next=https://evil.example/",
        data={
            "username": "north-peer",
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_password_is_stored_as_a_salted_hash(two_areas):
    user = two_areas.north.peer
    assert "correct horse" not in user.password_hash
    assert user.password_hash.startswith("scrypt:")


def test_bumping_session_version_signs_out_everywhere(client, auth, two_areas):
    auth.login("north-coordinator")
    assert not client.get("/").headers.get("Location", "").endswith("/login")
    two_areas.north.coordinator.session_version += 1
    db.session.commit()
    assert client.get("/").headers["Location"].endswith("/login")


def test_session_cookie_is_httponly_and_samesite(client, auth, two_areas):
    response = auth.login("north-peer")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
