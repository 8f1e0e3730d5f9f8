"""The commissioner's figures on a hand-made area with known answers (see
tests/test_monitoring_data.py): the metric functions, the dashboard, the summary CSV and the
board report must all give the same answers, suppressed where shared beyond the commissioner.
"""

import csv
import datetime as dt
import io
import re
from html import unescape

import pytest
from sqlalchemy import select

from peerkit.clock import uk_datetime, uk_today
from peerkit.extensions import db
from peerkit.models import AuditEvent
from peerkit.monitoring import metrics
from peerkit.monitoring.filters import Filters

from . import factories
from .conftest import AuthActions
from .test_monitoring_data import (
    END,
    EXPECTED,
    EXPECTED_AREAS,
    EXPECTED_CATEGORIES,
    EXPECTED_CHANNELS,
    EXPECTED_PEERS,
    EXPECTED_REASONS,
    EXPECTED_STOCK,
    EXPECTED_TRAINING,
    EXPECTED_WEEKS,
    SHARED_CODE,
    START,
    WEEK1,
    WITHDRAWN_CODE,
    build,
    read_log_csv,
)

PERIOD = f"start={START}&end={END}"
CHANNEL_LABELS = {"peer": "Peer", "drug_service": "Drug service", "pharmacy": "Pharmacy"}


@pytest.fixture
def world(two_areas, make_user):
    return build(two_areas, make_user)


@pytest.fixture
def commissioner(client, world):
    AuthActions(client).login(world.north.commissioner.username)
    return client


def _summary(world):
    return metrics.summary(world.north.commissioner, Filters(START, END), uk_today())


def _figures(html: str) -> dict:
    """Every data-figure on a page: {name: text}."""
    return dict(re.findall(r'data-figure="([^"]+)"[^>]*>([^<]*)<', html))


def _suppressed(n: int) -> str:
    return "<5" if 0 < n < 5 else str(n)


def test_metrics_give_the_hand_worked_answers(world):
    s = _summary(world)
    for key, value in EXPECTED.items():
        assert s.totals[key] == value, key
    assert {
        w["monday"]: dict(w["channels"], used=w["used"], reports=w["reports"]) for w in s.weeks
    } == EXPECTED_WEEKS
    assert {b.code: b.kits for b in s.by_channel} == EXPECTED_CHANNELS
    assert {b.code: b.kits for b in s.by_category} == EXPECTED_CATEGORIES
    assert {b.code: b.kits for b in s.by_area} == EXPECTED_AREAS
    reasons = {b.code: b.supplies for b in s.repeat_reasons}
    assert {code: reasons[code] for code in EXPECTED_REASONS} == EXPECTED_REASONS
    assert {b.label: b.kits for b in s.by_site} == {
        "north outreach": 5,
        "north chemist": 2,
        "north hub": 1,
    }
    assert s.training == EXPECTED_TRAINING
    assert s.peers == EXPECTED_PEERS
    assert s.coverage["estimate"] == 400 and s.coverage["per_100"] == 2.0
    # The latest arrival, 10:00 UTC on 5 November, is 10:00 in London (GMT by then).
    assert s.last_changed.strftime("%d/%m/%Y %H:%M") == "05/11/2025 10:00"
    assert uk_datetime(dt.datetime(2025, 10, 25, 23, 30)).strftime("%d/%m %H:%M") == "26/10 00:30"
    stock = metrics.stock(world.north.commissioner, uk_today())
    assert stock["totals"] == EXPECTED_STOCK


def test_filters_narrow_every_figure(world):
    user = world.north.commissioner
    peer_only = metrics.summary(user, Filters(START, END, channel="peer"), uk_today())
    assert peer_only.totals["kits"] == 5 and peer_only.totals["reach"] == 2
    # Training and use reports carry no channel: they follow the recording organisation.
    assert peer_only.training["people_trained"] == 7 and peer_only.totals["use_reports"] == 1
    week1 = metrics.summary(user, Filters(WEEK1, WEEK1 + dt.timedelta(days=6)), uk_today())
    assert week1.totals["kits"] == 5 and [w["monday"] for w in week1.weeks] == [WEEK1]
    m20 = metrics.summary(user, Filters(START, END, area="M20"), uk_today())
    assert m20.totals["kits"] == 1 and m20.totals["use_reports"] == 0


def test_late_record_lands_in_the_week_it_happened(world):
    user = world.north.commissioner
    before = _summary(world)
    arrived = dt.datetime(2025, 12, 1, 9, 0)
    factories.kit_supply(
        world.north.peer,
        world.north.sites.peers,
        world.north.batch,
        supplied_on=dt.date(2025, 10, 22),
        received_at=arrived,
    )
    after = metrics.summary(user, Filters(START, END), uk_today())
    assert after.weeks[0]["channels"]["peer"] == before.weeks[0]["channels"]["peer"] + 1
    assert after.weeks[1] == before.weeks[1]
    assert after.last_changed.strftime("%d/%m/%Y %H:%M") == "01/12/2025 09:00"


def test_dashboard_shows_the_same_figures(commissioner, world):
    html = commissioner.get(f"/monitoring/?{PERIOD}").get_data(as_text=True)
    figures = _figures(html)
    assert figures["kits.total"] == "8" and figures["reach"] == "3"
    assert figures["used_repeats"] == "2" and figures["use_reports"] == "2"
    assert figures["first"] == "4" and figures["repeat"] == "3" and figures["repeat_pct"] == "42.9%"
    assert figures["referral_offered"] == "4" and figures["referral_accepted"] == "2"
    assert figures["coverage.per_100"] == "2.0" and figures["coverage.estimate"] == "400"
    assert figures["last_changed"] == "05/11/2025 10:00"
    for code, kits in EXPECTED_CHANNELS.items():
        assert figures[f"channel.{code}"] == str(kits)
        for monday, expected in EXPECTED_WEEKS.items():
            assert figures[f"week.{monday}.{code}"] == str(expected[code])
    for code, kits in EXPECTED_CATEGORIES.items():
        assert figures[f"category.{code}"] == str(kits)
    for key, value in EXPECTED_TRAINING.items():
        assert figures[f"training.{key}"] == str(value)
    assert figures["peers.active"] == "1" and figures["peers.signed_off"] == "2"
    stock = _figures(commissioner.get("/monitoring/stock").get_data(as_text=True))
    for key in ("on_hand", "expiring", "expired", "recalled_with_recipients"):
        assert stock[f"stock.{key}"] == str(EXPECTED_STOCK[key])
    # Data freshness: north's three phones, two flagged; south's phone is not listed.
    assert html.count("Silent over 3 days") == 2
    assert "Office phone" in html and "South secret phone" not in html
    # No inline script or style (the CSP forbids both); the only script is a file that
    # lets wide tables scroll in their own region at phone width.
    assert re.findall(r"<script[^>]*>", html) == [
        '<script type="module" src="/static/js/desk.js"></script>'[: -len("</script>")]
    ]
    assert "style=" not in html
    assert "<svg" in html and "<table" in html


def _summary_csv(client) -> dict:
    response = client.get(f"/monitoring/summary.csv?{PERIOD}")
    assert response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: spreadsheets read it as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Section", "Measure", "Value"]
    return {(section, measure): value for section, measure, value in rows[1:]}


def test_summary_csv_and_report_agree_with_suppression(commissioner, world):
    summary = _summary_csv(commissioner)
    assert summary[("Period", "From")] == "20/10/2025"
    assert summary[("Kits issued", "Kits issued")] == "8"
    assert summary[("By channel", "Peer")] == "5"
    assert summary[("By channel", "Drug service")] == "<5"
    assert summary[("By recipient category", "Unknown")] == "0"  # zero is not suppressed
    assert summary[("Use", "Repeats because a kit was used")] == "<5"
    assert summary[("Training", "People trained")] == "7"
    assert summary[("Reach and coverage", "Kits per 100 estimated opiate users")] == "2.0"
    assert summary[("Kits by week", "20/10/2025 Peer")] == "<5"
    html = commissioner.get(f"/monitoring/report?{PERIOD}").get_data(as_text=True)
    report = {
        (unescape(section), unescape(measure)): unescape(value)
        for section, measure, value in re.findall(r'data-report="([^"|]+)\|([^"]+)">([^<]*)<', html)
    }
    # The report holds every summary figure (the period is in its heading) and no other.
    assert set(summary) - set(report) == {("Period", "From"), ("Period", "To")}
    as_of = ("About these figures", "Figures as of (UK time)")
    for key, value in report.items():
        if key != as_of:  # taken at each export, so a minute apart at most
            assert summary[key] == value, key
    # The dashboard's exact figures, suppressed, are what the shared outputs hold.
    figures = _figures(commissioner.get(f"/monitoring/?{PERIOD}").get_data(as_text=True))
    for code, label in CHANNEL_LABELS.items():
        assert summary[("By channel", label)] == _suppressed(int(figures[f"channel.{code}"]))
    # Six summary pages, then outcomes and referrals.
    assert "<svg" in html and html.count('class="report-page"') == 7


def test_log_drill_down_consent_and_csv(commissioner, world):
    html = commissioner.get(f"/monitoring/log?{PERIOD}").get_data(as_text=True)
    assert _figures(html)["log.total"] == "7"
    # Recipient codes are never shown, shared consent or not; the supplies still count.
    assert SHARED_CODE not in html and WITHDRAWN_CODE not in html
    used = commissioner.get(f"/monitoring/log?{PERIOD}&used=1").get_data(as_text=True)
    assert _figures(used)["log.total"] == "2"
    week = commissioner.get(f"/monitoring/log?start={WEEK1}&end=2025-10-26&channel=peer")
    assert _figures(week.get_data(as_text=True))["log.total"] == "2"
    reach = commissioner.get(f"/monitoring/log?{PERIOD}&reach=1").get_data(as_text=True)
    assert _figures(reach)["log.total"] == "3"
    # Every drill-down link on the dashboard opens a log whose total is the figure linked.
    dashboard = commissioner.get(f"/monitoring/?{PERIOD}").get_data(as_text=True)
    links = re.findall(r'data-figure="([^"]+)" href="([^"]+)">(\d+)<', dashboard)
    assert len(links) > 20
    for name, href, value in links:
        target = commissioner.get(href.replace("&amp;", "&")).get_data(as_text=True)
        total = int(_figures(target)["log.total"])
        if name.startswith(
            ("kits.", "channel.", "site.", "product.", "category.", "area.", "age.")
        ):
            kits = sum(int(k) for k in re.findall(r'<td class="num">(\d+)</td>', target))
            assert kits == int(value), name
        else:
            assert total == int(value), name

    response = commissioner.get(f"/monitoring/log.csv?{PERIOD}")
    text = response.get_data().decode("utf-8-sig")
    notes, rows = read_log_csv(text)
    assert len(rows) == 7 and notes["Records in this file"] == "7"
    assert sum(int(r["Kits"]) for r in rows) == 8
    assert {r["Date of supply"] for r in rows} >= {"20/10/2025", "26/10/2025", "02/11/2025"}
    # The CSV carries no recipient codes (issue 11, point 9): they could be reversed.
    assert "Recipient code" not in rows[0]
    assert SHARED_CODE not in text and WITHDRAWN_CODE not in text


def test_csv_cells_cannot_run_as_formulas(commissioner, world):
    from peerkit.models import Site

    sneaky = db.session.scalar(select(Site).where(Site.name.startswith("=")))
    factories.kit_supply(world.north.pharmacist, sneaky, world.north.batch, supplied_on=END)
    text = commissioner.get(f"/monitoring/log.csv?{PERIOD}").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    summary = commissioner.get(f"/monitoring/summary.csv?{PERIOD}").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in summary and ",=HYPERLINK" not in summary


def test_every_export_is_audited(commissioner, world):
    for path in ("summary.csv", "log.csv", "report"):
        assert commissioner.get(f"/monitoring/{path}?{PERIOD}").status_code == 200
    events = db.session.execute(
        select(AuditEvent.action, AuditEvent.user_id, AuditEvent.detail).order_by(AuditEvent.id)
    ).all()
    exports = [(a, u, d) for a, u, d in events if a.startswith("export.")]
    assert [a for a, _u, _d in exports] == [
        "export.summary_csv",
        "export.log_csv",
        "export.board_report",
    ]
    assert all(u == world.north.commissioner.id for _a, u, _d in exports)
    assert exports[1][2]["rows"] == 7 and exports[0][2]["start"] == str(START)
    # The audit log holds filters and counts, never recipient codes.
    assert SHARED_CODE not in str(events)


def test_coverage_estimate_is_the_only_write_and_is_audited(commissioner, world):
    from .conftest import csrf_token_from

    page = commissioner.get(f"/monitoring/?{PERIOD}")
    token = csrf_token_from(page)
    response = commissioner.post(
        f"/monitoring/coverage?{PERIOD}",
        data={
            "csrf_token": token,
            "year": "2025",
            "estimated_opiate_users": "800",
            "source": "Updated estimate",
        },
    )
    assert response.status_code == 302
    figures = _figures(commissioner.get(f"/monitoring/?{PERIOD}").get_data(as_text=True))
    assert figures["coverage.per_100"] == "1.0"
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "coverage_estimate.set")
    )
    assert event.detail == {"year": 2025, "estimated_opiate_users": 800, "previous": 400}
    # Without a CSRF token nothing is written.
    refused = commissioner.post(
        "/monitoring/coverage", data={"year": "2025", "estimated_opiate_users": "5"}
    )
    assert refused.status_code == 400
    assert _summary(world).coverage["estimate"] == 800
