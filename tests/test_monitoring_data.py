"""A hand-made area with known answers for the monitoring tests.

The period is two ISO weeks, Monday 20 October to Sunday 2 November 2025; clocks went
back (BST to GMT) at 01:00 UTC on Sunday 26 October, inside the first week. The expected
figures below are worked out by hand from the records, not by the code under test.
"""

import csv
import datetime as dt
import io
from types import SimpleNamespace

from peerkit.clock import uk_today
from peerkit.extensions import db
from peerkit.models import (
    Consent,
    CoverageEstimate,
    Device,
    Site,
    StockBatch,
    StockMovement,
    SupplierSignOff,
    new_uuid,
    utcnow,
)

from . import factories

START, END = dt.date(2025, 10, 20), dt.date(2025, 11, 2)
WEEK1, WEEK2 = dt.date(2025, 10, 20), dt.date(2025, 10, 27)
SHARED_CODE = "rcshared456789"
WITHDRAWN_CODE = "rcwithdrawn123"
LAST_RECEIVED = dt.datetime(2025, 11, 5, 10, 0)  # UTC; GMT by then, so 10:00 in London


def _at(day, hour=12):
    return dt.datetime.combine(day, dt.time(hour))


def _move(user, site=None, batch=None, quantity=0, to_user=None):
    db.session.add(
        StockMovement(
            id=new_uuid(),
            organisation_id=user.organisation_id,
            user_id=user.id,
            client_created_at=_at(START),
            received_at=_at(START),
            kind="received",
            moved_on=START,
            batch_id=batch.id,
            quantity=quantity,
            to_site_id=site.id if site else None,
            to_user_id=to_user.id if to_user else None,
        )
    )


def _consent(user, code, withdrawn_on=None, share=True):
    consent = Consent(
        id=new_uuid(),
        organisation_id=user.organisation_id,
        user_id=user.id,
        client_created_at=_at(START),
        received_at=_at(START),
        recipient_code=code,
        consent_to_record=True,
        consent_to_share=share,
        method="verbal",
        privacy_notice_version="v1",
        given_on=START,
        withdrawn_on=withdrawn_on,
    )
    db.session.add(consent)
    db.session.flush()
    return consent


def build(two_areas, make_user):
    """Create the records; return the namespace of what the tests need."""
    north, south = two_areas.north, two_areas.south
    today = uk_today()
    # Sign-offs that cover the period (the fixture's cover only the last month).
    idle_peer = make_user("peer", north.peers, username="north-peer-idle", signed_off=False)
    lapsed_peer = make_user("peer", north.peers, username="north-peer-lapsed", signed_off=False)
    for user, assessed in (
        (north.peer, dt.date(2025, 6, 1)),
        (idle_peer, dt.date(2025, 3, 1)),
        (lapsed_peer, dt.date(2024, 1, 1)),
    ):
        db.session.add(
            SupplierSignOff(
                user_id=user.id,
                assessed_by_id=north.coordinator.id,
                trained_on=assessed,
                assessed_on=assessed,
                refresher_due=assessed + dt.timedelta(days=365),
            )
        )
    product = north.product
    soon = StockBatch(
        product=product,
        organisation_id=north.service.id,
        batch_number="SOON",
        expiry_date=today + dt.timedelta(days=30),
    )
    expired = StockBatch(
        product=product,
        organisation_id=north.service.id,
        batch_number="GONE",
        expiry_date=today - dt.timedelta(days=10),
    )
    recalled = StockBatch(
        product=product,
        organisation_id=north.service.id,
        batch_number="RECALL",
        expiry_date=today + dt.timedelta(days=200),
        recalled_at=utcnow(),
        recall_reason="Faulty needles",
    )
    db.session.add_all([soon, expired, recalled])
    db.session.flush()
    _move(north.coordinator, site=north.sites.service, batch=north.batch, quantity=20)
    _move(north.coordinator, site=north.sites.service, batch=recalled, quantity=4)
    _move(north.coordinator, site=north.sites.pharmacy, batch=north.batch, quantity=10)
    _move(north.coordinator, site=north.sites.pharmacy, batch=expired, quantity=3)
    _move(north.coordinator, batch=soon, quantity=20, to_user=north.peer)
    shared = _consent(north.pharmacist, SHARED_CODE)
    withdrawn = _consent(north.peer, WITHDRAWN_CODE, withdrawn_on=dt.date(2025, 11, 10))

    peer, site = north.peer, north.sites.peers
    supply = factories.kit_supply
    # 1: 00:30 BST on Monday 20 October is 23:30 UTC on Sunday 19th: counts by its own date.
    supply(
        peer,
        site,
        soon,
        supplied_on=WEEK1,
        client_created_at=dt.datetime(2025, 10, 19, 23, 30),
        received_at=dt.datetime(2025, 10, 20, 8),
        referral_accepted=True,
        commit=False,
    )
    # 2: handed out on the Sunday the clocks went back; the phone synced ten days later.
    supply(
        peer,
        site,
        soon,
        supplied_on=dt.date(2025, 10, 26),
        quantity=2,
        received_at=LAST_RECEIVED,
        commit=False,
    )
    supply(
        peer,
        site,
        soon,
        supplied_on=WEEK2,
        supply_type="repeat",
        repeat_reason="used_on_someone_else",
        recipient_category="family_friend_carer",
        referral_offered=False,
        received_at=_at(WEEK2, 18),
        commit=False,
    )
    supply(
        peer,
        site,
        soon,
        supplied_on=END,
        supply_type="repeat",
        repeat_reason="lost",
        referral_offered=False,
        consent_id=withdrawn.id,
        recipient_code=WITHDRAWN_CODE,
        received_at=_at(END, 18),
        commit=False,
    )
    pharmacist, chemist = north.pharmacist, north.sites.pharmacy
    supply(
        pharmacist,
        chemist,
        north.batch,
        supplied_on=dt.date(2025, 10, 21),
        recipient_category="worker",
        area="M20",
        received_at=_at(dt.date(2025, 10, 21)),
        commit=False,
    )
    supply(
        pharmacist,
        chemist,
        north.batch,
        supplied_on=dt.date(2025, 10, 28),
        referral_accepted=True,
        area="UNKNOWN",
        consent_id=shared.id,
        recipient_code=SHARED_CODE,
        received_at=_at(dt.date(2025, 10, 28)),
        commit=False,
    )
    supply(
        north.coordinator,
        north.sites.service,
        recalled,
        supplied_on=dt.date(2025, 10, 25),
        supply_type="repeat",
        repeat_reason="used_on_self",
        referral_offered=False,
        received_at=_at(dt.date(2025, 10, 25)),
        commit=False,
    )
    # Outside the period by a day either side.
    supply(
        peer, site, soon, supplied_on=dt.date(2025, 10, 19), received_at=_at(START), commit=False
    )
    supply(peer, site, soon, supplied_on=dt.date(2025, 11, 3), received_at=_at(END), commit=False)
    # The other area: never in north's figures.
    supply(
        south.peer,
        south.sites.peers,
        south.batch,
        supplied_on=dt.date(2025, 10, 22),
        quantity=7,
        received_at=dt.datetime(2025, 12, 1),
        commit=False,
    )

    training = factories.training_session
    training(
        peer,
        session_date=WEEK1,
        mode="group",
        attendees_at_risk=4,
        attendees_family=2,
        kits_taken=5,
        site_id=site.id,
        received_at=_at(WEEK1),
        commit=False,
    )
    training(peer, session_date=dt.date(2025, 10, 29), received_at=_at(WEEK2, 20), commit=False)
    training(
        north.coordinator,
        session_date=dt.date(2025, 10, 22),
        kind="supplier_training",
        attendees_at_risk=0,
        attendees_worker=3,
        kits_taken=0,
        received_at=_at(WEEK1, 20),
        commit=False,
    )
    factories.use_report(
        peer, used_on=dt.date(2025, 10, 26), received_at=dt.datetime(2025, 11, 4, 9), commit=False
    )
    factories.use_report(
        pharmacist,
        used_on=dt.date(2025, 10, 30),
        received_at=_at(dt.date(2025, 10, 30)),
        commit=False,
    )
    db.session.add(
        CoverageEstimate(
            area_id=north.area.id, year=2025, estimated_opiate_users=400, source="Test estimate"
        )
    )
    now = utcnow()
    db.session.add_all(
        [
            Device(user_id=peer.id, label="Peer phone", last_sync_at=now - dt.timedelta(days=1)),
            Device(
                user_id=pharmacist.id,
                label="Counter tablet",
                last_sync_at=now - dt.timedelta(days=4),
            ),
            Device(user_id=north.coordinator.id, label="Office phone"),
            Device(user_id=south.peer.id, label="South secret phone", last_sync_at=now),
        ]
    )
    # A site whose name a spreadsheet would run as a formula.
    db.session.add(
        Site(
            organisation_id=north.pharmacy.id,
            name='=HYPERLINK("x")',
            site_type="community_pharmacy",
            postcode_district="M20",
        )
    )
    db.session.commit()
    return SimpleNamespace(north=north, south=south)


# The answers, worked out by hand.
EXPECTED = dict(
    kits=8,
    supplies=7,
    first=4,
    repeat=3,
    repeat_pct=42.9,
    used_repeats=2,
    use_reports=2,
    reach=3,
    referral_offered=4,
    referral_accepted=2,
)
EXPECTED_WEEKS = {
    WEEK1: dict(peer=3, drug_service=1, pharmacy=1, used=1, reports=1),
    WEEK2: dict(peer=2, drug_service=0, pharmacy=1, used=1, reports=1),
}
EXPECTED_CHANNELS = {"peer": 5, "drug_service": 1, "pharmacy": 2}
EXPECTED_CATEGORIES = {
    "person_at_risk": 6,
    "family_friend_carer": 1,
    "worker": 1,
    "member_of_public": 0,
    "unknown": 0,
}
EXPECTED_AREAS = {"M14": 6, "M20": 1, "UNKNOWN": 1}
EXPECTED_REASONS = {"used_on_someone_else": 1, "used_on_self": 1, "lost": 1, "stolen": 0}
EXPECTED_TRAINING = dict(
    sessions=2, people_trained=7, with_kit=6, without_kit=1, suppliers_trained=3
)
EXPECTED_PEERS = dict(signed_off=2, active=1)
EXPECTED_STOCK = dict(
    on_hand=47,
    expiring=13,
    expired=3,
    recalled=3,
    recalled_with_recipients=1,
    recalled_with_recipients_held=0,
)


def read_log_csv(text: str) -> tuple[dict, list[dict]]:
    """The log CSV's notes ({label: value}) and its table rows (dicts by header)."""
    text = text.lstrip("\ufeff")
    notes_part, table = text.split("\r\n\r\n", 1)
    notes = dict(csv.reader(io.StringIO(notes_part)))
    return notes, list(csv.DictReader(io.StringIO(table)))
