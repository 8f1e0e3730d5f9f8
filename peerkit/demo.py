"""A believable demo area: Northbridge, its drug service, six peers and four pharmacies.

Eight weeks of records in which the peers out-supply the main service, as in the
published peer projects (49 kits from six peers against 12 from the service in four
weeks). Seeded, so every load gives the same figures.
"""

import datetime as dt
import random
import uuid

from .clock import format_uk_date, uk_today
from .extensions import db
from .models import (
    CoverageEstimate,
    Device,
    DrugAlert,
    KitSupply,
    NaloxoneUseReport,
    Organisation,
    PrivacyNotice,
    Product,
    Site,
    StockBatch,
    StockMovement,
    SupplierSignOff,
    TrainingSession,
    User,
    utcnow,
)
from .rules import channel_for
from .vocab import TRAINING_TOPICS

DEMO_PASSWORD = "naloxone-demo"
WEEKS = 8
DISTRICTS = ["NB1", "NB2", "NB3", "NB4", "NB7", "NB9"]


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _user(username, name, role, org) -> User:
    user = User(username=username, display_name=name, role=role, organisation=org)
    user.set_password(DEMO_PASSWORD)
    db.session.add(user)
    return user


def _product(code, **details) -> Product:
    """The catalogue's product `code`, or a new one with `details` if it is missing."""
    product = db.session.query(Product).filter_by(code=code).one_or_none()
    if product is None:
        product = Product(code=code, **details)
        db.session.add(product)
        db.session.flush()
    return product


def load(today: dt.date | None = None) -> list[tuple[str, str]]:
    """Create the demo area in an empty database; return (username, role) of each login."""
    rng = random.Random(2026)
    today = today or uk_today()
    now = utcnow()
    start = today - dt.timedelta(weeks=WEEKS)

    area = Organisation(name="Northbridge Council Public Health", kind="commissioning_area")
    db.session.add(area)
    db.session.flush()
    area.area_id = area.id

    def org(name, kind, managed_by=None):
        o = Organisation(name=name, kind=kind, area_id=area.id, managed_by=managed_by)
        db.session.add(o)
        return o

    service = org("Northbridge Recovery Service", "drug_service")
    peers_org = org("Northbridge Peer Naloxone Project", "peer_group", service)
    pharmacies = [
        org(name, "pharmacy", service)
        for name in (
            "Station Road Pharmacy",
            "Hill Street Chemist",
            "Market Square Pharmacy",
            "Northbridge Late Pharmacy",
        )
    ]
    hostel = org("St Anne's Hostel", "partner_agency", service)
    db.session.flush()
    db.session.add(
        PrivacyNotice(
            organisation_id=service.id,
            version="2026-01",
            in_force_from=start,
            text=(
                "Northbridge Recovery Service records the kits we hand out, where (the first "
                "half of the postcode) and who for (a category, never a name), so the council "
                "can see naloxone reaching people. If you agree, we also make a code from your "
                "initials, date of birth and sex to recognise you next time; it is not your "
                "name. You can ask what we hold, or for the code to be deleted, at any time."
            ),
        )
    )

    service_site = Site(
        organisation=service,
        name="Recovery Hub, King Street",
        site_type="drug_service",
        postcode_district="NB1",
    )
    nsp_site = Site(
        organisation=service,
        name="Needle exchange, Bus Station",
        site_type="needle_syringe_programme",
        postcode_district="NB2",
    )
    peer_site = Site(
        organisation=peers_org,
        name="Peer outreach (street and hostels)",
        site_type="peer_group",
        postcode_district="NB1",
    )
    hostel_site = Site(
        organisation=hostel,
        name="St Anne's Hostel",
        site_type="homelessness_service",
        postcode_district="NB3",
    )
    pharmacy_sites = [
        Site(
            organisation=p,
            name=p.name,
            site_type="community_pharmacy",
            postcode_district=DISTRICTS[i],
        )
        for i, p in enumerate(pharmacies)
    ]
    db.session.add_all([service_site, nsp_site, peer_site, hostel_site, *pharmacy_sites])

    logins = []
    admin = _user("admin", "Alex Admin", "admin", area)
    commissioner = _user("commissioner", "Chris Commissioner", "commissioner", area)
    coordinators = [
        _user("coordinator", "Sam Coordinator", "coordinator", service),
        _user("coordinator2", "Jo Coordinator", "coordinator", service),
    ]
    peers = [_user(f"peer{i}", f"Peer {i}", "peer", peers_org) for i in range(1, 7)]
    staff = []
    for i, p in enumerate(pharmacies, start=1):
        staff.append(_user(f"pharmacy{i}", f"Pharmacist {i}", "pharmacy", p))
    staff.append(_user("pharmacy1b", "Dispenser 1b", "pharmacy", pharmacies[0]))
    logins += [(u.username, u.role) for u in [admin, commissioner, *coordinators, *peers, *staff]]
    db.session.add(
        CoverageEstimate(
            area_id=area.id,
            year=today.year,
            estimated_opiate_users=1450,
            source="Demo estimate of opiate users",
        )
    )
    db.session.flush()

    # Sign-offs: everyone current, except peer6 whose refresher ran out a week ago.
    for u in [*coordinators, *peers, *staff]:
        assessed = start - dt.timedelta(days=rng.randint(30, 200))
        if u.username == "peer6":
            assessed = today - dt.timedelta(days=372)
        db.session.add(
            SupplierSignOff(
                user=u,
                assessed_by=coordinators[0],
                trained_on=assessed - dt.timedelta(days=7),
                assessed_on=assessed,
                refresher_due=assessed + dt.timedelta(days=365),
            )
        )

    # The catalogue migration adds these products; a database emptied by hand lacks them.
    prenoxad = _product(
        "prenoxad",
        name="Prenoxad",
        route="im",
        min_age=16,
        description="2 mg/2 ml prefilled syringe, 5 × 0.4 ml doses",
    )
    nyxoid = _product(
        "nyxoid",
        name="Nyxoid",
        route="nasal",
        min_age=14,
        description="1.8 mg nasal spray, 2 sprays a pack",
    )
    batches = [
        StockBatch(
            product=prenoxad,
            organisation_id=service.id,
            batch_number="PX24118",
            expiry_date=today + dt.timedelta(days=60),
        ),
        StockBatch(
            product=prenoxad,
            organisation_id=service.id,
            batch_number="PX25031",
            expiry_date=today + dt.timedelta(days=540),
        ),
        StockBatch(
            product=nyxoid,
            organisation_id=service.id,
            batch_number="NX5521A",
            expiry_date=today + dt.timedelta(days=400),
        ),
    ]
    db.session.add_all(batches)
    db.session.flush()

    devices = {}
    for u in [*peers, *staff, *coordinators]:
        silent_days = 5 if u.username == "peer5" else rng.randint(0, 1)
        last = now - dt.timedelta(days=silent_days, hours=rng.randint(0, 10))
        devices[u.id] = Device(
            user=u,
            label=f"{u.display_name}'s phone",
            enrolled_at=now - dt.timedelta(weeks=WEEKS + 1),
            last_seen_at=last,
            last_sync_at=last,
            records_waiting=0,
        )
    db.session.add_all(devices.values())
    db.session.flush()

    def stamp(record, user, day, org):
        made = dt.datetime.combine(day, dt.time(rng.randint(9, 20), rng.randint(0, 59)))
        record.id = _uuid(rng)
        record.user_id = user.id
        record.organisation_id = org.id
        record.device_id = devices[user.id].id
        record.client_created_at = made
        # Most records sync within hours; some wait days in a stairwell with no signal.
        delay = dt.timedelta(hours=rng.choice([0, 1, 2, 5, 30, 70]))
        record.received_at = min(made + delay, now)
        db.session.add(record)
        return record

    # Stock in: the service receives batches and hands kits to peers and pharmacies.
    holders = (
        [(u, None) for u in peers]
        + [(None, s) for s in pharmacy_sites]
        + [(None, service_site), (None, hostel_site)]
    )
    for b in batches:
        stamp(
            StockMovement(
                kind="received",
                moved_on=start - dt.timedelta(days=3),
                batch=b,
                quantity=400,
                to_site_id=service_site.id,
            ),
            coordinators[0],
            start - dt.timedelta(days=3),
            service,
        )
        for user, site in holders:
            if site is service_site:
                continue
            stamp(
                StockMovement(
                    kind="transferred",
                    moved_on=start - dt.timedelta(days=2),
                    batch=b,
                    quantity=20,
                    from_site_id=service_site.id,
                    to_user_id=user.id if user else None,
                    to_site_id=site.id if site else None,
                ),
                coordinators[0],
                start - dt.timedelta(days=2),
                service,
            )
    db.session.flush()

    categories = ["person_at_risk"] * 6 + ["family_friend_carer"] * 3 + ["worker", "unknown"]
    reasons = [
        "used_on_someone_else",
        "used_on_self",
        "lost",
        "confiscated",
        "expired",
        "used_on_someone_else",
        "stolen",
        "damaged",
    ]

    def supply(user, org, site, day, trained_session=None):
        repeat = rng.random() < 0.27
        batch = rng.choice(batches)
        category = rng.choice(categories)
        stamp(
            KitSupply(
                supplied_on=day,
                site_id=site.id,
                channel=channel_for(org),
                product_id=batch.product_id,
                batch_id=batch.id,
                quantity=1,
                recipient_category=category,
                supply_type="repeat" if repeat else "first",
                repeat_reason=rng.choice(reasons) if repeat else None,
                training="already_trained"
                if repeat
                else ("given" if trained_session else rng.choice(["given", "declined"])),
                training_session=trained_session,
                area=rng.choice(DISTRICTS + ["UNKNOWN"]),
                referral_offered=category == "person_at_risk",
                referral_accepted=category == "person_at_risk" and rng.random() < 0.3,
            ),
            user,
            day,
            org,
        )

    for week in range(WEEKS):
        week_start = start + dt.timedelta(weeks=week)
        days = [
            week_start + dt.timedelta(days=d)
            for d in range(7)
            if week_start + dt.timedelta(days=d) <= today
        ]
        if not days:
            continue
        # Peers: about a dozen people trained and given kits a week between them.
        for _ in range(rng.randint(10, 14)):
            peer = rng.choice(peers[:5])
            day = rng.choice(days)
            session = stamp(
                TrainingSession(
                    session_date=day,
                    site_id=peer_site.id,
                    mode="one_to_one",
                    kind="overdose_awareness",
                    topics=list(TRAINING_TOPICS),
                    attendees_at_risk=1,
                    kits_taken=1,
                ),
                peer,
                day,
                peers_org,
            )
            supply(peer, peers_org, peer_site, day, session)
        # A group session at the hostel now and then: some trained people take no kit.
        if week % 2 == 0:
            day = rng.choice(days)
            stamp(
                TrainingSession(
                    session_date=day,
                    site_id=hostel_site.id,
                    mode="group",
                    kind="overdose_awareness",
                    topics=list(TRAINING_TOPICS)[:5],
                    attendees_at_risk=4,
                    attendees_worker=2,
                    kits_taken=3,
                ),
                peers[0],
                day,
                peers_org,
            )
        # The main service: about three kits a week.
        for _ in range(rng.randint(2, 4)):
            supply(coordinators[1], service, rng.choice([service_site, nsp_site]), rng.choice(days))
        # Pharmacies: a few kits a week between the four.
        for _ in range(rng.randint(3, 6)):
            i = rng.randrange(len(pharmacies))
            supply(staff[i], pharmacies[i], pharmacy_sites[i], rng.choice(days))
        # Use reports: about one a week, mostly from peers.
        if rng.random() < 0.9:
            peer = rng.choice(peers[:5])
            day = rng.choice(days)
            stamp(
                NaloxoneUseReport(
                    used_on=day,
                    place_type=rng.choice(["public_place", "hostel", "friends_home"]),
                    area=rng.choice(DISTRICTS),
                    administered_by=rng.choice(["peer", "family_friend"]),
                    product_id=prenoxad.id,
                    doses=rng.randint(1, 3),
                    route="im",
                    called_999=True,
                    stayed_with_person=True,
                    outcome="survived",
                ),
                peer,
                day,
                peers_org,
            )

    logins += _messy_days(
        rng,
        today,
        stamp,
        hostel,
        hostel_site,
        service_site,
        peers[5],
        peers_org,
        peer_site,
        batches[0],
        coordinators[0],
        service,
        devices,
    )

    db.session.add(
        DrugAlert(
            organisation_id=service.id,
            area_description="Northbridge town centre (NB1, NB2)",
            substance="Heroin possibly mixed with nitazenes",
            description="Three overdoses in two days needing more than one dose of naloxone.",
            advice="Carry naloxone, don't use alone, test a small amount first, call 999 early.",
            grading="red",
            issued_at=now - dt.timedelta(days=2),
            expires_at=now + dt.timedelta(days=12),
            created_by_id=coordinators[0].id,
        )
    )
    db.session.commit()
    return logins


def _messy_days(
    rng,
    today,
    stamp,
    hostel,
    hostel_site,
    service_site,
    lapsed_peer,
    peers_org,
    peer_site,
    batch,
    coordinator,
    service,
    devices,
) -> list[tuple[str, str]]:
    """What a real service sees that a tidy demo would not: a hostel worker who carries
    kits (a carrier) and used one, and a peer whose sign-off ran out while offline whose
    supply is held for the coordinator to review."""
    carrier = _user("carrier1", "Hostel Worker 1", "carrier", hostel)
    db.session.flush()
    devices[carrier.id] = Device(
        user=carrier,
        label="Hostel front desk phone",
        enrolled_at=utcnow() - dt.timedelta(weeks=2),
        last_seen_at=utcnow(),
        last_sync_at=utcnow(),
        records_waiting=0,
    )
    db.session.add(devices[carrier.id])
    db.session.flush()
    stamp(
        StockMovement(
            kind="transferred",
            moved_on=today - dt.timedelta(days=10),
            batch=batch,
            quantity=4,
            from_site_id=service_site.id,
            to_user_id=carrier.id,
        ),
        coordinator,
        today - dt.timedelta(days=10),
        service,
    )
    used_on = today - dt.timedelta(days=3)
    stamp(
        NaloxoneUseReport(
            used_on=used_on,
            place_type="hostel",
            area=hostel_site.postcode_district,
            administered_by="worker",
            product_id=batch.product_id,
            doses=2,
            route="im",
            called_999=True,
            stayed_with_person=True,
            outcome="survived",
        ),
        carrier,
        used_on,
        hostel,
    )
    held_on = today - dt.timedelta(days=2)
    stamp(
        KitSupply(
            supplied_on=held_on,
            site_id=peer_site.id,
            channel="peer",
            product_id=batch.product_id,
            batch_id=batch.id,
            quantity=1,
            recipient_category="person_at_risk",
            supply_type="first",
            training="given",
            area="NB1",
            referral_offered=True,
            referral_accepted=False,
            review_status="held",
            hold_reason="The supplier sign-off ran out on "
            f"{format_uk_date(today - dt.timedelta(days=7))}: a refresher is due.",
        ),
        lapsed_peer,
        held_on,
        peers_org,
    )
    return [(carrier.username, carrier.role)]
