"""Operations: the health check, request ids and JSON logs, the Docker and compose files,
and backup and restore with pg_dump / pg_restore against the throwaway PostgreSQL."""

import glob
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import flask_migrate
import pytest
import requests
import yaml
from werkzeug.serving import make_server

from peerkit.extensions import db
from peerkit.logs import JsonFormatter
from peerkit.sealing import new_key

from .conftest import _fresh_postgres_database, make_app

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _other_database(app, name: str) -> str:
    """A new, empty database of the same kind as the test app's."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///")).parent / f"{name}.db"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    return _fresh_postgres_database(os.environ["PEERKIT_TEST_PG_URL"], name)


def _pg_server_url() -> str:
    url = os.environ.get("PEERKIT_TEST_PG_URL")
    if not url:
        if os.environ.get("PEERKIT_ALLOW_NO_PG") == "1":
            pytest.skip("PostgreSQL not started (PEERKIT_ALLOW_NO_PG=1)")
        pytest.fail("PEERKIT_TEST_PG_URL is not set: run the suite with `make test`.")
    return url


def _pg_bin(name: str) -> str:
    return sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: [int(x) for x in re.findall(r"\d+", p)],
    )[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_healthz_is_ok_on_a_migrated_database_and_says_nothing_more(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_is_503_with_the_reason_when_migrations_lag_or_never_ran(app):
    url = _other_database(app, "behind")
    behind = make_app(url)
    with behind.app_context():
        never = behind.test_client().get("/healthz")
        flask_migrate.upgrade(revision="0003")
        lagging = behind.test_client().get("/healthz")
        db.session.remove()
        db.engine.dispose()
    assert (never.status_code, never.json) == (
        503,
        {"status": "not ok", "reason": "migrations not applied"},
    )
    assert (lagging.status_code, lagging.json) == (
        503,
        {"status": "not ok", "reason": "migrations not at head"},
    )


def test_healthz_is_503_when_the_database_is_unreachable(app):
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        url = "sqlite:////nonexistent-folder/peerkit.db"
    else:
        url = f"postgresql://peerkit@127.0.0.1:{_free_port()}/peerkit"  # nothing listens
    unreachable = make_app(url)
    with unreachable.app_context():
        response = unreachable.test_client().get("/healthz")
        db.engine.dispose()
    assert response.status_code == 503
    assert response.json == {"status": "not ok", "reason": "database unreachable"}


def test_request_id_is_taken_when_plain_and_otherwise_made_and_always_echoed(client):
    given = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a.42"})
    assert given.headers["X-Request-ID"] == "lb-7f3a.42"
    made = client.get("/login")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    odd = client.get("/login", headers={"X-Request-ID": "Jane Doe 07700 900123"})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["X-Request-ID"])
    assert client.get("/no-such-page").headers["X-Request-ID"]


@pytest.mark.real_clock
def test_json_logs_from_a_real_gunicorn_name_routes_not_paths(tmp_path):
    """LOG_FORMAT=json: every line gunicorn and the app write is one JSON object."""
    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        "SECRET_KEY": "k" * 64,
        "FIELD_SEALING_KEYS": new_key(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'logs.db'}",
        "PATH": f"{VENV_BIN}:" + os.environ.get("PATH", ""),
    }
    env.pop("PEERKIT_DEV", None)
    migrated = subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    port = _free_port()
    server = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=10)
                break
            except requests.RequestException:  # still starting
                time.sleep(0.1)
        health = requests.get(f"{base}/healthz", headers={"X-Request-ID": "probe-1"}, timeout=5)
        assert health.status_code == 200 and health.headers["X-Request-ID"] == "probe-1"
        requests.get(f"{base}/invite/secret-link-token-123", timeout=5)
        requests.get(
            f"{base}/coordination/people/4242/sign-off?name=Jane", timeout=5, allow_redirects=False
        )
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    lines = [line for line in (migrated.stderr + stderr).splitlines() if line.strip()]
    entries = [json.loads(line) for line in lines]  # fails on any line that is not JSON
    assert any(e["logger"] == "gunicorn.error" for e in entries)  # gunicorn's own lines too
    requests_logged = {e["request_id"]: e for e in entries if e["logger"] == "peerkit.request"}
    probe = requests_logged["probe-1"]
    assert (probe["route"], probe["method"], probe["status"]) == ("/healthz", "GET", 200)
    assert isinstance(probe["duration_ms"], float)
    routes = {e["route"]: e["status"] for e in requests_logged.values()}
    # An old-style link with a token in the path matches no route, and is logged as such.
    assert routes["(no route)"] == 404
    assert routes["/coordination/people/<int:user_id>/sign-off"] == 302
    everything = migrated.stderr + stderr
    for secret in ("secret-link-token-123", "4242", "Jane"):
        assert secret not in everything


def _healthcheck_command() -> list[str]:
    match = re.search(
        r"^HEALTHCHECK .*?CMD (\[.*?\])$", (ROOT / "Dockerfile").read_text(), re.S | re.M
    )
    assert match, "Dockerfile has no HEALTHCHECK"
    return json.loads(match.group(1))


def _serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_the_docker_healthcheck_passes_on_a_healthy_app_and_fails_otherwise(app):
    command = _healthcheck_command()
    assert command[0] == "python" and "/healthz" in command[-1]
    command[0] = sys.executable
    healthy = _serve(app)
    behind_app = make_app(_other_database(app, "unmigrated"))
    unhealthy = _serve(behind_app)
    try:
        ok = subprocess.run(
            command,
            env={**os.environ, "PORT": str(healthy.server_port)},
            capture_output=True,
            timeout=30,
        )
        failing = subprocess.run(
            command,
            env={**os.environ, "PORT": str(unhealthy.server_port)},
            capture_output=True,
            timeout=30,
        )
    finally:
        healthy.shutdown()
        unhealthy.shutdown()
        with behind_app.app_context():
            db.engine.dispose()
    assert ok.returncode == 0, ok.stderr
    assert failing.returncode != 0 and b"503" in failing.stderr


def test_compose_file_parses_and_agrees_with_the_readme_and_image():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    app, database = compose["services"]["app"], compose["services"]["db"]
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", readme, re.M))
    assert set(app["environment"]) <= documented, set(app["environment"]) - documented
    assert app["environment"]["LOG_FORMAT"] == "json"
    port = app["environment"]["PORT"]
    assert app["ports"] == [f"127.0.0.1:{port}:{port}"]
    assert f"EXPOSE {port}" in (ROOT / "Dockerfile").read_text()
    assert f"--bind 0.0.0.0:{port}" in readme
    # The app reaches PostgreSQL by its service name, with the database compose creates.
    env = database["environment"]
    assert app["environment"]["DATABASE_URL"].startswith(f"postgresql://{env['POSTGRES_USER']}:")
    assert app["environment"]["DATABASE_URL"].endswith(f"@db:5432/{env['POSTGRES_DB']}")
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert "docker compose up" in readme


def test_backup_and_restore_with_pg_dump_and_pg_restore(tmp_path):
    """The commands docs/OPERATIONS.md gives, on a real database: everything comes back."""
    server = _pg_server_url()
    source = _fresh_postgres_database(server, "peerkit_backup_source")
    target = _fresh_postgres_database(server, "peerkit_backup_target")
    app = make_app(source)
    with app.app_context():
        flask_migrate.upgrade()
        runner = app.test_cli_runner()
        assert runner.invoke(args=["peerkit", "create-area", "Backup Area"]).exit_code == 0
        made = runner.invoke(
            args=[
                "peerkit",
                "create-user",
                "backup-admin",
                "--role",
                "admin",
                "--email",
                "backup@example.org",
                "--organisation",
                "Backup Area",
                "--password",
                "a long enough passphrase",
            ]
        )
        assert made.exit_code == 0, made.output
        assert runner.invoke(args=["peerkit", "product", "retire", "nyxoid"]).exit_code == 0
        db.session.remove()
        db.engine.dispose()

    dump = tmp_path / "peerkit.dump"
    docs = (ROOT / "docs" / "OPERATIONS.md").read_text()
    assert "pg_dump --format=custom" in docs and "pg_restore --no-owner" in docs
    subprocess.run(
        [_pg_bin("pg_dump"), "--format=custom", "--file", str(dump), source],
        check=True,
        timeout=120,
    )
    subprocess.run(
        [_pg_bin("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", target, str(dump)],
        check=True,
        timeout=120,
    )
    bump = "UPDATE sync_counter SET value = value + 100000000 WHERE id = 1"
    assert bump in docs
    subprocess.run(
        [_pg_bin("psql"), target, "-c", bump], check=True, timeout=60, capture_output=True
    )

    restored = make_app(target)
    with restored.app_context():
        client = restored.test_client()
        assert client.get("/healthz").json == {"status": "ok"}
        from peerkit.models import Product, User

        admin = db.session.query(User).filter_by(username="backup-admin").one()
        assert admin.check_password("a long enough passphrase")
        assert {p.code: p.active for p in db.session.query(Product)}["nyxoid"] is False
        # New rows after a restore get fresh ids and sync numbers (sequences came back).
        runner = restored.test_cli_runner()
        added = runner.invoke(
            args=[
                "peerkit",
                "product",
                "add",
                "after_restore",
                "--name",
                "Added after restore",
                "--route",
                "im",
            ]
        )
        assert added.exit_code == 0, added.output
        after = db.session.query(Product).filter_by(code="after_restore").one()
        assert after.sync_seq > 100000000  # beyond any number a phone saw before
        db.session.remove()
        db.engine.dispose()


def test_an_error_is_logged_with_its_route_and_request_id_not_its_path(app, caplog):
    failing = make_app(app.config["SQLALCHEMY_DATABASE_URI"], PROPAGATE_EXCEPTIONS=False)

    @failing.get("/boom/<token>")
    def boom(token):
        raise RuntimeError("boom")

    with failing.app_context():
        response = failing.test_client().get(
            "/boom/secret-token-456", headers={"X-Request-ID": "err-1"}
        )
        db.engine.dispose()
    assert response.status_code == 500 and response.headers["X-Request-ID"] == "err-1"
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert [r.getMessage() for r in errors] == ["Exception on /boom/<token> [GET]"]
    assert "secret-token-456" not in caplog.text
    line = json.loads(JsonFormatter().format(errors[0]))
    assert line["level"] == "ERROR" and "RuntimeError: boom" in line["exception"]
    assert line["request_id"] == "err-1"
