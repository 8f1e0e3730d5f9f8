"""Stateful fuzzing of sync: random sequences of pushes, resends, edits and pulls.

Hypothesis drives a phone through sequences of actions and checks, after every step, that
the server holds exactly the records it answered "stored" for, that resends never store
twice, and that a full pull returns the phone's records. `make test` runs a few sequences;
`make load` runs many more (PEERKIT_FUZZ_EXAMPLES).
"""

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, rule
from sqlalchemy import func, select

from peerkit.extensions import db
from peerkit.models import KitSupply, NaloxoneUseReport, TrainingSession

from . import api_helpers as h

EXAMPLES = int(os.environ.get("PEERKIT_FUZZ_EXAMPLES", 8))

# Ways a phone's record can be wrong, each with the field the answer must name.
CORRUPTIONS = {
    "negative quantity": ({"quantity": -2}, "quantity"),
    "repeat without reason": ({"supply_type": "repeat", "repeat_reason": None}, "repeat_reason"),
    "full postcode": ({"area": "M14 5AB"}, "area"),
    "far future": ({"supplied_on": "2099-01-01"}, "supplied_on"),
    "before 2015": ({"supplied_on": "2014-06-01"}, "supplied_on"),
    "unknown category": ({"recipient_category": "neighbour"}, "recipient_category"),
    "wrong type": ({"batch_id": "seven"}, "batch_id"),
}


def run_machine(app, area, client):
    """Build and run the state machine against this app and area."""
    token = h.token_for(area.peer)
    db.session.commit()

    class SyncMachine(RuleBasedStateMachine):
        sent = Bundle("sent")

        def __init__(self):
            super().__init__()
            self.stored: dict[str, dict] = {}

        def _push(self, records):
            response = h.push(client, token, records)
            assert response.status_code == 200, response.get_json()
            return response.get_json()["results"]

        @rule(
            target=sent,
            kind=st.sampled_from(["kit_supply", "naloxone_use_report", "training_session"]),
            quantity=st.integers(min_value=1, max_value=10),
        )
        def push_new_valid(self, kind, quantity):
            record = {
                "kit_supply": lambda: h.kit_supply(area, quantity=quantity),
                "naloxone_use_report": lambda: h.use_report(doses=min(quantity, 20)),
                "training_session": lambda: h.training_session(area),
            }[kind]()
            [result] = self._push([record])
            assert result["status"] == "stored"
            self.stored[record["id"]] = record
            return record

        @rule(corruption=st.sampled_from(sorted(CORRUPTIONS)), good=st.integers(0, 3))
        def push_mixed_batch(self, corruption, good):
            change, field = CORRUPTIONS[corruption]
            bad = h.kit_supply(area, **change)
            goods = [h.use_report() for _ in range(good)]
            results = self._push([bad, *goods])
            assert results[0]["status"] == "invalid" and field in results[0]["errors"]
            assert [r["status"] for r in results[1:]] == ["stored"] * good
            self.stored.update({g["id"]: g for g in goods})

        @rule(record=sent, times=st.integers(1, 3))
        def resend(self, record, times):
            for _ in range(times):
                [result] = self._push([record])
                assert result["status"] == "duplicate"

        @rule(record=sent)
        def resend_changed(self, record):
            data = dict(record["data"])
            if record["kind"] == "kit_supply":
                data["area"] = "M20" if data["area"] != "M20" else "M21"
            elif record["kind"] == "naloxone_use_report":
                data["doses"] = data["doses"] % 20 + 1
            else:
                data["kits_taken"] = data.get("kits_taken", 0) + 1
            [result] = self._push([{**record, "data": data}])
            assert result["status"] == "conflict"

        @rule()
        def pull_everything(self):
            cursor, seen = 0, set()
            while True:
                page = client.get(
                    f"/api/v1/sync/pull?cursor={cursor}&limit=7", headers=h.bearer(token)
                ).get_json()
                for key in ("kit_supplies", "naloxone_use_reports", "training_sessions"):
                    seen.update(r["id"] for r in page["changes"][key])
                cursor = page["cursor"]
                if not page["more"]:
                    break
            assert seen == set(self.stored)

        @invariant()
        def server_holds_exactly_what_was_stored(self):
            total = sum(
                db.session.scalar(select(func.count()).select_from(model))
                for model in (KitSupply, NaloxoneUseReport, TrainingSession)
            )
            db.session.commit()
            assert total == len(self.stored)

        def teardown(self):
            for model in (KitSupply, NaloxoneUseReport, TrainingSession):
                db.session.query(model).delete()
            db.session.commit()

    SyncMachine.TestCase.settings = settings(
        max_examples=EXAMPLES,
        stateful_step_count=12,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    SyncMachine.TestCase().runTest()


def test_random_sync_sequences_keep_exactly_once(app, client, two_areas):
    run_machine(app, two_areas.north, client)
