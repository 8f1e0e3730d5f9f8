"""Real concurrent requests against a real server: identical pushes store one record."""

import threading

import requests
from sqlalchemy import func, select

from peerkit.extensions import db
from peerkit.models import KitSupply

from . import api_helpers as h


def test_identical_pushes_at_the_same_moment_store_one(live_server, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    rounds, senders = 8, 3
    batches = [[h.kit_supply(north), h.use_report()] for _ in range(rounds)]
    db.session.commit()
    statuses = [[None] * senders for _ in range(rounds)]

    def send(round_no, sender, barrier):
        barrier.wait()
        response = requests.post(
            f"{live_server}/api/v1/sync/push",
            json={"records": batches[round_no]},
            headers=h.bearer(token),
            timeout=60,
        )
        statuses[round_no][sender] = (
            response.status_code,
            [r["status"] for r in response.json()["results"]],
        )

    for round_no in range(rounds):
        barrier = threading.Barrier(senders)
        threads = [
            threading.Thread(target=send, args=(round_no, s, barrier)) for s in range(senders)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(90)

    for round_statuses in statuses:
        assert all(code == 200 for code, _ in round_statuses)
        per_record = list(zip(*(results for _, results in round_statuses), strict=True))
        for answers in per_record:
            assert sorted(answers) == ["duplicate"] * (senders - 1) + ["stored"]
    stored = db.session.scalar(select(func.count()).select_from(KitSupply))
    assert stored == rounds
