"""The commissioner's first screen: this period against the one before it, on cards.

Built only from `metrics.summary` and `metrics.late` (the same figures as the rest of the
dashboard, the summary CSV and the board report), for the period and for the period of the
same length just before it, under the same filters (docs/MONITORING.md, "First screen").
"""
import datetime as dt
from dataclasses import dataclass, field, replace

from . import metrics
from .filters import Filters


@dataclass
class Card:
    """One card: a figure now, the same figure in the previous period, and a few lines."""

    key: str          # data-card, for tests and the summary CSV's row
    label: str
    now: int | str
    before: int | None = None
    link: dict | None = None      # log filters behind the figure
    lines: list[str] = field(default_factory=list)

    @property
    def change(self) -> str:
        """"up 12 from 30" / "down 3 from 8" / "same as the previous period"."""
        if self.before is None or not isinstance(self.now, int):
            return ""
        difference = self.now - self.before
        if difference == 0:
            return f"same as the previous period ({self.before})"
        direction = "up" if difference > 0 else "down"
        return f"{direction} {abs(difference)} from {self.before}"


def previous_period(f: Filters) -> Filters:
    """The period of the same number of days that ends the day before `f` starts."""
    days = (f.end - f.start).days + 1
    end = f.start - dt.timedelta(days=1)
    return replace(f, start=end - dt.timedelta(days=days - 1), end=end)


def cards(user, f: Filters, summary: metrics.Summary, late: dict, today: dt.date) -> tuple:
    """The cards for the period's `summary` (already computed for the page) and the
    previous period, which is computed here. Returns (cards, previous filters)."""
    before_f = previous_period(f)
    before = metrics.summary(user, before_f, today)
    was = {b.code: b.kits for b in before.by_channel}
    now, then = summary.totals, before.totals
    kits = Card("kits", "Kits issued", now["kits"], then["kits"], f.args(), [
        f"{b.label}: {b.kits} (was {was.get(b.code, 0)})" for b in summary.by_channel
        if b.kits or was.get(b.code)])
    share = f"{now['repeat_pct']}% of supplies" if now.get("repeat_pct") is not None else ""
    late_after = late.get("after_end") or late.get("after_export")
    return [
        kits,
        Card("reach", "People at risk given a first kit", now["reach"], then["reach"],
             f.args(reach=True)),
        Card("repeats", "Repeat supplies", now["repeat"], then["repeat"],
             f.args(supply_type="repeat"),
             [line for line in (share, f"{now['used_repeats']} because a kit was used")
              if line]),
        Card("use_reports", "Use reports", now["use_reports"], then["use_reports"]),
        Card("held", "Kits held for review", summary.held["kits"], None,
             f.args(review="held"), ["not in these figures until a coordinator accepts them"]),
        Card("late", "Records that arrived late", late_after["records"] if late_after else 0,
             None, f.args(arrived_after=late_after["since"]) if late_after else None,
             [("after the period ended" if late.get("after_end") else "after the last export")
              if late_after else "none since the period ended or was last exported"]),
    ], before_f
