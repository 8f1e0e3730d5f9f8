"""Pull: reference data and own records by cursor, paged, with tombstones, scoped."""

import datetime as dt
import random
import threading
import time

from sqlalchemy import select

from peerkit.api.pull import pull
from peerkit.extensions import db
from peerkit.models import DrugAlert, Product, Site, User, utcnow

from . import api_helpers as h


def _pull(client, token, cursor=0, limit=500):
    response = client.get(
        f"/api/v1/sync/pull?cursor={cursor}&limit={limit}", headers=h.bearer(token)
    )
    assert response.status_code == 200, response.json
    return response.json


def _alert(area, substance="Nitazenes", **fields):
    alert = DrugAlert(
        organisation_id=area.service.id,
        area_description="Town centre",
        substance=substance,
        description="Overdoses",
        advice="Carry naloxone",
        grading="red",
        expires_at=utcnow() + dt.timedelta(days=7),
        created_by_id=area.coordinator.id,
        **fields,
    )
    db.session.add(alert)
    db.session.commit()
    return alert


def test_first_pull_has_what_the_phone_needs_and_nothing_of_others(client, two_areas):
    north, south = two_areas.north, two_areas.south
    _alert(north)
    _alert(south, substance="Xylazine")
    token = h.token_for(north.peer)
    mine = h.kit_supply(north)
    h.push(client, token, [mine])
    h.push(client, h.token_for(south.peer), [h.kit_supply(south)])

    page = _pull(client, token)
    changes = page["changes"]
    # The product catalogue is national: every phone gets all of it (the migrations seed
    # the UK products, which a test running first on a fresh database still finds).
    catalogue = set(db.session.scalars(select(Product.code)))
    assert {p["code"] for p in changes["products"]} == catalogue and "prenoxad" in catalogue
    assert {s["id"] for s in changes["sites"]} == {north.sites.peers.id}
    assert {b["batch_number"] for b in changes["batches"]} == {"north-B1"}
    assert [a["substance"] for a in changes["alerts"]] == ["Nitazenes"]
    assert [s["id"] for s in changes["kit_supplies"]] == [mine["id"]]
    assert page["more"] is False and page["cursor"] > 0
    snapshot = page["snapshot"]
    assert snapshot["user"]["username"] == "north-peer"
    assert snapshot["supplier"]["authorised"] is True
    assert "repeat_reasons" in snapshot["vocabularies"]
    assert len(snapshot["recipient_code_salt"]) == 64
    # The same area's phones share a salt; another area's differs.
    other = _pull(client, h.token_for(south.peer))["snapshot"]["recipient_code_salt"]
    assert other != snapshot["recipient_code_salt"]
    # Nothing new: the cursor stays and nothing comes back.
    again = _pull(client, token, page["cursor"])
    assert again["cursor"] == page["cursor"]
    assert all(rows == [] for rows in again["changes"].values())


def test_updates_come_again_and_deletes_come_as_tombstones(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    alert = _alert(north)
    cursor = _pull(client, token)["cursor"]
    north.batch.recalled_at = utcnow()
    north.batch.recall_reason = "Faulty needles"
    db.session.commit()
    page = _pull(client, token, cursor)
    assert [(b["batch_number"], b["recalled"]) for b in page["changes"]["batches"]] == [
        ("north-B1", True)
    ]
    db.session.delete(db.session.get(DrugAlert, alert.id))
    db.session.commit()
    page = _pull(client, token, page["cursor"])
    assert page["tombstones"] == [{"entity": "alerts", "id": str(alert.id)}]


def test_paging_returns_every_change_exactly_once(client, two_areas):
    north = two_areas.north
    token = h.token_for(north.peer)
    for i in range(7):
        db.session.add(
            Site(
                organisation_id=north.peers.id,
                name=f"Hostel {i}",
                site_type="homelessness_service",
                postcode_district="M14",
            )
        )
    db.session.commit()
    h.push(client, token, [h.use_report() for _ in range(5)])
    seen, cursor, pages = [], 0, 0
    while True:
        page = _pull(client, token, cursor, limit=3)
        pages += 1
        seen += [("site", s["id"]) for s in page["changes"]["sites"]]
        seen += [("use", u["id"]) for u in page["changes"]["naloxone_use_reports"]]
        seen += [
            ("other", x) for key in ("products", "batches", "alerts") for x in page["changes"][key]
        ]
        cursor = page["cursor"]
        if not page["more"]:
            break
    sites = [x for kind, x in seen if kind == "site"]
    uses = [x for kind, x in seen if kind == "use"]
    assert len(sites) == len(set(sites)) == 8 and len(uses) == len(set(uses)) == 5
    assert pages >= 5


def test_cursor_misses_nothing_when_writers_commit_out_of_order(app, two_areas):
    """Writers take their sync numbers and commit in a random order and at random times
    while a phone pulls in a loop: every committed row must reach the phone."""
    north = two_areas.north
    peer_id, service_id, coordinator_id = north.peer.id, north.service.id, north.coordinator.id
    db.session.commit()
    created, lock = [], threading.Lock()
    writers_done = threading.Event()
    errors = []

    def writer(seed):
        rng = random.Random(seed)
        try:
            with app.app_context():
                for i in range(6):
                    alert = DrugAlert(
                        organisation_id=service_id,
                        area_description="x",
                        substance=f"w{seed}-{i}",
                        description="d",
                        advice="a",
                        grading="amber",
                        expires_at=utcnow() + dt.timedelta(days=1),
                        created_by_id=coordinator_id,
                    )
                    db.session.add(alert)
                    db.session.flush()  # the sync number is taken here...
                    time.sleep(rng.uniform(0, 0.03))  # ...and the commit comes later
                    db.session.commit()
                    with lock:
                        created.append(alert.substance)
                db.session.remove()
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)

    pulled = set()

    def phone():
        with app.app_context():
            user = db.session.get(User, peer_id)
            cursor = 0
            while True:
                finished = writers_done.is_set()
                page = pull(user, cursor, limit=4)
                pulled.update(a.substance for a in page["changes"]["alerts"])
                cursor = page["cursor"]
                db.session.commit()
                if finished and not page["more"]:
                    break
            db.session.remove()

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(4)]
    reader = threading.Thread(target=phone)
    reader.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    writers_done.set()
    reader.join(60)
    assert not errors
    assert len(created) == 24
    assert pulled == set(created)


def test_no_one_pulls_another_organisations_records(client, two_areas):
    north, south = two_areas.north, two_areas.south
    h.push(client, h.token_for(north.peer), [h.kit_supply(north), h.use_report()])
    # A pharmacist in the same area, and a peer elsewhere, see none of the north peer's records.
    for user in (north.pharmacist, south.peer):
        page = _pull(client, h.token_for(user))
        assert page["changes"]["kit_supplies"] == []
        assert page["changes"]["naloxone_use_reports"] == []


def test_stock_in_hand_is_in_the_snapshot(client, two_areas):
    from peerkit.models import StockMovement, new_uuid

    north = two_areas.north
    db.session.add(
        StockMovement(
            id=new_uuid(),
            organisation_id=north.service.id,
            user_id=north.coordinator.id,
            client_created_at=utcnow(),
            kind="transferred",
            moved_on=h.TODAY,
            batch_id=north.batch.id,
            quantity=6,
            to_user_id=north.peer.id,
        )
    )
    db.session.commit()
    token = h.token_for(north.peer)
    h.push(client, token, [h.kit_supply(north, quantity=2)])
    stock = _pull(client, token)["snapshot"]["stock_in_hand"]
    assert [(s["batch_number"], s["quantity"]) for s in stock] == [("north-B1", 4)]
