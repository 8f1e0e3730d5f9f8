"""Charts drawn on the server as inline SVG: no script, no library, nothing from a CDN.

Colours come from classes in app.css (a strict CSP forbids style attributes). Charts are
hidden from screen readers: every chart has a table next to it holding the same figures.
"""

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..clock import format_uk_date

WIDTH = 720
BAR_ROW = 34


def _nice_max(value: int) -> int:
    """A round axis maximum at or above `value`."""
    if value <= 5:
        return 5
    step = 10 ** (len(str(value)) - 1)
    for multiple in (1, 2, 2.5, 5, 10):
        if value <= multiple * step:
            return int(multiple * step)
    return value


def _svg(
    height: int, title: str, body: list[str], chart_id: str | None = None, description: str = ""
) -> Markup:
    """The chart: hidden from screen readers (a table holds its figures), or, with a
    `chart_id`, an image named by its title and described by `description`."""
    if chart_id:
        role = f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc"'
        heading = (
            f'<title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        )
    else:
        role = 'aria-hidden="true" focusable="false"'
        heading = f"<title>{escape(title)}</title>"
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'preserveAspectRatio="xMinYMin meet" {role} '
        f'xmlns="http://www.w3.org/2000/svg">{heading}' + "".join(body) + "</svg>"
    )


def small(value: int) -> bool:
    """Counts of 1 to 4, which anything shared beyond the commissioner must not show."""
    return 0 < value < 5


def weekly_stacked(
    weeks: list[dict], series: list[str], labels: dict, title: str, suppress: bool = False
) -> Markup:
    """Stacked columns, one per week, one colour per series (channel). With `suppress`,
    segments of 1 to 4 kits are not drawn, so the picture cannot reveal a small count."""
    height, left, bottom, top = 260, 44, 40, 12
    plot_w, plot_h = WIDTH - left - 8, height - bottom - top

    def value(week, code):
        amount = week["channels"].get(code, 0)
        return 0 if suppress and small(amount) else amount

    peak = _nice_max(max((sum(value(w, c) for c in series) for w in weeks), default=0))
    body = []
    for fraction in (0, 0.5, 1):
        y = top + plot_h * (1 - fraction)
        body.append(
            f'<line class="chart-grid" x1="{left}" x2="{WIDTH - 8}" y1="{y:.1f}" '
            f'y2="{y:.1f}"/><text class="chart-axis" x="{left - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{int(peak * fraction)}</text>'
        )
    slot = plot_w / max(len(weeks), 1)
    label_every = max(1, round(len(weeks) / 8))
    for i, week in enumerate(weeks):
        x = left + i * slot + slot * 0.15
        y = top + plot_h
        for n, code in enumerate(series):
            amount = value(week, code)
            if amount:
                h = plot_h * amount / peak
                y -= h
                body.append(
                    f'<rect class="chart-series-{n}" x="{x:.1f}" y="{y:.1f}" '
                    f'width="{slot * 0.7:.1f}" height="{h:.1f}"/>'
                )
        if i % label_every == 0:
            body.append(
                f'<text class="chart-axis" x="{x + slot * 0.35:.1f}" '
                f'y="{height - bottom + 16}" text-anchor="middle">'
                f"{format_uk_date(week['monday'], year=False)}</text>"
            )
    legend_x = left
    for n, code in enumerate(series):
        body.append(
            f'<rect class="chart-series-{n}" x="{legend_x}" y="{height - 14}" '
            f'width="12" height="12"/><text class="chart-axis" x="{legend_x + 16}" '
            f'y="{height - 3}">{escape(labels.get(code, code))}</text>'
        )
        legend_x += 24 + 9 * len(labels.get(code, code))
    return _svg(height, title, body)


def horizontal_bars(
    items: list[tuple[str, int]],
    title: str,
    suppress: bool = False,
    chart_id: str | None = None,
    unit: str = "",
) -> Markup:
    """One bar per item, longest value full width: for comparing channels side by side.
    With `suppress`, a count of 1 to 4 is labelled "<5" and drawn as no bar.

    With a `chart_id`, a screen reader reads it as an image described by every label and
    number as text ("NB1: 12 kits."), so it stands without its table.
    """
    label_w = 190
    height = max(1, len(items)) * BAR_ROW + 8
    peak = max((v for _label, v in items if not (suppress and small(v))), default=0) or 1
    body = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * BAR_ROW
        shown = "<5" if suppress and small(value) else str(value)
        value = 0 if suppress and small(value) else value
        w = (WIDTH - label_w - 70) * value / peak
        body.append(
            f'<text class="chart-label" x="{label_w - 8}" y="{y + 20}" '
            f'text-anchor="end">{escape(label)}</text>'
            f'<rect class="chart-series-{i % 6}" x="{label_w}" y="{y + 4}" '
            f'width="{w:.1f}" height="{BAR_ROW - 10}"/>'
            f'<text class="chart-label" x="{label_w + w + 6:.1f}" y="{y + 20}">'
            f"{escape(shown)}</text>"
        )
    # The sentence translated once, filled in per bar (a year of weeks is 52 bars).
    sentence = _("%(label)s: %(value)s %(unit)s.") if unit else _("%(label)s: %(value)s.")
    described = " ".join(
        sentence
        % {"label": label, "unit": unit, "value": "<5" if suppress and small(value) else value}
        for label, value in items
    ) or _("Nothing in this period.")
    return _svg(height, title, body, chart_id, described)
