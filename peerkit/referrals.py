"""Referrals that go somewhere: the destinations a drug service keeps, and what happened.

At supply a peer or pharmacist records that a referral was offered, accepted and where to
(one of the service's destinations, pulled to phones). Later the service records the
outcome: attended, declined or not known. Monitoring shows offered -> accepted ->
attended by destination (peerkit/monitoring/outcomes.py).
"""

import datetime as dt

from flask import abort
from sqlalchemy import select

from . import audit
from .extensions import db
from .models import KitSupply, ReferralDestination, User
from .scoping import managed_organisation_ids


def destinations(coordinator: User, active_only: bool = False) -> list[ReferralDestination]:
    """The service's referral destinations (the coordinator's own service keeps the list)."""
    statement = select(ReferralDestination).where(
        ReferralDestination.organisation_id == coordinator.organisation_id
    )
    if active_only:
        statement = statement.where(ReferralDestination.active.is_(True))
    return db.session.scalars(
        statement.order_by(ReferralDestination.kind, ReferralDestination.name)
    ).all()


def add_destination(coordinator: User, name: str, kind: str) -> ReferralDestination:
    """A new destination on the service's list; phones pull it at their next sync (its
    sync number is stamped on flush: peerkit.sync_feed)."""
    row = ReferralDestination(
        organisation_id=coordinator.organisation_id, name=name.strip(), kind=kind, active=True
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "referral_destination.create", "referral_destination", row.id, user=coordinator, kind=kind
    )
    return row


def retire_destination(coordinator: User, destination_id: int) -> ReferralDestination:
    """Stop offering a destination (past referrals keep it); 404 outside the service."""
    row = db.session.scalar(
        select(ReferralDestination).where(
            ReferralDestination.id == destination_id,
            ReferralDestination.organisation_id == coordinator.organisation_id,
        )
    )
    if row is None:
        abort(404)
    if row.active:
        row.active = False
        audit.record(
            "referral_destination.retire", "referral_destination", row.id, user=coordinator
        )
    db.session.flush()
    return row


def awaiting_outcome(coordinator: User, limit: int = 200) -> list[KitSupply]:
    """Accepted referrals of the service's people with no outcome yet, oldest first."""
    return db.session.scalars(
        select(KitSupply)
        .where(
            KitSupply.organisation_id.in_(managed_organisation_ids(coordinator)),
            KitSupply.referral_accepted.is_(True),
            KitSupply.referral_outcome.is_(None),
            KitSupply.review_status != "rejected",
        )
        .order_by(KitSupply.supplied_on, KitSupply.id)
        .limit(limit)
    ).all()


def record_outcome(coordinator: User, supply_id: str, outcome: str, on: dt.date) -> KitSupply:
    """What came of an accepted referral, audited; 404 outside the service or when no
    referral was accepted."""
    supply = db.session.scalar(
        select(KitSupply).where(
            KitSupply.id == supply_id,
            KitSupply.referral_accepted.is_(True),
            KitSupply.organisation_id.in_(managed_organisation_ids(coordinator)),
        )
    )
    if supply is None:
        abort(404)
    supply.referral_outcome = outcome
    supply.referral_outcome_on = on
    supply.referral_outcome_by_id = coordinator.id
    db.session.flush()
    audit.record("referral.outcome", "kit_supply", supply.id, user=coordinator, outcome=outcome)
    return supply
