"""Push throughput (batches of 100 kit supplies) against a bare bulk insert of the same rows.

Both paths write the same rows into the same table and commit once per batch of 100; the
API path adds HTTP handling, JSON, per-record validation, duplicate detection and
authorisation. Rounds alternate between the two so drift on a shared machine hits both.
"""

import datetime as dt
import logging
import time
import uuid

from sqlalchemy import insert

from peerkit.api.push import _digest
from peerkit.api.schemas import KitSupplySchema
from peerkit.extensions import db
from peerkit.models import KitSupply

from .common import databases, median, migrated_app, seed_peer_area

BATCH = 100
ROUNDS = 6
BATCHES_PER_ROUND = 10


def _records(ids, n):
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    today = dt.date.today().isoformat()
    return [
        {
            "kind": "kit_supply",
            "id": str(uuid.uuid4()),
            "data": {
                "client_created_at": now,
                "supplied_on": today,
                "site_id": ids["site"],
                "recipient_category": "person_at_risk",
                "batch_id": ids["batch"],
                "quantity": 1,
                "supply_type": "repeat" if i % 4 == 0 else "first",
                "repeat_reason": "used_on_someone_else" if i % 4 == 0 else None,
                "training": "given",
                "area": "M14",
                "referral_offered": True,
                "referral_accepted": i % 3 == 0,
            },
        }
        for i in range(n)
    ]


def _bare_rows(ids, records):
    """The rows the API would write, built without validation: the database's own rate."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    schema = KitSupplySchema()
    rows = []
    for record in records:
        data = schema.load(record["data"])  # parse only, so both paths write identical rows
        rows.append(
            {
                **data,
                "id": record["id"],
                "organisation_id": ids["org"],
                "user_id": ids["user"],
                "device_id": ids["device"],
                "client_created_at": now,
                "received_at": now,
                "channel": "peer",
                "product_id": ids["product"],
                "payload_digest": _digest("kit_supply", data),
                "sync_seq": None,
            }
        )
    return rows


def _api_round(client, token, ids) -> float:
    batches = [_records(ids, BATCH) for _ in range(BATCHES_PER_ROUND)]
    started = time.perf_counter()
    for records in batches:
        response = client.post(
            "/api/v1/sync/push",
            json={"records": records},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200
        assert all(r["status"] == "stored" for r in response.get_json()["results"])
    return BATCH * BATCHES_PER_ROUND / (time.perf_counter() - started)


def _bare_round(app, ids) -> float:
    batches = [_bare_rows(ids, _records(ids, BATCH)) for _ in range(BATCHES_PER_ROUND)]
    with app.app_context():
        started = time.perf_counter()
        for rows in batches:
            db.session.execute(insert(KitSupply.__table__), rows)
            db.session.commit()
        return BATCH * BATCHES_PER_ROUND / (time.perf_counter() - started)


def main() -> None:
    """Print records per second for the API and the bare insert, and their ratio."""
    logging.getLogger("peerkit").setLevel(logging.WARNING)
    print(f"{'database':<11} {'API rec/s':>10} {'bare rec/s':>11} {'API/bare':>9}")
    for label, url in databases("push"):
        app = migrated_app(url)
        app.logger.setLevel(logging.WARNING)
        [token], ids = seed_peer_area(app)
        client = app.test_client()
        _api_round(client, token, ids), _bare_round(app, ids)  # warm up both paths
        api, bare = [], []
        for _ in range(ROUNDS):
            api.append(_api_round(client, token, ids))
            bare.append(_bare_round(app, ids))
        api_rate, bare_rate = median(api), median(bare)
        print(
            f"{label:<11} {api_rate:>10.0f} {bare_rate:>11.0f} {api_rate / bare_rate:>9.2f}",
            flush=True,
        )
        with app.app_context():
            db.engine.dispose()
    print(
        f"(median of {ROUNDS} alternating rounds of {BATCHES_PER_ROUND} batches of {BATCH}; "
        "target API/bare >= 0.50; before issue 13: SQLite 0.17, PostgreSQL 0.16. The API "
        "also keeps the daily summaries and stock balances, which the bare insert does not)"
    )
