"""CSV exports that open cleanly in a spreadsheet, and the small-count suppression rule.

UTF-8 with a byte-order mark (so Excel reads "£" and "’" correctly), UK dates, and any
cell that a spreadsheet would read as a formula (= + - @, or a tab or carriage return
before one) prefixed with a quote: a recipient-facing value must never run as a formula.

Every export says when its figures were taken ("Figures as of", UK time) and how many
records it was built from, so two exports of the same period can be told apart, and how
many records are held for review beside its figures.
"""

import csv
import datetime as dt
import io

from flask_babel import lazy_gettext as _l

from ..clock import format_uk_date, format_uk_datetime
from ..vocab import CHANNELS
from .filters import Filters
from .metrics import Summary

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def suppress(value) -> str:
    """A count as shown beyond the commissioner: 0 stays 0, 1 to 4 become "<5"."""
    if value is None:
        return ""
    if isinstance(value, int) and 0 < value < 5:
        return "<5"
    return str(value)


def cell(value) -> str:
    """One CSV cell: UK dates, yes/no, and no formula injection."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return format_uk_datetime(value)
    if isinstance(value, dt.date):
        return format_uk_date(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def csv_text(header: list[str], rows, notes=()) -> str:
    """The whole CSV document, BOM first; `notes` ((label, value) rows) above the table,
    then a blank row, so they are the first thing a person opening the file sees."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    for note in notes:
        writer.writerow([cell(value) for value in note])
    if notes:
        writer.writerow([])
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()


LOG_HEADER = [
    _l("Date of supply"),
    _l("Week commencing"),
    _l("Channel"),
    _l("Organisation"),
    _l("Site"),
    _l("Product"),
    _l("Kits"),
    _l("Recipient category"),
    _l("Age band"),
    _l("Supply type"),
    _l("Repeat reason"),
    _l("Training"),
    _l("Area"),
    _l("Referral offered"),
    _l("Referral accepted"),
    _l("Received (UK time)"),
    _l("Review status"),
    _l("Held because"),
    _l("Review note"),
    _l("Record id"),
]
FIGURES_AS_OF = _l("Figures as of (UK time)")
HELD_KITS = _l("Kits held for review, not in these figures")
HELD_SESSIONS = _l("Training sessions held for review, not in these figures")
HELD_REPORTS = _l("Use reports held for review, not in these figures")


def log_rows(rows):
    """Distribution-log rows (from `log.every_row`) as CSV cells."""
    for r in rows:
        yield [
            r["supplied_on"],
            r["week"],
            r["channel"],
            r["organisation"],
            r["site"],
            r["product"],
            r["quantity"],
            r["recipient_category"],
            r["age_band"],
            r["supply_type"],
            r["repeat_reason"],
            r["training"],
            r["area"],
            r["referral_offered"],
            r["referral_accepted"],
            r["received"],
            r["review_status"],
            r["hold_reason"],
            r["review_note"],
            r["id"],
        ]


def log_notes(f: Filters, as_of: dt.datetime, rows: int, held: dict) -> list[tuple]:
    """The notes above the log CSV's table. The log stays with the commissioner, so its
    counts are exact, like its rows."""
    notes = [(FIGURES_AS_OF, as_of), (_l("Records in this file"), rows)]
    if f.review is not None:
        notes.append(
            (
                _l("These records are"),
                _l("held for review, not in the figures")
                if f.review == "held"
                else _l("rejected, not in the figures"),
            )
        )
        return notes
    notes.append((HELD_KITS, held["kits"]))
    # Training and use reports are not in the log; say so only when some are held.
    if held["training_sessions"]:
        notes.append((HELD_SESSIONS, held["training_sessions"]))
    if held["use_reports"]:
        notes.append((HELD_REPORTS, held["use_reports"]))
    return notes


SUMMARY_HEADER = [_l("Section"), _l("Measure"), _l("Value")]


def _rate(numerator: int, rate) -> str:
    """A percentage or rate, withheld when its numerator is a suppressed count."""
    if rate is None:
        return ""
    return "suppressed" if 0 < numerator < 5 else str(rate)


def summary_rows(
    s: Summary, stock: dict, freshness: list[dict], as_of: dt.datetime
) -> list[tuple[str, str, str]]:
    """The summary as (section, measure, value) rows, counts suppressed. The board report
    shows these same figures. `as_of` is when they were taken (UK time)."""
    f: Filters = s.filters
    t = s.totals
    rows = [(_l("Period"), _l("From"), cell(f.start)), (_l("Period"), _l("To"), cell(f.end))]
    rows += [
        (_l("About these figures"), FIGURES_AS_OF, cell(as_of)),
        (
            _l("About these figures"),
            _l("Records counted (supplies, training sessions, use reports)"),
            suppress(s.records["records"]),
        ),
    ]
    rows += [
        (_l("Held for review"), HELD_KITS, suppress(s.held["kits"])),
        (_l("Held for review"), _l("Supplies held for review"), suppress(s.held["supplies"])),
        (_l("Held for review"), HELD_SESSIONS, suppress(s.held["training_sessions"])),
        (_l("Held for review"), HELD_REPORTS, suppress(s.held["use_reports"])),
    ]
    rows += [
        (_l("Kits issued"), _l("Kits issued"), suppress(t["kits"])),
        (_l("Kits issued"), _l("Supplies"), suppress(t["supplies"])),
    ]
    rows += [(_l("By channel"), b.label, suppress(b.kits)) for b in s.by_channel]
    rows += [(_l("By site"), b.label, suppress(b.kits)) for b in s.by_site]
    rows += [(_l("By product"), b.label, suppress(b.kits)) for b in s.by_product]
    rows += [(_l("By recipient category"), b.label, suppress(b.kits)) for b in s.by_category]
    rows += [(_l("By area"), b.label, suppress(b.kits)) for b in s.by_area]
    rows += [(_l("By age band"), b.label, suppress(b.kits)) for b in s.by_age]
    rows += [
        (_l("First and repeat"), _l("First supplies"), suppress(t["first"])),
        (_l("First and repeat"), _l("Repeat supplies"), suppress(t["repeat"])),
        (_l("First and repeat"), _l("Repeat %"), _rate(t["repeat"], t["repeat_pct"])),
    ]
    rows += [(_l("Repeat reasons"), b.label, suppress(b.supplies)) for b in s.repeat_reasons]
    rows += [
        (_l("Use"), _l("Repeats because a kit was used"), suppress(t["used_repeats"])),
        (_l("Use"), _l("Use reports received"), suppress(t["use_reports"])),
    ]
    rows += [
        (_l("Training"), _l("People trained"), suppress(s.training["people_trained"])),
        (_l("Training"), _l("Trained and took a kit"), suppress(s.training["with_kit"])),
        (_l("Training"), _l("Trained, no kit"), suppress(s.training["without_kit"])),
        (_l("Peers"), _l("Peers signed off"), suppress(s.peers["signed_off"])),
        (_l("Peers"), _l("Peers active in the period"), suppress(s.peers["active"])),
    ]
    rows += [
        (_l("Referrals"), _l("Referral offered"), suppress(t["referral_offered"])),
        (_l("Referrals"), _l("Referral accepted"), suppress(t["referral_accepted"])),
    ]
    c = s.coverage
    rows += [
        (_l("Reach and coverage"), _l("People at risk given a first kit"), suppress(t["reach"])),
        (
            _l("Reach and coverage"),
            _l("Estimated opiate users (%(year)s)", year=c["year"]),
            "" if c["estimate"] is None else str(c["estimate"]),
        ),
        (
            _l("Reach and coverage"),
            _l("Kits per 100 estimated opiate users"),
            _rate(t["kits"], c["per_100"]),
        ),
    ]
    rows += [
        (_l("Stock (today)"), _l("Kits on hand"), suppress(stock["totals"]["on_hand"])),
        (_l("Stock (today)"), _l("Expiring within 90 days"), suppress(stock["totals"]["expiring"])),
        (_l("Stock (today)"), _l("Expired, still held"), suppress(stock["totals"]["expired"])),
        (
            _l("Stock (today)"),
            _l("Recalled batch kits with recipients"),
            suppress(stock["totals"]["recalled_with_recipients"]),
        ),
        (
            _l("Stock (today)"),
            _l("Recalled batch kits with recipients, held for review"),
            suppress(stock["totals"]["recalled_with_recipients_held"]),
        ),
    ]
    rows += [
        (_l("Data freshness"), _l("Devices"), str(len(freshness))),
        (
            _l("Data freshness"),
            _l("Silent more than 3 days"),
            str(sum(1 for d in freshness if d["silent"])),
        ),
    ]
    for week in s.weeks:
        for code, kits in week["channels"].items():
            rows.append(
                (
                    _l("Kits by week"),
                    f"{format_uk_date(week['monday'])} {CHANNELS[code]}",
                    suppress(kits),
                )
            )
    return rows


# The board report's pages, each holding summary sections (one printed page per entry).
REPORT_PAGES = (
    (
        _l("Kits issued"),
        (_l("About these figures"), _l("Kits issued"), _l("Held for review"), _l("By channel")),
    ),
    (
        _l("Where the kits went"),
        (
            _l("By site"),
            _l("By product"),
            _l("By recipient category"),
            _l("By area"),
            _l("By age band"),
        ),
    ),
    (
        _l("First and repeat supplies, and use"),
        (_l("First and repeat"), _l("Repeat reasons"), _l("Use")),
    ),
    (_l("Training, peers and referrals"), (_l("Training"), _l("Peers"), _l("Referrals"))),
    (_l("Reach and coverage"), (_l("Reach and coverage"),)),
    (_l("Stock and data freshness"), (_l("Stock (today)"), _l("Data freshness"))),
)


def report_pages(s: Summary, stock: dict, freshness: list[dict], as_of: dt.datetime) -> list[dict]:
    """The summary rows arranged into the board report's pages: the report shows exactly
    what the summary CSV holds (the weekly rows are drawn as the chart and its table)."""
    sections = {}
    for section, measure, value in summary_rows(s, stock, freshness, as_of):
        sections.setdefault(section, []).append((measure, value))
    return [
        dict(title=title, sections=[(name, sections.get(name, [])) for name in names])
        for title, names in REPORT_PAGES
    ]
