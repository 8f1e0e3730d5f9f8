"""Retention (`flask peerkit apply-retention`): codes and free text past their period are
erased, one day inside the period is kept, and every count stays, on both databases."""

from sqlalchemy import select

from peerkit import summaries
from peerkit.extensions import db
from peerkit.models import AuditEvent, Consent, FieldReport, KitSupply
from peerkit.retention import years_before

from . import api_helpers as api
from .test_frontline_intel import field_report
from .test_summaries import _snapshot

TODAY = api.TODAY


def _supply_with_code(area, code, on, consent_id=None):
    """A consent (if new) and a supply with `code`, dated `on`."""
    records = []
    if consent_id is None:
        consent = api.consent(
            recipient_code=code, given_on=on.isoformat(), consent_to_recognise=True
        )
        consent_id = consent["id"]
        records.append(consent)
    records.append(
        api.kit_supply(area, supplied_on=on.isoformat(), consent_id=consent_id, recipient_code=code)
    )
    return records, consent_id


def test_retention_erases_past_the_period_keeps_inside_and_keeps_counts(
    app, client, runner, two_areas
):
    north = two_areas.north
    token = api.token_for(north.peer)
    supply_cutoff = years_before(TODAY, 7)
    code_cutoff = years_before(TODAY, 2)
    records = []
    # Codes: one whose last supply is one day inside the 2 years, one a day past.
    kept, _ = _supply_with_code(north, "v2-kept0000000", code_cutoff)
    gone, gone_consent = _supply_with_code(
        north, "v2-gone0000000", code_cutoff.fromordinal(code_cutoff.toordinal() - 1)
    )
    # Supplies without a code but with a note: one day inside 7 years, one a day past.
    inside = api.kit_supply(north, supplied_on=supply_cutoff.isoformat())
    past = api.kit_supply(
        north, supplied_on=supply_cutoff.fromordinal(supply_cutoff.toordinal() - 1).isoformat()
    )
    # Field reports with what the person typed: one day inside 7 years, one a day past.
    report_inside = field_report(
        seen_on=supply_cutoff.isoformat(), unusual_symptoms="Woke, then went under again"
    )
    report_past = field_report(
        seen_on=supply_cutoff.fromordinal(supply_cutoff.toordinal() - 1).isoformat(),
        unusual_symptoms="Woke, then went under",
    )
    records = kept + gone + [inside, past, report_inside, report_past]
    answers = api.push(client, token, records).get_json()["results"]
    assert {a["status"] for a in answers} <= {"stored", "held"}, answers
    for supply_id in (inside["id"], past["id"]):
        db.session.get(KitSupply, supply_id).review_note = "Peer said the person was AB"
    db.session.commit()
    summaries.rebuild(db.session)
    db.session.commit()
    before = _snapshot()

    result = runner.invoke(args=["peerkit", "apply-retention"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    supplies = {s.id: s for s in db.session.scalars(select(KitSupply))}
    consents = {c.id: c for c in db.session.scalars(select(Consent))}
    assert supplies[kept[1]["id"]].recipient_code == "v2-kept0000000"
    assert supplies[gone[1]["id"]].recipient_code is None
    assert consents[gone_consent].recipient_code is None
    assert [c.recipient_code for c in consents.values() if c.id != gone_consent] == [
        "v2-kept0000000"
    ]
    assert supplies[inside["id"]].review_note == "Peer said the person was AB"
    assert supplies[past["id"]].review_note is None
    kept_report = db.session.get(FieldReport, report_inside["id"])
    erased_report = db.session.get(FieldReport, report_past["id"])
    assert kept_report.unusual_symptoms == "Woke, then went under again"
    assert kept_report.drug_described != ""
    assert (
        erased_report.drug_described,
        erased_report.appearance,
        erased_report.unusual_symptoms,
    ) == ("", "", "")
    assert erased_report.seen_on < kept_report.seen_on  # the report itself stays
    # Nothing deleted, every summary the same, and the same as a rebuild from the records.
    assert len(supplies) == 4 and len(consents) == 2
    assert _snapshot() == before
    summaries.rebuild(db.session)
    assert _snapshot() == before
    # Audited with counts only, no code.
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "retention.apply", AuditEvent.object_id == str(north.area.id)
        )
    ).one()
    assert event.detail["codes_erased"] == 1 and event.detail["supplies_past_period"] == 1
    assert event.detail["field_report_text"] == 1
    assert "v2-" not in repr(event.detail)
    # The south area's run found nothing; a second run changes nothing.
    assert runner.invoke(args=["peerkit", "apply-retention"]).exit_code == 0
    second = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "retention.apply")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert all(v == 0 for k, v in second.detail.items() if not k.endswith("_years"))


def test_an_admin_sets_the_periods_and_a_coordinator_only_sees_them(app, client, auth, two_areas):
    from .conftest import csrf_token_from

    auth.login("north-coordinator")
    page = client.get("/coordination/retention")
    assert page.status_code == 200 and "7 years" in page.get_data(as_text=True)
    assert (
        client.post(
            "/coordination/retention",
            data={
                "csrf_token": csrf_token_from(client.get("/coordination/privacy-notices")),
                "supply_years": "3",
                "code_years": "1",
            },
        ).status_code
        == 403
    )
    auth.logout()
    auth.login("north-admin")
    token = csrf_token_from(client.get("/coordination/retention"))
    assert (
        client.post(
            "/coordination/retention",
            data={"csrf_token": token, "supply_years": "0", "code_years": "1"},
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/coordination/retention",
            data={"csrf_token": token, "supply_years": "5", "code_years": "1"},
        ).status_code
        == 303
    )
    db.session.expire_all()
    assert (
        two_areas.north.area.retention_supply_years,
        two_areas.north.area.retention_code_years,
    ) == (5, 1)
    assert (
        two_areas.south.area.retention_supply_years,
        two_areas.south.area.retention_code_years,
    ) == (7, 2)
