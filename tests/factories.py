"""Field records made directly in the database, for tests that are not about the sync API."""

import datetime as dt

from peerkit.extensions import db
from peerkit.models import KitSupply, NaloxoneUseReport, TrainingSession, new_uuid
from peerkit.rules import channel_for


def kit_supply(user, site, batch, *, supplied_on=None, commit=True, **fields) -> KitSupply:
    """A first supply of one kit by `user` at `site`, unless `fields` say otherwise."""
    supplied_on = supplied_on or dt.date.today()
    values = dict(
        id=new_uuid(),
        organisation_id=user.organisation_id,
        user_id=user.id,
        client_created_at=dt.datetime.combine(supplied_on, dt.time(12)),
        supplied_on=supplied_on,
        site_id=site.id,
        channel=channel_for(user.organisation),
        recipient_category="person_at_risk",
        product_id=batch.product_id,
        batch_id=batch.id,
        quantity=1,
        supply_type="first",
        repeat_reason=None,
        training="given",
        area="M14",
        referral_offered=True,
        referral_accepted=False,
    )
    values.update(fields)
    record = KitSupply(**values)
    db.session.add(record)
    if commit:
        db.session.commit()
    return record


def training_session(user, *, session_date=None, commit=True, **fields) -> TrainingSession:
    """A one-to-one overdose-awareness session with one person at risk who took a kit."""
    session_date = session_date or dt.date.today()
    values = dict(
        id=new_uuid(),
        organisation_id=user.organisation_id,
        user_id=user.id,
        client_created_at=dt.datetime.combine(session_date, dt.time(11)),
        session_date=session_date,
        mode="one_to_one",
        kind="overdose_awareness",
        topics=["call_999", "giving_naloxone"],
        attendees_at_risk=1,
        kits_taken=1,
    )
    values.update(fields)
    record = TrainingSession(**values)
    db.session.add(record)
    if commit:
        db.session.commit()
    return record


def use_report(user, *, used_on=None, commit=True, **fields) -> NaloxoneUseReport:
    """A report of naloxone given in a public place; the person survived."""
    used_on = used_on or dt.date.today()
    values = dict(
        id=new_uuid(),
        organisation_id=user.organisation_id,
        user_id=user.id,
        client_created_at=dt.datetime.combine(used_on, dt.time(22)),
        used_on=used_on,
        place_type="public_place",
        area="M14",
        administered_by="peer",
        doses=2,
        route="im",
        called_999=True,
        stayed_with_person=True,
        outcome="survived",
    )
    values.update(fields)
    record = NaloxoneUseReport(**values)
    db.session.add(record)
    if commit:
        db.session.commit()
    return record
