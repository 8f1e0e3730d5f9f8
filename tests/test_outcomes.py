"""Outcomes for commissioners (peerkit/monitoring/outcomes.py), with hand-worked answers,
on both databases: use reports by outcome, 999, doses, setting and source; referral
stages by destination; suppression under 5 in the summary CSV; drill-down."""

import datetime as dt

from peerkit.clock import uk_today
from peerkit.extensions import db
from peerkit.models import KitSupply, NaloxoneUseReport, ReferralDestination, new_uuid, utcnow
from peerkit.monitoring import outcomes
from peerkit.monitoring.filters import Filters

TODAY = uk_today()


def _use(area, org, user, **fields):
    values = dict(
        id=new_uuid(),
        organisation_id=org.id,
        user_id=user.id,
        client_created_at=utcnow(),
        used_on=TODAY,
        place_type="hostel",
        area="M14",
        administered_by="peer",
        doses=1,
        route="im",
        called_999=True,
        stayed_with_person=True,
        outcome="survived",
    )
    values.update(fields)
    db.session.add(NaloxoneUseReport(**values))


def _supply(area, **fields):
    values = dict(
        id=new_uuid(),
        organisation_id=area.peers.id,
        user_id=area.peer.id,
        client_created_at=utcnow(),
        supplied_on=TODAY,
        site_id=area.sites.peers.id,
        channel="peer",
        recipient_category="person_at_risk",
        product_id=area.product.id,
        batch_id=area.batch.id,
        quantity=1,
        supply_type="first",
        training="given",
        area="M14",
    )
    values.update(fields)
    db.session.add(KitSupply(**values))


def test_use_outcomes_hand_worked(app, two_areas):
    north, south = two_areas.north, two_areas.south
    # North, counted: 6 reports.
    #   survived x4 (doses 1, 1, 2, 4), died x1 (doses 3), unknown x1 (doses 2)
    #   999 called: 4 yes, 2 no; settings: hostel 3, public_place 2, own_home 1
    #   source: this_scheme 3, elsewhere 1, not recorded 2
    rows = [
        dict(doses=1, naloxone_source="this_scheme"),
        dict(doses=1, naloxone_source="this_scheme", called_999=False),
        dict(doses=2, place_type="public_place", naloxone_source="this_scheme"),
        dict(doses=4, place_type="public_place", naloxone_source="elsewhere"),
        dict(doses=3, outcome="died", place_type="own_home"),
        dict(doses=2, outcome="unknown", called_999=False),
    ]
    for row in rows:
        _use(north, north.peers, north.peer, **row)
    # Not counted: held, another area, outside the period.
    _use(north, north.peers, north.peer, review_status="held", outcome="died")
    _use(south, south.peers, south.peer, outcome="died")
    _use(north, north.peers, north.peer, used_on=TODAY - dt.timedelta(days=400))
    db.session.commit()
    f = Filters(start=TODAY - dt.timedelta(days=30), end=TODAY)
    result = outcomes.use_outcomes(north.commissioner, f)
    counts = {
        key: {c.code: c.count for c in result[key]}
        for key in ("outcome", "called_999", "doses", "setting", "source")
    }
    assert result["total"] == 6
    assert counts["outcome"] == {"survived": 4, "died": 1, "unknown": 1}
    assert counts["called_999"] == {"yes": 4, "no": 2}
    assert counts["doses"] == {"1": 2, "2": 2, "3+": 2}
    assert counts["setting"] == {
        "own_home": 1,
        "friends_home": 0,
        "public_place": 2,
        "hostel": 3,
        "other": 0,
    }
    assert counts["source"] == {"this_scheme": 3, "elsewhere": 1, "unknown": 0, "not_recorded": 2}
    # Drill-down: the one death, and the log page a figure links to.
    died = outcomes.use_report_log(north.commissioner, f, outcome="died")
    assert [(r.doses, r.place_type) for r in died] == [(3, "own_home")]
    assert len(outcomes.use_report_log(north.commissioner, f, naloxone_source="not_recorded")) == 2


def test_referral_stages_hand_worked_and_suppressed_in_the_csv(app, client, two_areas, auth):
    north = two_areas.north
    hub = ReferralDestination(organisation_id=north.service.id, name="Hub", kind="treatment")
    housing = ReferralDestination(organisation_id=north.service.id, name="Homes", kind="housing")
    db.session.add_all([hub, housing])
    db.session.flush()
    # Hub: 6 accepted -> 3 attended, 1 declined, 1 not known, 1 awaiting.
    for outcome in ("attended", "attended", "attended", "declined", "not_known", None):
        _supply(
            north,
            referral_offered=True,
            referral_accepted=True,
            referral_destination_id=hub.id,
            referral_outcome=outcome,
        )
    # Homes: 2 accepted -> 1 attended. Offered, not accepted: 3. Not offered: 2.
    for outcome in ("attended", None):
        _supply(
            north,
            referral_offered=True,
            referral_accepted=True,
            referral_destination_id=housing.id,
            referral_outcome=outcome,
        )
    for _ in range(3):
        _supply(north, referral_offered=True, referral_accepted=False)
    for _ in range(2):
        _supply(north)
    _supply(
        north,
        referral_offered=True,
        referral_accepted=True,
        review_status="held",
        referral_destination_id=hub.id,
        referral_outcome="attended",
    )
    db.session.commit()
    f = Filters(start=TODAY - dt.timedelta(days=30), end=TODAY)
    stages = {
        s.label: (s.offered, s.accepted, s.attended, s.declined, s.not_known, s.awaiting)
        for s in outcomes.referral_stages(north.commissioner, f)
    }
    assert stages == {
        "Homes (Housing)": (2, 2, 1, 0, 0, 1),
        "Hub (Our treatment service)": (6, 6, 3, 1, 1, 1),
        "Offered, not accepted": (3, 0, 0, 0, 0, 0),
        "All referrals": (11, 8, 4, 1, 1, 2),
    }
    auth.login("north-commissioner")
    csv_text = client.get(f"/monitoring/summary.csv?start={f.start}&end={f.end}").get_data(
        as_text=True
    )
    assert "Referral stages,Hub (Our treatment service): offered,6" in csv_text
    assert "Referral stages,Hub (Our treatment service): attended,<5" in csv_text
    assert "Referral stages,All referrals: offered,11" in csv_text
    report = client.get(f"/monitoring/report?start={f.start}&end={f.end}").get_data(as_text=True)
    assert 'data-report="Referral stages|All referrals: accepted">8<' in report
    dashboard = client.get(f"/monitoring/?start={f.start}&end={f.end}").get_data(as_text=True)
    assert '<th scope="row">Hub (Our treatment service)</th><td class="num">6</td>' in dashboard
