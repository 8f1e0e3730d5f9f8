"""A suspected bad batch reported from the phone with no signal reaches the coordinator's
triage list once the phone syncs (issue 15)."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from peerkit.extensions import db
from peerkit.models import FieldReport, KitSupply, NaloxoneUseReport, ReferralDestination

from . import field
from .conftest import shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]


def test_a_bad_batch_reported_offline_reaches_triage(live_server, launch_phone, browser, two_areas):
    context = launch_phone()
    page = context.new_page()
    field.sign_in_and_enrol(page, live_server, "north-peer")
    context.set_offline(True)
    page.get_by_role("link", name="Suspected bad batch").click()
    form = page.locator("#form-report")
    form.get_by_label("Postcode district").fill("M14")
    form.get_by_label("Drug, as people described it").fill("Brown heroin, very strong")
    form.get_by_label("Colour or packaging").fill("Pink wrap")
    form.get_by_label("More than one dose of naloxone was needed").check()
    shot(page, "field-report")
    form.get_by_role("button", name="Save report").click()
    page.wait_for_url("**/app#home")
    field.expect_waiting(page, 1)
    context.set_offline(False)
    expect(page.locator("#waiting-count")).to_have_text("0", timeout=20_000)
    reports = db.session.execute(
        select(FieldReport.area, FieldReport.drug_described, FieldReport.more_than_one_dose)
    ).all()
    db.session.commit()  # let SQLite's lock go before the live server is asked again
    assert reports == [("M14", "Brown heroin, very strong", True)]

    desk = browser.new_context().new_page()
    field.sign_in(desk, live_server, "north-coordinator")
    desk.goto(f"{live_server}/coordination/field-reports")
    expect(desk.locator("main")).to_contain_text("Brown heroin, very strong")
    expect(desk.locator("main")).to_contain_text("M14")


def test_an_accepted_referral_names_where_it_went(live_server, launch_phone, two_areas, kits_for):
    north = two_areas.north
    kits_for(north, north.peer, 5)
    db.session.add(
        ReferralDestination(
            organisation_id=north.service.id, kind="treatment", name="Recovery Hub key workers"
        )
    )
    db.session.commit()
    context = launch_phone()
    page = context.new_page()
    field.sign_in_and_enrol(page, live_server, "north-peer")
    page.get_by_role("link", name="Record a kit supply").click()
    form = page.locator("#form-supply")
    form.get_by_label("First kit").check()
    form.get_by_label("Trained today").check()
    if not form.get_by_role("group", name="Who is it for?").locator(":checked").count():
        form.get_by_label("Person at risk").check()
    expect(form.get_by_label("Referred to")).to_be_hidden()
    form.get_by_label("Accepted").check()
    form.get_by_label("Referred to").select_option(label="Recovery Hub key workers")
    form.get_by_label("Where they live: postcode district").fill("M14")
    form.get_by_role("button", name="Save supply").click()
    page.wait_for_url("**/app#home")
    field.expect_waiting(page, 0)
    stored = db.session.execute(
        select(KitSupply.referral_accepted, KitSupply.referral_destination_id)
    ).all()
    destination = db.session.scalar(select(ReferralDestination.id))
    db.session.commit()
    assert stored == [(True, destination)]


def test_a_use_report_that_looked_like_a_bad_batch_leads_to_a_linked_report(
    live_server, launch_phone, two_areas
):
    context = launch_phone()
    page = context.new_page()
    field.sign_in_and_enrol(page, live_server, "north-peer")
    context.set_offline(True)
    page.get_by_role("link", name="Report naloxone use").click()
    form = page.locator("#form-use")
    form.get_by_label("Hostel").check()
    form.get_by_label("Peer volunteer").check()
    form.get_by_label("Survived").check()
    form.get_by_label("Injection (into a muscle)").check()
    form.get_by_label("Doses given").fill("3")
    form.get_by_label("Postcode district").fill("M15")
    form.get_by_label("It may have been a bad batch").check()
    form.get_by_role("button", name="Save report").click()
    page.wait_for_url("**/app#report")
    report = page.locator("#form-report")
    expect(report.get_by_label("Postcode district")).to_have_value("M15")
    expect(report.get_by_label("More than one dose of naloxone was needed")).to_be_checked()
    report.get_by_label("Drug, as people described it").fill("White powder sold as heroin")
    report.get_by_role("button", name="Save report").click()
    page.wait_for_url("**/app#home")
    context.set_offline(False)
    field.expect_waiting(page, 0)
    use_id = db.session.scalar(select(NaloxoneUseReport.id))
    linked = db.session.scalar(select(FieldReport.use_report_id))
    db.session.commit()
    assert use_id is not None and linked == use_id
