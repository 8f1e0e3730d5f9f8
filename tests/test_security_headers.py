"""Security headers on pages, API answers and static files."""

import pytest

from peerkit.security import CONTENT_SECURITY_POLICY

from . import api_helpers as h


@pytest.mark.parametrize(
    "path", ["/login", "/api/v1/openapi.json", "/no-such-page", "/static/css/app.css"]
)
def test_every_response_carries_the_headers(client, path):
    response = client.get(path)
    response.close()
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http here


def test_hsts_only_over_https(client):
    response = client.get("/login", base_url="https://peerkit.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_pages_and_api_answers_are_not_cached_but_static_files_may_be(client, two_areas):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    pull = client.get("/api/v1/sync/pull", headers=h.bearer(h.token_for(two_areas.north.peer)))
    assert pull.headers["Cache-Control"] == "no-store"
    with client.get("/static/css/app.css") as static:
        assert static.headers.get("Cache-Control") != "no-store"


def test_session_cookie_is_secure_by_default(monkeypatch, tmp_path):
    from peerkit.config import from_environment
    from peerkit.sealing import new_key

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("FIELD_SEALING_KEYS", new_key())
    monkeypatch.delenv("PEERKIT_DEV", raising=False)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    assert from_environment(tmp_path)["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    from peerkit.config import from_environment

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PEERKIT_DEV", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        from_environment(tmp_path)


def test_the_log_scan_catches_personal_data(caplog, client, two_areas):
    from .conftest import personal_data_in

    # What the app logs for a sync carries ids only...
    h.push(client, h.token_for(two_areas.north.peer), [h.kit_supply(two_areas.north)])
    assert "push device=" in caplog.text
    assert personal_data_in(caplog.text) == []
    # ...and the end-of-run scan would catch a name or recipient code if one slipped in.
    assert personal_data_in("INFO supply by north-peer for rc_abcdef123456") == [
        "rc_abcdef123456",
        "north-peer",
    ]
