"""The daily summaries equal what a rebuild from the records gives, whatever happened.

Random sequences of pushes through the sync API (counted and held records of every summed
kind, stock returns), reviews (accept, reject), edits through the ORM, consent withdrawals
and coordinators' deliveries and transfers; after each sequence the summary tables and
stock balances, as kept incrementally in the records' transactions, must equal
`summaries.rebuild` (independent SQL over the records), row for row, on both databases.
And the record counts read from them equal those counted from the rows.
"""

import datetime as dt
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from peerkit import referrals, review, summaries
from peerkit.clock import uk_today
from peerkit.consents import withdraw
from peerkit.coordination import stock_ops
from peerkit.extensions import db
from peerkit.models import (
    Consent,
    KitSupply,
    NaloxoneUseReport,
    StockBalance,
    TrainingSession,
)
from peerkit.monitoring import metrics, outcomes
from peerkit.monitoring.filters import Filters, period_end

from . import api_helpers as api

TODAY = uk_today()
CATEGORIES = ("person_at_risk", "family_friend_carer", "worker", "member_of_public", "unknown")
REASONS = ("used_on_self", "used_on_someone_else", "lost", "expired")


def _snapshot() -> dict:
    """Every summary row, without its surrogate id, in a comparable order."""
    tables = {}
    for model in (*summaries.SUMMARY_MODELS, StockBalance):
        columns = [c for c in model.__table__.columns if c.name != "id"]
        rows = db.session.execute(select(*columns)).all()
        tables[model.__tablename__] = sorted((tuple(row) for row in rows), key=repr)
    return tables


supply = st.fixed_dictionaries(
    {
        "days_ago": st.integers(0, 3),
        "quantity": st.integers(1, 3),
        "category": st.sampled_from(CATEGORIES),
        "reason": st.none() | st.sampled_from(REASONS),
        "area": st.sampled_from(("M14", "M20", "UNKNOWN")),
        "age_band": st.none() | st.sampled_from(("18_24", "25_34")),
        "offered": st.booleans(),
        "accepted": st.booleans(),
        "held": st.booleans(),
        "coded": st.booleans(),
    }
)
operation = st.one_of(
    st.tuples(st.just("push_supplies"), st.lists(supply, min_size=1, max_size=4)),
    st.tuples(st.just("push_other"), st.integers(0, 3), st.booleans()),
    st.tuples(st.just("review"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("edit"), st.integers(0, 50), supply),
    st.tuples(st.just("withdraw"), st.integers(0, 50)),
    st.tuples(
        st.just("outcome"),
        st.integers(0, 50),
        st.sampled_from(("attended", "declined", "not_known")),
    ),
    st.tuples(st.just("receive"), st.integers(1, 30)),
    st.tuples(st.just("transfer"), st.integers(1, 10)),
    st.tuples(st.just("return"), st.integers(1, 5)),
)


def _supply_record(where, spec: dict, consent_id=None) -> dict:
    data = dict(
        supplied_on=(TODAY - dt.timedelta(days=spec["days_ago"])).isoformat(),
        quantity=spec["quantity"],
        recipient_category=spec["category"],
        supply_type="repeat" if spec["reason"] else "first",
        repeat_reason=spec["reason"],
        area=spec["area"],
        age_band=spec["age_band"],
        referral_offered=spec["offered"],
        referral_accepted=spec["offered"] and spec["accepted"],
    )
    if spec["held"]:  # another organisation's site: stored, held for review
        data["site_id"] = where.sites.pharmacy.id
    if consent_id:
        data.update(consent_id=consent_id, recipient_code="rc_abcdef123456")
    return api.kit_supply(where, **data)


def _apply(op, client, token, north) -> None:
    kind = op[0]
    if kind == "push_supplies":
        records = []
        for spec in op[1]:
            consent_id = None
            if spec["coded"]:
                consent = api.consent()
                records.append(consent)
                consent_id = consent["id"]
            records.append(_supply_record(north, spec, consent_id))
        assert api.push(client, token, records).status_code == 200
    elif kind == "push_other":
        day = (TODAY - dt.timedelta(days=op[1])).isoformat()
        held = {"site_id": north.sites.pharmacy.id} if op[2] else {}
        records = [
            api.training_session(north, session_date=day, **held),
            api.use_report(used_on=day, area="M20"),
        ]
        assert api.push(client, token, records).status_code == 200
    elif kind == "review":
        held = [
            (k, m)
            for k, m in review.REVIEWABLE.items()
            if m in (KitSupply, TrainingSession, NaloxoneUseReport)
        ]
        records = [
            (k, r)
            for k, m in held
            for r in db.session.scalars(select(m).where(m.review_status == "held").order_by(m.id))
        ]
        if records:
            record_kind, record = records[op[1] % len(records)]
            if op[2]:
                review.accept(record, record_kind, north.coordinator)
            else:
                review.reject(record, record_kind, north.coordinator, "Not ours")
    elif kind == "edit":
        rows = db.session.scalars(select(KitSupply).order_by(KitSupply.id)).all()
        if rows:
            record, spec = rows[op[1] % len(rows)], op[2]
            record.quantity = spec["quantity"]
            record.area = spec["area"]
            record.age_band = spec["age_band"]
            record.supplied_on = TODAY - dt.timedelta(days=spec["days_ago"])
            record.recipient_category = spec["category"]
    elif kind == "withdraw":
        consents = db.session.scalars(
            select(Consent).where(Consent.withdrawn_on.is_(None)).order_by(Consent.id)
        ).all()
        if consents:
            withdraw(consents[op[1] % len(consents)], TODAY, north.peer)
    elif kind == "outcome":  # a coordinator records what came of an accepted referral
        waiting = referrals.awaiting_outcome(north.coordinator)
        if waiting:
            referrals.record_outcome(
                north.coordinator, waiting[op[1] % len(waiting)].id, op[2], TODAY
            )
    elif kind == "receive":  # a delivery to the service's hub
        stock_ops.receive(
            north.coordinator,
            north.product.id,
            north.batch.batch_number,
            north.batch.expiry_date,
            op[1],
            f"site:{north.sites.service.id}",
        )
    elif kind == "transfer":  # from the hub to the peer, when the hub holds enough
        try:
            stock_ops.move_out(
                north.coordinator,
                north.batch,
                op[1],
                f"site:{north.sites.service.id}",
                "transferred",
                f"user:{north.peer.id}",
            )
        except stock_ops.StockError:
            pass
    elif kind == "return":  # the peer's phone returns kits
        record = api.stock_return(north, quantity=op[1])
        assert api.push(client, token, [record]).status_code == 200
    db.session.commit()


DASHBOARD_FIGURES = (
    "totals",
    "weeks",
    "by_channel",
    "by_site",
    "by_product",
    "by_category",
    "by_area",
    "by_age",
    "repeat_reasons",
    "training",
    "peers",
)


def test_incremental_summaries_equal_a_rebuild(app, client, two_areas):
    north = two_areas.north
    token = api.token_for(north.peer)

    @settings(
        max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(st.lists(operation, min_size=1, max_size=8))
    def check(operations):
        for op in operations:
            _apply(op, client, token, north)
        incremental = _snapshot()
        assert incremental["supply_day"], "the pushes must have been summarised"
        summaries.rebuild(db.session)
        rebuilt = _snapshot()
        db.session.rollback()
        assert incremental == rebuilt
        assert incremental["stock_balance"] or not any(op[0] == "receive" for op in operations)
        # And the counts read from the summaries equal those counted from the rows,
        # also of the records that reached the figures after a day ended.
        commissioner = north.commissioner
        for review_status in (None, "held", "rejected"):
            f = Filters(TODAY - dt.timedelta(days=6), TODAY, review=review_status)
            late = period_end(TODAY - dt.timedelta(days=1))
            for narrowed in (
                f,
                replace(f, channel="peer"),
                replace(f, arrived_after=late),
                replace(f, arrived_after=period_end(TODAY)),
                replace(f, arrived_after=late, area="M14"),
                replace(f, end=TODAY - dt.timedelta(days=1), arrived_after=late, area="M14"),
                replace(
                    f,
                    end=TODAY - dt.timedelta(days=2),
                    arrived_after=late,
                    age_band="18_24",
                    channel="peer",
                ),
            ):
                assert metrics.record_counts(commissioner, narrowed) == metrics.record_counts(
                    commissioner, narrowed, from_rows=True
                )
            # Referral stages from their summary, as counted from the rows.
            for narrowed in (
                f,
                replace(f, channel="peer"),
                replace(f, site_id=north.sites.peers.id),
                replace(f, product_id=north.product.id),
            ):
                assert outcomes.referral_stages(commissioner, narrowed) == outcomes.referral_stages(
                    commissioner, narrowed, from_rows=True
                )
            # Who was active, under each filter the activity summary answers.
            for narrowed in (
                f,
                replace(f, channel="peer"),
                replace(f, channel="pharmacy"),
                replace(f, site_id=north.sites.peers.id),
                replace(f, site_id=north.sites.pharmacy.id),
                replace(f, product_id=north.product.id),
                replace(f, area="M14"),
                replace(f, age_band="18_24"),
            ):
                assert metrics.active_people(commissioner, narrowed) == metrics.active_people(
                    commissioner, narrowed, from_rows=True
                )
            # Every dashboard figure read from the summaries equals the same figure counted
            # from the rows: a filter on arrival before any record arrived changes nothing
            # but sends `summary` to the rows.
            for narrowed in (
                f,
                replace(f, channel="peer"),
                replace(f, site_id=north.sites.peers.id),
                replace(f, product_id=north.product.id),
                replace(f, area="M14"),
                replace(f, age_band="18_24", channel="peer"),
            ):
                from_summaries = metrics.summary(commissioner, narrowed, TODAY)
                from_rows = metrics.summary(
                    commissioner, replace(narrowed, arrived_after=dt.datetime(2000, 1, 1)), TODAY
                )
                for figure in DASHBOARD_FIGURES:
                    assert getattr(from_summaries, figure) == getattr(from_rows, figure), figure

    check()


def test_rebuild_command_restores_summaries_after_a_bulk_change(app, client, runner, two_areas):
    north = two_areas.north
    token = api.token_for(north.peer)
    assert api.push(client, token, [api.kit_supply(north, quantity=2)]).status_code == 200
    db.session.execute(KitSupply.__table__.update().values(quantity=5))  # bypasses the hook
    db.session.commit()
    f = Filters(TODAY, TODAY)
    assert metrics.summary(north.commissioner, f, TODAY).totals["kits"] == 2
    result = runner.invoke(args=["peerkit", "rebuild-summaries"])
    assert result.exit_code == 0, result.output
    assert "supply_day: 1 rows" in result.output
    db.session.expire_all()
    assert metrics.summary(north.commissioner, f, TODAY).totals["kits"] == 5
