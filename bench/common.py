"""Shared set-up for benchmarks: a migrated app on a fresh SQLite file or PostgreSQL database."""

import os
import statistics
import tempfile

import flask_migrate
import psycopg

from peerkit import create_app


def databases(name: str) -> list[tuple[str, str]]:
    """(label, url) of a fresh SQLite file and, under `make bench`, a fresh PostgreSQL db.

    BENCH_DATABASES=postgresql (or sqlite) runs one of them only, e.g. for the optional
    10,000,000-supply dashboard run, where SQLite's bare baseline alone takes an hour."""
    wanted = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").lower().split(",")
    found = []
    if "sqlite" in wanted:
        found.append(("SQLite", "sqlite:///" + os.path.join(tempfile.mkdtemp(), f"{name}.db")))
    server = os.environ.get("PEERKIT_TEST_PG_URL")
    if "postgresql" in wanted and server:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "bench_{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "bench_{name}"')
        found.append(("PostgreSQL", server.rsplit("/", 1)[0] + f"/bench_{name}"))
    elif "postgresql" in wanted:
        print("(PEERKIT_TEST_PG_URL not set: PostgreSQL skipped; run `make bench`)")
    return found


def migrated_app(url: str):
    """An app on `url` with the schema built by the migrations."""
    app = create_app(
        {
            "SECRET_KEY": "bench-" + "k" * 40,
            "SQLALCHEMY_DATABASE_URI": url,
            "SESSION_COOKIE_SECURE": False,
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
    return app


def median(values) -> float:
    return statistics.median(values)


def p95(values) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def seed_peer_area(app, peers: int = 1) -> tuple[list[str], dict]:
    """An area whose peer group has a site, a batch and `peers` signed-off peers, each with
    an enrolled phone. Returns the phones' tokens and the ids records need."""
    import datetime as dt

    from peerkit.devices import enrol_device
    from peerkit.extensions import db
    from peerkit.models import Organisation, Product, Site, StockBatch, SupplierSignOff, User
    from peerkit.signing import make_device_token

    today = dt.date.today()
    with app.app_context():
        area = Organisation(name="Bench area", kind="commissioning_area")
        db.session.add(area)
        db.session.flush()
        area.area_id = area.id
        group = Organisation(name="Bench peers", kind="peer_group", area_id=area.id)
        db.session.add(group)
        db.session.flush()
        site = Site(
            organisation=group, name="Outreach", site_type="peer_group", postcode_district="M14"
        )
        db.session.add(site)
        # The migrations seed the catalogue (0006): use its product.
        product = db.session.query(Product).filter_by(code="prenoxad").one()
        db.session.flush()
        batch = StockBatch(
            product=product,
            organisation_id=group.id,
            batch_number="B1",
            expiry_date=today + dt.timedelta(days=400),
        )
        db.session.add(batch)
        devices = []
        for i in range(peers):
            user = User(
                username=f"bench-peer-{i}",
                display_name=f"Bench peer {i}",
                role="peer",
                organisation=group,
                password_hash="unusable",
            )
            db.session.add(user)
            db.session.add(
                SupplierSignOff(
                    user=user,
                    assessed_by=user,
                    trained_on=today,
                    assessed_on=today - dt.timedelta(days=5),
                    refresher_due=today + dt.timedelta(days=300),
                )
            )
            devices.append(enrol_device(user, f"phone {i}"))
        tokens = [make_device_token(device) for device in devices]
        ids = dict(
            site=site.id,
            batch=batch.id,
            product=product.id,
            org=group.id,
            user=devices[0].user_id,
            device=devices[0].id,
        )
        db.session.commit()
    return tokens, ids
