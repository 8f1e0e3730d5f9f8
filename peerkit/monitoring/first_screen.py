"""The commissioner's first screen: this period against the one before it, on cards.

Built only from `metrics.summary` and `metrics.late` (the same figures as the rest of the
dashboard, the summary CSV and the board report) for the period, and from `metrics.headline`
(the same totals, read alone) for the period of the same length just before it, under the
same filters (docs/MONITORING.md, "First screen").
"""

import datetime as dt
from dataclasses import dataclass, field, replace

from flask_babel import gettext as _

from . import metrics
from .filters import Filters


@dataclass
class Card:
    """One card: a figure now, the same figure in the previous period, and a few lines."""

    key: str  # data-card, for tests and the summary CSV's row
    label: str
    now: int | str
    before: int | None = None
    link: dict | None = None  # log filters behind the figure
    lines: list[str] = field(default_factory=list)

    @property
    def change(self) -> str:
        """ "up 12 from 30" / "down 3 from 8" / "same as the previous period"."""
        if self.before is None or not isinstance(self.now, int):
            return ""
        difference = self.now - self.before
        if difference == 0:
            return _("same as the previous period (%(before)s)", before=self.before)
        if difference > 0:
            return _("up %(by)s from %(before)s", by=difference, before=self.before)
        return _("down %(by)s from %(before)s", by=-difference, before=self.before)


def previous_period(f: Filters) -> Filters:
    """The period of the same number of days that ends the day before `f` starts."""
    days = (f.end - f.start).days + 1
    end = f.start - dt.timedelta(days=1)
    return replace(f, start=end - dt.timedelta(days=days - 1), end=end)


def cards(user, f: Filters, summary: metrics.Summary, late: dict, today: dt.date) -> tuple:
    """The cards for the period's `summary` (already computed for the page) and the
    previous period's headline, read here. Returns (cards, previous filters)."""
    before_f = previous_period(f)
    before = metrics.headline(user, before_f, today)
    was = {b.code: b.kits for b in before.by_channel}
    now, then = summary.totals, before.totals
    kits = Card(
        "kits",
        _("Kits issued"),
        now["kits"],
        then["kits"],
        f.args(),
        [
            _(
                "%(channel)s: %(kits)s (was %(before)s)",
                channel=b.label,
                kits=b.kits,
                before=was.get(b.code, 0),
            )
            for b in summary.by_channel
            if b.kits or was.get(b.code)
        ],
    )
    share = (
        _("%(percent)s%% of supplies", percent=now["repeat_pct"])
        if now.get("repeat_pct") is not None
        else ""
    )
    late_after = late.get("after_end") or late.get("after_export")
    return [
        kits,
        Card(
            "reach",
            _("People at risk given a first kit"),
            now["reach"],
            then["reach"],
            f.args(reach=True),
        ),
        Card(
            "repeats",
            _("Repeat supplies"),
            now["repeat"],
            then["repeat"],
            f.args(supply_type="repeat"),
            [
                line
                for line in (
                    share,
                    _("%(count)s because a kit was used", count=now["used_repeats"]),
                )
                if line
            ],
        ),
        Card("use_reports", _("Use reports"), now["use_reports"], then["use_reports"]),
        Card(
            "held",
            _("Kits held for review"),
            summary.held["kits"],
            None,
            f.args(review="held"),
            [_("not in these figures until a coordinator accepts them")],
        ),
        Card(
            "late",
            _("Records that arrived late"),
            late_after["records"] if late_after else 0,
            None,
            f.args(arrived_after=late_after["since"]) if late_after else None,
            [
                (
                    _("after the period ended")
                    if late.get("after_end")
                    else _("after the last export")
                )
                if late_after
                else _("none since the period ended or was last exported")
            ],
        ),
    ], before_f
