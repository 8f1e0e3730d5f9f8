"""Held records, late data, "figures as of" and age bands in monitoring, on the hand-made
area of tests/test_monitoring_data.py (its known answers stay the figures here).

- Only counted records count; held ones are shown beside the figures (suppressed where
  shared) and the log lists them with their reason; accepting one counts it.
- Records that reached the figures after the period ended, or after its last export, are
  counted on the dashboard and listed by the log.
- Both CSVs and the board report say when their figures were taken and from how many
  records.
- The age-band filter and breakdown; "Member of the public" wherever categories are listed.
"""

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from sqlalchemy import select

from peerkit.clock import uk_today
from peerkit.extensions import db
from peerkit.models import AuditEvent, KitSupply, StockBatch, utcnow
from peerkit.monitoring import metrics
from peerkit.monitoring.exports import FIGURES_AS_OF, HELD_KITS, HELD_REPORTS, HELD_SESSIONS
from peerkit.monitoring.filters import Filters, period_end

from . import factories
from .conftest import AuthActions
from .test_monitoring_data import END, EXPECTED, LAST_RECEIVED, START, build, read_log_csv

PERIOD = f"start={START}&end={END}"
HOLD_REASON = "Supplier not signed off on 21/10/2025"
UK_MINUTE = re.compile(r"^\d\d/\d\d/\d{4} \d\d:\d\d$")


@pytest.fixture
def world(two_areas, make_user):
    return build(two_areas, make_user)


@pytest.fixture
def commissioner(client, world):
    AuthActions(client).login(world.north.commissioner.username)
    return client


def _summary(world, **filters):
    return metrics.summary(world.north.commissioner, Filters(START, END, **filters), uk_today())


def _figures(html: str) -> dict:
    return dict(re.findall(r'data-figure="([^"]+)"[^>]*>([^<]*)<', html))


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _summary_csv(client, query=PERIOD) -> dict:
    raw = client.get(f"/monitoring/summary.csv?{query}").get_data().decode("utf-8-sig")
    return {
        (section, measure): value
        for section, measure, value in list(csv.reader(io.StringIO(raw)))[1:]
    }


def _report(client, query=PERIOD) -> tuple[str, dict]:
    html = _page(client, f"/monitoring/report?{query}")
    cells = {
        (unescape(section), unescape(measure)): unescape(value)
        for section, measure, value in re.findall(r'data-report="([^"|]+)\|([^"]+)">([^<]*)<', html)
    }
    return html, cells


def _hold(world, *, quantity=2, status="held", **fields):
    """A supply by north's peer inside the period, stored held (or rejected)."""
    north = world.north
    return factories.kit_supply(
        north.peer,
        north.sites.peers,
        north.batch,
        supplied_on=dt.date(2025, 10, 21),
        quantity=quantity,
        review_status=status,
        hold_reason=HOLD_REASON,
        received_at=dt.datetime(2025, 10, 21, 19),
        **fields,
    )


def test_held_supply_is_not_counted_but_shown_beside_the_figures(commissioner, world):
    held = _hold(world)
    _hold(
        world,
        quantity=1,
        status="rejected",
        review_note="Test record, not a real supply",
        reviewed_at=dt.datetime(2025, 10, 23, 9),
    )
    factories.training_session(
        world.north.peer,
        session_date=dt.date(2025, 10, 22),
        review_status="held",
        hold_reason="Sent from a locked-out phone",
    )
    s = _summary(world)
    for key, value in EXPECTED.items():  # the hand-worked figures do not move
        assert s.totals[key] == value, key
    assert s.training["sessions"] == 2
    assert s.held == dict(supplies=1, kits=2, training_sessions=1, use_reports=0, records=2)
    # The same filters apply to the held count: none of them is a pharmacy's.
    assert _summary(world, channel="pharmacy").held["kits"] == 0

    figures = _figures(_page(commissioner, f"/monitoring/?{PERIOD}"))
    assert figures["kits.total"] == "8" and figures["kits.held"] == "2"
    assert figures["held.training_sessions"] == "1"
    # The log lists held and rejected supplies, with the reason, apart from the counted.
    held_log = _page(commissioner, f"/monitoring/log?{PERIOD}&review=held")
    assert _figures(held_log)["log.total"] == "1" and HOLD_REASON in held_log
    rejected_log = _page(commissioner, f"/monitoring/log?{PERIOD}&review=rejected")
    assert _figures(rejected_log)["log.total"] == "1"
    assert "Test record, not a real supply" in rejected_log
    assert _figures(_page(commissioner, f"/monitoring/log?{PERIOD}"))["log.total"] == "7"
    notes, rows = read_log_csv(
        commissioner.get(f"/monitoring/log.csv?{PERIOD}&review=held").get_data().decode("utf-8-sig")
    )
    assert [(r["Review status"], r["Held because"], r["Record id"]) for r in rows] == [
        ("Held for review", HOLD_REASON, held.id)
    ]

    # Accepting it (what the coordinator's review does) counts it from then on.
    held.review_status, held.reviewed_at = "counted", utcnow()
    db.session.commit()
    s = _summary(world)
    assert s.totals["kits"] == EXPECTED["kits"] + 2 and s.totals["supplies"] == 8
    assert s.held["kits"] == 0 and s.held["training_sessions"] == 1
    # ... and "figures last changed" moves to the moment it was accepted.
    assert s.last_changed.date() == uk_today()


def test_held_count_is_suppressed_where_shared_and_exact_for_the_commissioner(commissioner, world):
    _hold(world)
    factories.use_report(
        world.north.peer,
        used_on=dt.date(2025, 10, 27),
        review_status="held",
        hold_reason="Sent from a locked-out phone",
    )
    summary = _summary_csv(commissioner)
    assert summary[("Held for review", HELD_KITS)] == "<5"
    assert summary[("Held for review", "Supplies held for review")] == "<5"
    assert summary[("Held for review", HELD_SESSIONS)] == "0"
    assert summary[("Held for review", HELD_REPORTS)] == "<5"
    html, report = _report(commissioner)
    assert report[("Held for review", HELD_KITS)] == "<5"
    assert "&lt;5 kits held for review, not in these figures" in html
    # The log stays with the commissioner: exact, like its rows.
    notes, _rows = read_log_csv(
        commissioner.get(f"/monitoring/log.csv?{PERIOD}").get_data().decode("utf-8-sig")
    )
    assert notes[HELD_KITS] == "2" and notes[HELD_REPORTS] == "1"
    assert HELD_SESSIONS not in notes  # none held: not mentioned
    # Five or more kits held are shown as they are.
    _hold(world, quantity=4)
    assert _summary_csv(commissioner)[("Held for review", HELD_KITS)] == "6"
    assert _report(commissioner)[1][("Held for review", HELD_KITS)] == "6"


def test_period_end_is_midnight_uk_time():
    # BST: the UK day ends at 23:00 UTC; GMT: at midnight UTC.
    assert period_end(dt.date(2025, 7, 31)) == dt.datetime(2025, 7, 31, 23, 0)
    assert period_end(dt.date(2025, 11, 2)) == dt.datetime(2025, 11, 3, 0, 0)


def test_late_records_are_counted_and_listed(commissioner, world):
    user = world.north.commissioner
    late = metrics.late(user, Filters(START, END), uk_today())
    # By hand: the supply of 26 October (2 kits) arrived 5 November, the use report of
    # 26 October arrived 4 November; everything else arrived by Sunday 2 November.
    after_end = late["after_end"]
    assert (
        after_end["supplies"],
        after_end["kits"],
        after_end["training_sessions"],
        after_end["use_reports"],
        after_end["records"],
    ) == (1, 2, 0, 1, 2)
    assert after_end["since"] == dt.datetime(2025, 11, 3)
    assert late["after_export"] is None
    # A period that has not ended yet has no late records.
    assert metrics.late(user, Filters(START, uk_today()), uk_today())["after_end"] is None

    html = _page(commissioner, f"/monitoring/?{PERIOD}")
    figures = _figures(html)
    assert figures["late.after_end"] == "2" and figures["late.after_end.supplies"] == "1"
    assert "have not been exported yet" in html
    link = re.search(r'data-figure="late.after_end.supplies" href="([^"]+)"', html).group(1)
    log_html = _page(commissioner, unescape(link))
    assert _figures(log_html)["log.total"] == "1" and "26/10/2025" in log_html
    assert "reached the figures after 03/11/2025 00:00" in log_html
    _notes, rows = read_log_csv(
        commissioner.get(unescape(link).replace("/log?", "/log.csv?"))
        .get_data()
        .decode("utf-8-sig")
    )
    assert [r["Date of supply"] for r in rows] == ["26/10/2025"]


def test_records_after_the_last_export_of_the_same_figures(commissioner, world):
    north = world.north
    assert commissioner.get(f"/monitoring/summary.csv?{PERIOD}").status_code == 200
    # An export of other filters is not an export of these figures.
    assert commissioner.get(f"/monitoring/log.csv?{PERIOD}&channel=pharmacy").status_code == 200
    exported = db.session.scalar(
        select(AuditEvent.at).where(AuditEvent.action == "export.summary_csv")
    )
    assert metrics.last_export(north.commissioner, Filters(START, END)) == exported.replace(
        microsecond=0
    )
    later = exported + dt.timedelta(minutes=5)
    factories.kit_supply(
        north.pharmacist,
        north.sites.pharmacy,
        north.batch,
        supplied_on=dt.date(2025, 10, 30),
        quantity=3,
        received_at=later,
    )
    # A supply held before the export and accepted after it reached the figures after it.
    accepted = _hold(world)
    accepted.review_status, accepted.reviewed_at = "counted", later
    db.session.commit()

    late = metrics.late(north.commissioner, Filters(START, END), uk_today())["after_export"]
    assert (late["supplies"], late["kits"], late["records"]) == (2, 5, 2)
    html = _page(commissioner, f"/monitoring/?{PERIOD}")
    figures = _figures(html)
    assert figures["late.after_export"] == "2" and figures["late.after_export.supplies"] == "2"
    link = re.search(r'data-figure="late.after_export.supplies" href="([^"]+)"', html).group(1)
    assert _figures(_page(commissioner, unescape(link)))["log.total"] == "2"
    # The pharmacy-only log export is the last export of the pharmacy figures.
    pharmacy = metrics.late(
        north.commissioner, Filters(START, END, channel="pharmacy"), uk_today()
    )["after_export"]
    assert pharmacy["supplies"] == 1


def test_exports_say_figures_as_of_and_how_many_records(commissioner, world):
    records = 7 + 3 + 2  # supplies, training sessions of every kind, use reports
    summary = _summary_csv(commissioner)
    assert UK_MINUTE.match(summary[("About these figures", FIGURES_AS_OF)])
    assert summary[
        ("About these figures", "Records counted (supplies, training sessions, use reports)")
    ] == str(records)
    notes, rows = read_log_csv(
        commissioner.get(f"/monitoring/log.csv?{PERIOD}").get_data().decode("utf-8-sig")
    )
    assert UK_MINUTE.match(notes[FIGURES_AS_OF]) and notes["Records in this file"] == "7"
    html, report = _report(commissioner)
    assert UK_MINUTE.match(report[("About these figures", FIGURES_AS_OF)])
    assert f"built from {records} records" in html and "Figures as of " in html
    details = dict(
        db.session.execute(
            select(AuditEvent.action, AuditEvent.detail).where(AuditEvent.action.like("export.%"))
        ).all()
    )
    assert details["export.summary_csv"]["records"] == records
    assert details["export.board_report"]["records"] == records
    assert details["export.log_csv"]["rows"] == 7
    # A record arriving later changes the count, so two exports can be told apart.
    factories.kit_supply(
        world.north.peer,
        world.north.sites.peers,
        world.north.batch,
        supplied_on=dt.date(2025, 10, 22),
    )
    assert _summary_csv(commissioner)[
        ("About these figures", "Records counted (supplies, training sessions, use reports)")
    ] == str(records + 1)


def test_age_band_filter_and_breakdown(commissioner, world):
    north = world.north
    # Through the ORM, as the app changes records: a bulk UPDATE would bypass the daily
    # summaries (peerkit.summaries) that the figures read.
    for supply in db.session.scalars(
        select(KitSupply).where(KitSupply.user_id == north.pharmacist.id)
    ):
        supply.age_band = "25_34"
    db.session.commit()
    s = _summary(world)
    ages = {b.code: b.kits for b in s.by_age}
    assert ages == {
        "under_18": 0,
        "18_24": 0,
        "25_34": 2,
        "35_44": 0,
        "45_54": 0,
        "55_plus": 0,
        "not_recorded": 6,
    }
    assert _summary(world, age_band="25_34").totals["kits"] == 2
    assert _summary(world, age_band="not_recorded").totals["kits"] == 6
    # Training and use reports carry no age band: the filter leaves them as they are.
    assert _summary(world, age_band="25_34").training["people_trained"] == 7

    html = _page(commissioner, f"/monitoring/?{PERIOD}&age_band=25_34")
    assert _figures(html)["kits.total"] == "2"
    assert 'name="age_band"' in html and '<option value="25_34" selected' in html
    figures = _figures(_page(commissioner, f"/monitoring/?{PERIOD}"))
    assert figures["age.25_34"] == "2" and figures["age.not_recorded"] == "6"
    log_html = _page(commissioner, f"/monitoring/log?{PERIOD}&age_band=25_34")
    assert _figures(log_html)["log.total"] == "2" and "25–34" in log_html
    _notes, rows = read_log_csv(
        commissioner.get(f"/monitoring/log.csv?{PERIOD}").get_data().decode("utf-8-sig")
    )
    assert sorted(r["Age band"] for r in rows) == [""] * 5 + ["25–34"] * 2
    summary = _summary_csv(commissioner)
    assert summary[("By age band", "25–34")] == "<5"
    assert summary[("By age band", "Not recorded")] == "6"
    assert summary[("By age band", "Under 18")] == "0"
    assert _report(commissioner)[1][("By age band", "25–34")] == "<5"
    assert commissioner.get(f"/monitoring/?{PERIOD}&age_band=42").status_code == 400


def test_member_of_the_public_is_listed_wherever_categories_are(commissioner, world):
    north = world.north
    factories.kit_supply(
        north.pharmacist,
        north.sites.pharmacy,
        north.batch,
        supplied_on=dt.date(2025, 10, 29),
        quantity=5,
        recipient_category="member_of_public",
    )
    assert {b.code: b.kits for b in _summary(world).by_category}["member_of_public"] == 5
    figures = _figures(_page(commissioner, f"/monitoring/?{PERIOD}"))
    assert figures["category.member_of_public"] == "5"
    log_html = _page(commissioner, f"/monitoring/log?{PERIOD}&recipient_category=member_of_public")
    assert _figures(log_html)["log.total"] == "1"
    assert '<option value="member_of_public"' in log_html
    assert _summary_csv(commissioner)[("By recipient category", "Member of the public")] == "5"


def test_default_period_ends_on_the_uk_date(commissioner, world):
    html = _page(commissioner, "/monitoring/")
    assert f'id="end" name="end" type="date" value="{uk_today().isoformat()}"' in html
    # The late-arrival time of the hand-made data is shown in UK time (GMT in November).
    log_html = _page(commissioner, f"/monitoring/log?{PERIOD}")
    assert LAST_RECEIVED.strftime("%d/%m/%Y %H:%M") in log_html


def test_recalled_kits_in_held_supplies_are_shown_beside_the_recall_figure(commissioner, world):
    north = world.north
    recalled = db.session.scalar(select(StockBatch).where(StockBatch.batch_number == "RECALL"))
    # Push holds a supply of a recalled batch: the kit is with a recipient all the same.
    factories.kit_supply(
        north.coordinator,
        north.sites.service,
        recalled,
        supplied_on=dt.date(2025, 10, 24),
        quantity=2,
        review_status="held",
        hold_reason="Batch RECALL is recalled",
    )
    totals = metrics.stock(north.commissioner, uk_today())["totals"]
    assert totals["recalled_with_recipients"] == 1
    assert totals["recalled_with_recipients_held"] == 2
    figures = _figures(_page(commissioner, "/monitoring/stock"))
    assert figures["stock.recalled_with_recipients_held"] == "2"
    assert (
        _summary_csv(commissioner)[
            ("Stock (today)", "Recalled batch kits with recipients, held for review")
        ]
        == "<5"
    )
