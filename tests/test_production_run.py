"""Done-when: an empty PostgreSQL taken through the README's production steps, using only
commands, screens and the API (no direct database writes), ends with a kit on the
commissioner's dashboard, in the peer figures.

The commands run as real subprocesses (`flask --app wsgi ...` with DATABASE_URL set) and
the app is served by gunicorn, configured from the environment as in production; every
screen is driven over HTTP with a cookie session, CSRF tokens taken from the forms.
"""

import datetime as dt
import html
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from aiosmtpd.controller import Controller

from peerkit.clock import uk_today
from peerkit.sealing import load_key, new_key

from .conftest import _fresh_postgres_database
from .mailbox import Inbox
from .sealing import seal

# Its server runs in another process, on the real clock (tests/run_clock.py).
pytestmark = pytest.mark.real_clock

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AREA = "Northbridge Council Public Health"
ADMIN_PASSWORD = "a passphrase for the test run"
PASSWORD = "a passphrase only they know"
TODAY = uk_today()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def _option(page: str, select_name: str, label: str) -> str:
    """The value of the option labelled `label` in the select named `select_name`."""
    select = re.search(
        rf'<select[^>]*name="{re.escape(select_name)}".*?</select>', page, re.S
    ).group(0)
    for value, text in re.findall(r'<option[^>]*value="([^"]*)"[^>]*>([^<]*)</option>', select):
        if html.unescape(text).strip() == label:
            return value
    raise AssertionError(f"no option {label!r} in {select_name}")


class Browser:
    """One person's browser: a cookie session against the running server."""

    def __init__(self, base: str):
        self.base = base
        self.http = requests.Session()

    def get(self, path: str) -> str:
        response = self.http.get(self.base + path, timeout=30)
        assert response.status_code == 200, (path, response.status_code)
        return response.text

    def submit(self, path: str, data: dict, expect=(302,)) -> requests.Response:
        """Open the form page, post `data` with its CSRF token, as a browser would."""
        token = _csrf(self.get(path))
        response = self.http.post(
            self.base + path, data={**data, "csrf_token": token}, allow_redirects=False, timeout=60
        )
        assert response.status_code in expect, (path, response.status_code, response.text)
        return response

    def login(self, username: str, password: str) -> None:
        response = self.submit("/login", {"username": username, "password": password})
        assert "/login" not in response.headers["Location"]

    def accept_invitation(self, link: str, password: str) -> None:
        """Follow a set-up link `/invite#<token>` as the page's script does: the token is
        in the fragment (never sent in a URL), and goes to the server in the form."""
        token = link.split("#", 1)[1]
        self.submit("/invite", {"token": token, "password": password, "confirm": password})


def _link_on(page: str) -> str:
    """The set-up link a coordinator is shown for a new peer or pharmacy account."""
    link = html.unescape(re.search(r"<code>(http[^<]+/invite#[^<]+)</code>", page).group(1))
    return link[link.index("/invite#") :]


@pytest.fixture
def production(tmp_path):
    """An empty PostgreSQL database and the environment a production server would have."""
    server = os.environ.get("PEERKIT_TEST_PG_URL")
    if not server:
        if os.environ.get("PEERKIT_ALLOW_NO_PG") == "1":
            pytest.skip("PostgreSQL not started (PEERKIT_ALLOW_NO_PG=1)")
        pytest.fail("PEERKIT_TEST_PG_URL is not set: run the suite with `make test`.")
    url = _fresh_postgres_database(server, "peerkit_production_run")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": uuid.uuid4().hex * 2,
        "FIELD_SEALING_KEYS": new_key(),
        # Plain http on loopback for the test; production keeps secure cookies.
        "SESSION_COOKIE_SECURE": "0",
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    }
    env.pop("PEERKIT_DEV", None)
    # Coordinators' set-up links go by email: a real SMTP server on loopback receives them.
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    env.update(
        MAIL_SERVER="127.0.0.1", MAIL_PORT=str(smtp.port), MAIL_DEFAULT_SENDER="peerkit@example.org"
    )
    try:
        yield SimpleNamespace(env=env, inbox=inbox)
    finally:
        smtp.stop()


def _flask(env, *args) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


@pytest.fixture
def served(production):
    """The README's commands, then gunicorn serving the app."""
    inbox, production = production.inbox, production.env
    _flask(production, "db", "upgrade")
    _flask(production, "peerkit", "create-area", AREA)
    _flask(
        production,
        "peerkit",
        "create-user",
        "admin",
        "--role",
        "admin",
        "--email",
        "admin@example.org",
        "--organisation",
        AREA,
        "--password",
        ADMIN_PASSWORD,
    )
    _flask(
        production,
        "peerkit",
        "create-user",
        "commissioner",
        "--role",
        "commissioner",
        "--email",
        "public.health@example.org",
        "--organisation",
        AREA,
        "--password",
        ADMIN_PASSWORD,
    )
    port = _free_port()
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=production,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:  # the server goes, however the test ends
        for _ in range(150):
            try:
                if requests.get(base + "/healthz", timeout=10).status_code == 200:
                    break
            except requests.RequestException:  # still starting
                time.sleep(0.1)
        yield SimpleNamespace(base=base, inbox=inbox, sealing_keys=production["FIELD_SEALING_KEYS"])
    finally:
        server.terminate()
        server.communicate(timeout=30)


def test_an_empty_database_to_a_kit_on_the_dashboard(served):
    base = served.base
    assert requests.get(base + "/healthz", timeout=5).json() == {"status": "ok"}

    # The admin: a drug service, a peer group it runs, their sites, a coordinator.
    admin = Browser(base)
    admin.login("admin", ADMIN_PASSWORD)
    organisations = "/coordination/organisations"
    admin.submit(
        organisations,
        {
            "org-name": "Northbridge Recovery",
            "org-kind": "drug_service",
            "org-managed_by_id": "0",
            "org-submit": "Add organisation",
        },
    )
    service_id = _option(admin.get(organisations), "org-managed_by_id", "Northbridge Recovery")
    admin.submit(
        organisations,
        {
            "org-name": "Northbridge Peer Network",
            "org-kind": "peer_group",
            "org-managed_by_id": service_id,
            "org-submit": "Add organisation",
        },
    )
    page = admin.get(organisations)
    peers_id = _option(page, "site-organisation_id", "Northbridge Peer Network")
    for organisation_id, name, kind, district in (
        (service_id, "Recovery hub", "drug_service", "M1"),
        (peers_id, "Peer outreach", "peer_group", "M14"),
    ):
        admin.submit(
            organisations,
            {
                "site-organisation_id": organisation_id,
                "site-name": name,
                "site-site_type": kind,
                "site-postcode_district": district,
                "site-submit": "Add site",
            },
        )
    # A coordinator's set-up link is emailed to them, never shown to the admin.
    shown = admin.submit(
        organisations,
        {
            "coord-display_name": "Casey Coordinator",
            "coord-username": "casey",
            "coord-email": "casey@example.org",
            "coord-organisation_id": service_id,
            "coord-submit": "Create and email a set-up link",
        },
        expect=(200, 302, 303),
    )
    assert "/invite#" not in shown.text
    invitation = served.inbox.link_for("casey@example.org")
    # Products come from the catalogue the migrations added.
    catalogue = admin.get("/coordination/products")
    assert (
        "Prenoxad 2 mg/2 ml injection kit" in catalogue and "Nyxoid 1.8 mg nasal spray" in catalogue
    )

    coordinator = Browser(base)
    coordinator.accept_invitation(invitation, PASSWORD)
    coordinator.login("casey", PASSWORD)

    # A delivery booked in on the stock screen.
    stock = coordinator.get("/coordination/stock")
    coordinator.submit(
        "/coordination/stock",
        {
            "receive-product_id": _option(
                stock, "receive-product_id", "Prenoxad 2 mg/2 ml injection kit"
            ),
            "receive-batch_number": "PX26001",
            "receive-expiry_date": (TODAY + dt.timedelta(days=500)).isoformat(),
            "receive-quantity": "20",
            "receive-to": _option(stock, "receive-to", "Site: Recovery hub"),
            "receive-submit": "Record delivery",
        },
    )

    # A peer, created and signed off; ten kits handed to them.
    new_peer = coordinator.submit(
        "/coordination/people/new",
        {
            "display_name": "Pat Peer",
            "username": "pat",
            "organisation_id": _option(
                coordinator.get("/coordination/people/new"),
                "organisation_id",
                "Northbridge Peer Network",
            ),
            "role": "peer",
            "submit": "Create and get a set-up link",
        },
        expect=(200,),
    ).text
    sign_off_path = re.search(r'href="(/coordination/people/\d+/sign-off)"', new_peer).group(1)
    coordinator.submit(
        sign_off_path,
        {"trained_on": TODAY.isoformat(), "assessed_on": TODAY.isoformat(), "submit": "Sign off"},
    )
    stock = coordinator.get("/coordination/stock")
    batch_label = next(
        text for text in re.findall(r"<option[^>]*>([^<]*PX26001[^<]*)</option>", stock)
    )
    coordinator.submit(
        "/coordination/stock",
        {
            "move-batch_id": _option(stock, "move-batch_id", html.unescape(batch_label)),
            "move-source": _option(stock, "move-source", "Site: Recovery hub"),
            "move-kind": "transferred",
            "move-destination": _option(stock, "move-destination", "Peer: Pat Peer"),
            "move-quantity": "10",
            "move-submit": "Record",
        },
    )

    # The peer sets a password, signs in on the phone and sets it up (enrols).
    peer = Browser(base)
    peer.accept_invitation(_link_on(new_peer), PASSWORD)
    peer.login("pat", PASSWORD)
    token = _csrf(peer.get("/login"))
    enrolled = peer.http.post(
        base + "/api/v1/devices",
        json={"label": "Pat's phone"},
        headers={"X-CSRFToken": token},
        timeout=30,
    )
    assert enrolled.status_code == 201, enrolled.text
    device = {"Authorization": f"Bearer {enrolled.json()['token']}"}
    # The key phones seal to is the one in this server's environment.
    sealing_key = enrolled.json()["sealing_key"]
    assert sealing_key["kid"] == load_key(served.sealing_keys).kid

    # The phone pulls its reference data, then pushes a kit handed out at outreach, sealed.
    pulled = requests.get(base + "/api/v1/sync/pull", headers=device, timeout=30).json()
    assert pulled["sealing_key"] == sealing_key
    site_id = next(s["id"] for s in pulled["changes"]["sites"] if s["name"] == "Peer outreach")
    in_hand = pulled["snapshot"]["stock_in_hand"]
    assert [(s["batch_number"], s["quantity"]) for s in in_hand] == [("PX26001", 10)]
    assert pulled["snapshot"]["supplier"]["authorised"] is True
    record = {
        "kind": "kit_supply",
        "id": str(uuid.uuid4()),
        "data": {
            "client_created_at": dt.datetime.now(dt.UTC)
            .replace(microsecond=0)
            .isoformat()
            .replace("+00:00", "Z"),
            "supplied_on": TODAY.isoformat(),
            "site_id": site_id,
            "recipient_category": "person_at_risk",
            "batch_id": in_hand[0]["batch_id"],
            "quantity": 1,
            "supply_type": "first",
            "repeat_reason": None,
            "training": "given",
            "area": "M14",
            "referral_offered": True,
            "referral_accepted": False,
        },
    }
    pushed = requests.post(
        base + "/api/v1/sync/push",
        json={"records": [seal(record, sealing_key)]},
        headers=device,
        timeout=30,
    )
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["results"][0]["status"] == "stored", pushed.json()

    # The commissioner finds the kit on the dashboard, in the peer figures.
    commissioner = Browser(base)
    commissioner.login("commissioner", ADMIN_PASSWORD)
    dashboard = commissioner.get("/monitoring/")
    figures = dict(re.findall(r'data-figure="([^"]+)"[^>]*>([^<]*)<', dashboard))
    assert figures["kits.total"] == "1"
    assert figures["channel.peer"] == "1"
    assert figures["peers.active"] == "1"

    # The peer signs out on the phone once its outbox is sent: its token stops working.
    signed_out = requests.post(
        base + "/api/v1/devices/current/sign-out", headers=device, timeout=30
    )
    assert signed_out.json() == {"signed_out": True}
    assert requests.get(base + "/api/v1/sync/pull", headers=device, timeout=30).status_code == 401
