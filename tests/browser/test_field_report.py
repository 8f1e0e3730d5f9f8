"""A suspected bad batch reported from the phone with no signal reaches the coordinator's
triage list once the phone syncs (issue 15)."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from peerkit.extensions import db
from peerkit.models import FieldReport

from ..conftest import PASSWORD
from . import field
from .conftest import shot

pytestmark = [pytest.mark.browser,
              pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]


def test_a_bad_batch_reported_offline_reaches_triage(live_server, launch_phone, browser,
                                                     two_areas):
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
    reports = db.session.execute(select(FieldReport.area, FieldReport.drug_described,
                                        FieldReport.more_than_one_dose)).all()
    db.session.commit()  # let SQLite's lock go before the live server is asked again
    assert reports == [("M14", "Brown heroin, very strong", True)]

    desk = browser.new_context().new_page()
    desk.goto(f"{live_server}/login")
    desk.get_by_label("Username").fill("north-coordinator")
    desk.get_by_label("Password").fill(PASSWORD)
    desk.get_by_role("button", name="Sign in").click()
    desk.goto(f"{live_server}/coordination/field-reports")
    expect(desk.locator("main")).to_contain_text("Brown heroin, very strong")
    expect(desk.locator("main")).to_contain_text("M14")
