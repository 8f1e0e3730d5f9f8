"""The commissioner's first screen: cards of this period against the previous one, and
four charts readable without their tables, on the hand-made area with known answers."""

import datetime as dt
import re
from html import unescape

from peerkit.clock import uk_today
from peerkit.monitoring import metrics
from peerkit.monitoring.filters import Filters
from peerkit.monitoring.first_screen import previous_period

from .test_monitoring import PERIOD, _summary_csv, commissioner, world  # noqa: F401 (fixtures)
from .test_monitoring_data import END, EXPECTED, START


def _cards(html: str) -> dict:
    return dict(re.findall(r'data-card-figure="([^"]+)"[^>]*>([^<]*)<', html))


def test_the_previous_period_is_the_same_length_just_before():
    before = previous_period(Filters(dt.date(2025, 10, 20), dt.date(2025, 11, 2), channel="peer"))
    assert (before.start, before.end, before.channel) == (
        dt.date(2025, 10, 6),
        dt.date(2025, 10, 19),
        "peer",
    )


def test_cards_match_the_metrics_and_the_summary_csv(commissioner, world):  # noqa: F811
    html = commissioner.get(f"/monitoring/?{PERIOD}").get_data(as_text=True)
    cards = _cards(html)
    assert (
        cards["kits"]
        == str(EXPECTED["kits"])
        == _summary_csv(commissioner)[("Kits issued", "Kits issued")]
    )
    assert cards["reach"] == str(EXPECTED["reach"])
    assert cards["repeats"] == str(EXPECTED["repeat"])
    assert cards["use_reports"] == str(EXPECTED["use_reports"])
    commissioner_user = world.north.commissioner
    now = metrics.summary(commissioner_user, Filters(START, END), uk_today())
    before = metrics.summary(commissioner_user, previous_period(Filters(START, END)), uk_today())
    assert cards["held"] == str(now.held["kits"])
    kits_card = unescape(html[html.index('data-card="kits"') : html.index('data-card="reach"')])
    difference = now.totals["kits"] - before.totals["kits"]
    if difference:
        direction = "up" if difference > 0 else "down"
        assert f"{direction} {abs(difference)} from {before.totals['kits']}" in kits_card
    was = {b.code: b.kits for b in before.by_channel}
    for b in now.by_channel:
        if b.kits:
            assert f"{b.label}: {b.kits} (was {was.get(b.code, 0)})" in kits_card


def test_charts_are_images_described_by_their_numbers_with_tables_a_click_away(commissioner, world):  # noqa: F811
    html = commissioner.get(f"/monitoring/?{PERIOD}").get_data(as_text=True)
    summary = metrics.summary(world.north.commissioner, Filters(START, END), uk_today())
    for chart, table in (
        ("chart-areas", "by-area"),
        ("chart-reasons", "repeat-reasons"),
        ("chart-use-weeks", "used-by-week"),
        ("chart-outcomes", "outcomes-outcome"),
    ):
        assert f'role="img" aria-labelledby="{chart}-title {chart}-desc"' in html
        assert f'<desc id="{chart}-desc">' in html
        assert f'href="#{table}"' in html and f'id="{table}"' in html
    description = unescape(re.search(r'<desc id="chart-areas-desc">([^<]*)<', html).group(1))
    for b in summary.by_area:
        assert f"{b.label}: {b.kits} kits." in description


def test_headline_is_the_summary_totals_under_every_filter(world):  # noqa: F811
    """The cards read the previous period with `headline` (one grouped read); it must give
    exactly `summary`'s totals and channels, whichever filters narrow the view."""
    north = world.north
    user, today = north.commissioner, uk_today()
    views = [
        {},
        {"channel": "peer"},
        {"channel": "pharmacy"},
        {"organisation_id": north.pharmacy.id},
        {"site_id": north.sites.peers.id},
        {"product_id": north.product.id},
        {"area": "M20"},
        {"age_band": "not_recorded"},
        {"review": "held"},
        {"supply_type": "repeat"},  # a row-only filter: read from the rows
        {"reach": True, "channel": "peer"},
    ]
    compared = 0
    for narrowing in views:
        for start, end in ((START, END), (previous_period(Filters(START, END)).start, END)):
            f = Filters(start, end, **narrowing)
            full = metrics.summary(user, f, today)
            quick = metrics.headline(user, f, today)
            assert quick.totals == full.totals, narrowing
            assert quick.by_channel == full.by_channel, narrowing
            compared += bool(full.totals["kits"])
    # The comparison means something only if the views found kits.
    assert compared >= 10
