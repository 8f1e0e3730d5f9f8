"""Issue 11, point 4: a set-up token never reaches an access log.

A whole invitation flow (a coordinator adds a peer, the peer opens the link and sets a
password, then signs in) runs against real server processes with access logging on: the
Werkzeug development server and gunicorn. Their logs must record the requests but never
the token, which travels in the URL fragment and the POST body only.
"""

import os
import re
import socket
import subprocess
import sys
import time

import pytest
import requests

from peerkit import PROJECT_ROOT
from peerkit.demo import DEMO_PASSWORD
from peerkit.sealing import new_key

# Its server runs in another process, on the real clock (tests/run_clock.py).
pytestmark = pytest.mark.real_clock

NEW_PASSWORD = "a long enough pass phrase"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _command(server: str, port: int) -> list[str]:
    if server == "werkzeug":
        return [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "2",
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        "wsgi:app",
    ]


def _csrf(response) -> str:
    return CSRF.search(response.text).group(1)


def _invitation_flow(base: str) -> str:
    """Run the flow as a browser would; return the token that was issued."""
    coordinator = requests.Session()
    coordinator.post(
        f"{base}/login",
        data={
            "username": "coordinator",
            "password": DEMO_PASSWORD,
            "csrf_token": _csrf(coordinator.get(f"{base}/login")),
        },
    )
    form = coordinator.get(f"{base}/coordination/people/new")
    peer_group = re.search(r'<option value="(\d+)">[^<]*Peer[^<]*</option>', form.text).group(1)
    created = coordinator.post(
        f"{base}/coordination/people/new",
        data={
            "display_name": "Robin",
            "username": "robin",
            "organisation_id": peer_group,
            "role": "peer",
            "csrf_token": _csrf(form),
        },
    )
    assert created.status_code == 200, created.text
    path, token = re.search(r"<code>http://[^/]+(/invite)#([^<]+)</code>", created.text).groups()

    newcomer = requests.Session()
    page = newcomer.get(base + path)  # a browser never sends the fragment
    assert page.status_code == 200 and "js/invite.js" in page.text
    assert newcomer.get(f"{base}/static/js/invite.js").status_code == 200
    # What invite.js does: the fragment's token goes into the form, posted in the body.
    done = newcomer.post(
        base + path,
        data={
            "token": token,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": _csrf(page),
        },
        allow_redirects=False,
    )
    assert done.status_code == 302, done.text
    signed_in = newcomer.post(
        f"{base}/login",
        allow_redirects=False,
        data={
            "username": "robin",
            "password": NEW_PASSWORD,
            "csrf_token": _csrf(newcomer.get(f"{base}/login")),
        },
    )
    assert signed_in.status_code == 302
    return token


@pytest.mark.parametrize("server", ["werkzeug", "gunicorn"])
def test_set_up_token_never_reaches_an_access_log(tmp_path, server):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'peerkit.db'}",
        "SECRET_KEY": "log-test-" + "k" * 40,
        "SESSION_COOKIE_SECURE": "0",
        "FIELD_SEALING_KEYS": new_key(),
    }
    env.pop("PEERKIT_DEV", None)
    for step in (["db", "upgrade"], ["peerkit", "load-demo"]):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *step],
            env=env,
            cwd=PROJECT_ROOT,
            check=True,
            capture_output=True,
            timeout=300,
        )
    port = _free_port()
    log_path = tmp_path / f"{server}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            _command(server, port), env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(150):
                try:
                    requests.get(f"{base}/login", timeout=2)
                    break
                except requests.RequestException:  # not listening or not ready yet
                    time.sleep(0.2)
            token = _invitation_flow(base)
        finally:
            process.terminate()
            process.wait(timeout=30)
    logged = re.sub(r"\x1b\[[0-9;]*m", "", log_path.read_text(errors="replace"))  # colours
    # The access log is on and recorded the flow...
    assert re.search(r'"GET /invite HTTP/1\.1" 200', logged), logged[-2000:]
    assert re.search(r'"POST /invite HTTP/1\.1" 302', logged)
    # ...but not the token, nor any recognisable part of it.
    assert token not in logged
    assert token.split(".")[-1] not in logged
