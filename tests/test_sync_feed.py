"""Writers of synced rows do not queue on PostgreSQL, and the pull cursor still skips nothing.

The cursor tests themselves are in tests/test_api_pull.py (unchanged since the counter was
the only design); these show what the pending marks add: a writer whose transaction is
still open no longer holds up another writer, and its change reaches the phone, numbered
above what the phone has seen, once it commits.
"""

import datetime as dt

from sqlalchemy import text
from sqlalchemy.orm import Session

from peerkit.api.pull import pull
from peerkit.extensions import db
from peerkit.models import DrugAlert, User, utcnow


def _alert(ids, substance):
    return DrugAlert(
        organisation_id=ids["service"],
        area_description="Town centre",
        substance=substance,
        description="Overdoses",
        advice="Carry naloxone",
        grading="amber",
        expires_at=utcnow() + dt.timedelta(days=7),
        created_by_id=ids["coordinator"],
    )


def _substances(page):
    return {a.substance for a in page["changes"]["alerts"]}


def test_an_open_writer_does_not_hold_up_another_and_arrives_after_it_commits(app, two_areas):
    north = two_areas.north
    ids = {"service": north.service.id, "coordinator": north.coordinator.id}
    peer = db.session.get(User, north.peer.id)
    cursor = pull(peer, 0, 500)["cursor"]
    # End the test's own transaction: on SQLite an open one would hold the write lock.
    db.session.commit()
    postgres = db.engine.dialect.name == "postgresql"
    slow = Session(db.engine)
    try:
        slow.add(_alert(ids, "slow"))
        slow.flush()  # a change made, its transaction still open
        fast = Session(db.engine)
        if postgres:
            # With the counter taken at write time this writer would wait for `slow`.
            fast.execute(text("SET LOCAL lock_timeout = '2s'"))
            fast.add(_alert(ids, "fast"))
            fast.commit()
            fast.close()
            page = pull(peer, cursor, 500)
            db.session.commit()
            assert _substances(page) == {"fast"}
            cursor = page["cursor"]
        slow.commit()
    finally:
        slow.close()
    if not postgres:  # SQLite writes one at a time: the second writer comes after
        fast = Session(db.engine)
        fast.add(_alert(ids, "fast"))
        fast.commit()
        fast.close()
    page = pull(peer, cursor, 500)
    db.session.commit()
    assert _substances(page) == ({"slow"} if postgres else {"slow", "fast"})
    assert page["cursor"] > cursor
    # Everything is numbered now: nothing pending, nothing more to pull.
    for alert in db.session.query(DrugAlert):
        assert alert.sync_xid is None and alert.sync_seq is not None
    assert _substances(pull(peer, page["cursor"], 500)) == set()
