"""Shared fixtures: the app on each real database, clients, and a two-area world.

Every database test runs twice, once on SQLite and once on PostgreSQL (the `database`
parameter in the test id). The PostgreSQL server is the throwaway one `make test` starts
(`.ci/with-postgres` exports its URL); without it the PostgreSQL half fails loudly unless
PEERKIT_ALLOW_NO_PG=1 says a quick SQLite-only run is intended.
"""

import datetime as dt
import os
import re
import uuid
from types import SimpleNamespace

import flask_migrate
import psycopg
import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from peerkit import create_app
from peerkit.extensions import db
from peerkit.models import (
    Organisation,
    PrivacyNotice,
    Product,
    Site,
    StockBatch,
    SupplierSignOff,
    User,
)

from .run_clock import run_clock

# Test modules are imported (and compute their TODAY) on the run's clock.
_collection_clock = run_clock()
_collection_clock.start()


def pytest_collection_finish(session):
    _collection_clock.stop()


@pytest.fixture(autouse=True)
def _one_day_for_the_run(request):
    """Each test runs on the run's clock (tests/run_clock.py), so a run crossing midnight
    cannot flake. Tests of a browser or of a server in another process keep the real clock,
    which that other side reads (a cookie dated by the server would look expired here)."""
    if request.node.get_closest_marker("browser") or request.node.get_closest_marker("real_clock"):
        yield
        return
    with run_clock():
        yield


PASSWORD = "correct horse battery staple"
# Hashing is deliberately slow; hash the shared test password once, not per user.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="scrypt")
DATABASES = ["sqlite", "postgresql"]


def _fresh_postgres_database(server_url: str, name: str) -> str:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    """A new, empty database of each kind for the test session."""
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "peerkit.db")
    server = os.environ.get("PEERKIT_TEST_PG_URL")
    if not server:
        if os.environ.get("PEERKIT_ALLOW_NO_PG") == "1":
            pytest.skip("PostgreSQL not started (PEERKIT_ALLOW_NO_PG=1)")
        pytest.fail("PEERKIT_TEST_PG_URL is not set: run the suite with `make test`.")
    return _fresh_postgres_database(server, "peerkit_test")


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context.

    Tests hold an app context to use the database; without this, requests would reuse it
    and share `g` (where Flask-WTF keeps the CSRF token) and the test's database session,
    which no real request ever does. The test's own transaction is ended first, as another
    process's would be: on SQLite an open one would hold the write lock the request needs.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


def make_app(database_url: str, **overrides):
    """An app configured for tests: CSRF stays on, as in production."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_SECURE": False,
        "SERVER_NAME": None,
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture(scope="session")
def session_app(database_url):
    """One app per database, its schema built by the real migrations from empty."""
    app = make_app(database_url)
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(session_app):
    """The app, with every table emptied after the test so tests never see each other."""
    with session_app.app_context():
        yield session_app
        db.session.rollback()
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(
                    text(
                        "TRUNCATE "
                        + ", ".join(f'"{t}"' for t in tables)
                        + " RESTART IDENTITY CASCADE"
                    )
                )
            else:
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def client(app):
    """A test client; CSRF tokens must be fetched from forms, as a browser would."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask peerkit ...` commands."""
    return app.test_cli_runner()


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(response) -> str:
    """The CSRF token in a rendered form."""
    match = CSRF_INPUT.search(response.get_data(as_text=True))
    assert match, "no CSRF token in the page"
    return match.group(1)


class AuthActions:
    """Sign a test client in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, username: str, password: str = PASSWORD):
        token = csrf_token_from(self.client.get("/login"))
        return self.client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )

    def logout(self):
        token = csrf_token_from(self.client.get("/login"))
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    """Sign-in helper for the `client` fixture."""
    return AuthActions(client)


@pytest.fixture
def make_user(app):
    """Factory: make_user(role, organisation, signed_off=True) -> User (committed)."""

    def factory(role, organisation, username=None, signed_off=None, assessor=None):
        user = User(
            username=username or f"{role}-{uuid.uuid4().hex[:8]}",
            display_name=f"Test {role}",
            role=role,
            organisation=organisation,
        )
        user.password_hash = PASSWORD_HASH
        db.session.add(user)
        db.session.flush()
        if signed_off is None:
            signed_off = role in ("peer", "pharmacy")
        if signed_off:
            assessed = dt.date.today() - dt.timedelta(days=30)
            db.session.add(
                SupplierSignOff(
                    user=user,
                    assessed_by=assessor or user,
                    trained_on=assessed,
                    assessed_on=assessed,
                    refresher_due=assessed + dt.timedelta(days=365),
                )
            )
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_area(app, make_user):
    """Factory: a commissioning area with a drug service, a peer group and a pharmacy,
    a site each, one user of every role, and a product batch. Returns a namespace."""

    def factory(name):
        area = Organisation(name=f"{name} area", kind="commissioning_area")
        db.session.add(area)
        db.session.flush()
        area.area_id = area.id
        service = Organisation(name=f"{name} service", kind="drug_service", area_id=area.id)
        db.session.add(service)
        db.session.flush()
        peers = Organisation(
            name=f"{name} peers", kind="peer_group", area_id=area.id, managed_by_id=service.id
        )
        pharmacy = Organisation(
            name=f"{name} pharmacy", kind="pharmacy", area_id=area.id, managed_by_id=service.id
        )
        db.session.add_all([peers, pharmacy])
        db.session.flush()
        sites = SimpleNamespace(
            service=Site(
                organisation=service,
                name=f"{name} hub",
                site_type="drug_service",
                postcode_district="M1",
            ),
            peers=Site(
                organisation=peers,
                name=f"{name} outreach",
                site_type="peer_group",
                postcode_district="M14",
            ),
            pharmacy=Site(
                organisation=pharmacy,
                name=f"{name} chemist",
                site_type="community_pharmacy",
                postcode_district="M20",
            ),
        )
        db.session.add_all(vars(sites).values())
        product = db.session.query(Product).filter_by(code="prenoxad").one_or_none()
        if product is None:
            product = Product(code="prenoxad", name="Prenoxad", route="im", min_age=16)
            db.session.add(product)
            db.session.flush()
        batch = StockBatch(
            product=product,
            organisation_id=service.id,
            batch_number=f"{name}-B1",
            expiry_date=dt.date.today() + dt.timedelta(days=365),
        )
        db.session.add(batch)
        # The notice the service's phones show at consent (tests/api_helpers.py names it).
        db.session.add(
            PrivacyNotice(
                organisation_id=service.id,
                version="2026-01",
                text=f"{name} service privacy notice",
                in_force_from=dt.date(2026, 1, 1),
            )
        )
        db.session.commit()
        coordinator = make_user(
            "coordinator", service, username=f"{name}-coordinator", signed_off=True
        )
        return SimpleNamespace(
            area=area,
            service=service,
            peers=peers,
            pharmacy=pharmacy,
            sites=sites,
            product=product,
            batch=batch,
            coordinator=coordinator,
            peer=make_user("peer", peers, username=f"{name}-peer", assessor=coordinator),
            pharmacist=make_user(
                "pharmacy", pharmacy, username=f"{name}-pharmacist", assessor=coordinator
            ),
            commissioner=make_user("commissioner", area, username=f"{name}-commissioner"),
            admin=make_user("admin", area, username=f"{name}-admin"),
        )

    return factory


@pytest.fixture
def two_areas(make_area):
    """Two separate commissioning areas, for proving nobody sees across them."""
    return SimpleNamespace(north=make_area("north"), south=make_area("south"))


@pytest.fixture
def live_server(app):
    """The app served by a real threaded HTTP server on a free loopback port."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


# Values the tests send that are personal or health data: none may reach a log line.
PERSONAL_MARKERS = (
    PASSWORD,
    "rc_abcdef123456",  # a recipient code (tests/api_helpers.py)
    "1990-04-01",  # a recipient's date of birth typed into the field app
    "M14 5AB",  # a full postcode (refused, but must not be logged either)
    "Test peer",
    "Test pharmacy",
    "Test coordinator",
    "Test commissioner",  # staff names
    "north-peer",
    "south-peer",
    "north-pharmacist",  # usernames
)


def personal_data_in(log_text: str) -> list[str]:
    """The personal markers that appear in `log_text`."""
    return [marker for marker in PERSONAL_MARKERS if marker in log_text]


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if any log record of it carries personal data."""
    log_file = session.config.getini("log_file")
    path = session.config.rootpath / log_file if log_file else None
    if path is None or not path.exists():
        return
    found = personal_data_in(path.read_text(errors="replace"))
    if found:
        print(f"\nPersonal data found in the test run's logs ({path}): {found}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
