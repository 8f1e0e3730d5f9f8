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
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
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


LOG_HEADER = ["Date of supply", "Week commencing", "Channel", "Organisation", "Site",
              "Product", "Kits", "Recipient category", "Age band", "Supply type",
              "Repeat reason", "Training", "Area", "Referral offered", "Referral accepted",
              "Received (UK time)", "Review status", "Held because",
              "Review note", "Record id"]
FIGURES_AS_OF = "Figures as of (UK time)"
HELD_KITS = "Kits held for review, not in these figures"
HELD_SESSIONS = "Training sessions held for review, not in these figures"
HELD_REPORTS = "Use reports held for review, not in these figures"


def log_rows(rows):
    """Distribution-log rows (from `log.every_row`) as CSV cells."""
    for r in rows:
        yield [r["supplied_on"], r["week"], r["channel"], r["organisation"], r["site"],
               r["product"], r["quantity"], r["recipient_category"], r["age_band"],
               r["supply_type"], r["repeat_reason"], r["training"], r["area"],
               r["referral_offered"], r["referral_accepted"], r["received"], r["review_status"],
               r["hold_reason"], r["review_note"], r["id"]]


def log_notes(f: Filters, as_of: dt.datetime, rows: int, held: dict) -> list[tuple]:
    """The notes above the log CSV's table. The log stays with the commissioner, so its
    counts are exact, like its rows."""
    notes = [(FIGURES_AS_OF, as_of), ("Records in this file", rows)]
    if f.review is not None:
        notes.append(("These records are", "held for review, not in the figures"
                      if f.review == "held" else "rejected, not in the figures"))
        return notes
    notes.append((HELD_KITS, held["kits"]))
    # Training and use reports are not in the log; say so only when some are held.
    if held["training_sessions"]:
        notes.append((HELD_SESSIONS, held["training_sessions"]))
    if held["use_reports"]:
        notes.append((HELD_REPORTS, held["use_reports"]))
    return notes


SUMMARY_HEADER = ["Section", "Measure", "Value"]


def _rate(numerator: int, rate) -> str:
    """A percentage or rate, withheld when its numerator is a suppressed count."""
    if rate is None:
        return ""
    return "suppressed" if 0 < numerator < 5 else str(rate)


def summary_rows(s: Summary, stock: dict, freshness: list[dict],
                 as_of: dt.datetime) -> list[tuple[str, str, str]]:
    """The summary as (section, measure, value) rows, counts suppressed. The board report
    shows these same figures. `as_of` is when they were taken (UK time)."""
    f: Filters = s.filters
    t = s.totals
    rows = [("Period", "From", cell(f.start)), ("Period", "To", cell(f.end))]
    rows += [("About these figures", FIGURES_AS_OF, cell(as_of)),
             ("About these figures", "Records counted (supplies, training sessions, use reports)",
              suppress(s.records["records"]))]
    rows += [("Held for review", HELD_KITS, suppress(s.held["kits"])),
             ("Held for review", "Supplies held for review", suppress(s.held["supplies"])),
             ("Held for review", HELD_SESSIONS, suppress(s.held["training_sessions"])),
             ("Held for review", HELD_REPORTS, suppress(s.held["use_reports"]))]
    rows += [("Kits issued", "Kits issued", suppress(t["kits"])),
             ("Kits issued", "Supplies", suppress(t["supplies"]))]
    rows += [("By channel", b.label, suppress(b.kits)) for b in s.by_channel]
    rows += [("By site", b.label, suppress(b.kits)) for b in s.by_site]
    rows += [("By product", b.label, suppress(b.kits)) for b in s.by_product]
    rows += [("By recipient category", b.label, suppress(b.kits)) for b in s.by_category]
    rows += [("By area", b.label, suppress(b.kits)) for b in s.by_area]
    rows += [("By age band", b.label, suppress(b.kits)) for b in s.by_age]
    rows += [("First and repeat", "First supplies", suppress(t["first"])),
             ("First and repeat", "Repeat supplies", suppress(t["repeat"])),
             ("First and repeat", "Repeat %", _rate(t["repeat"], t["repeat_pct"]))]
    rows += [("Repeat reasons", b.label, suppress(b.supplies)) for b in s.repeat_reasons]
    rows += [("Use", "Repeats because a kit was used", suppress(t["used_repeats"])),
             ("Use", "Use reports received", suppress(t["use_reports"]))]
    rows += [("Training", "People trained", suppress(s.training["people_trained"])),
             ("Training", "Trained and took a kit", suppress(s.training["with_kit"])),
             ("Training", "Trained, no kit", suppress(s.training["without_kit"])),
             ("Peers", "Peers signed off", suppress(s.peers["signed_off"])),
             ("Peers", "Peers active in the period", suppress(s.peers["active"]))]
    rows += [("Referrals", "Referral offered", suppress(t["referral_offered"])),
             ("Referrals", "Referral accepted", suppress(t["referral_accepted"]))]
    c = s.coverage
    rows += [("Reach and coverage", "People at risk given a first kit", suppress(t["reach"])),
             ("Reach and coverage", f"Estimated opiate users ({c['year']})",
              "" if c["estimate"] is None else str(c["estimate"])),
             ("Reach and coverage", "Kits per 100 estimated opiate users",
              _rate(t["kits"], c["per_100"]))]
    rows += [("Stock (today)", "Kits on hand", suppress(stock["totals"]["on_hand"])),
             ("Stock (today)", "Expiring within 90 days", suppress(stock["totals"]["expiring"])),
             ("Stock (today)", "Expired, still held", suppress(stock["totals"]["expired"])),
             ("Stock (today)", "Recalled batch kits with recipients",
              suppress(stock["totals"]["recalled_with_recipients"])),
             ("Stock (today)", "Recalled batch kits with recipients, held for review",
              suppress(stock["totals"]["recalled_with_recipients_held"]))]
    rows += [("Data freshness", "Devices", str(len(freshness))),
             ("Data freshness", "Silent more than 3 days",
              str(sum(1 for d in freshness if d["silent"])))]
    for week in s.weeks:
        for code, kits in week["channels"].items():
            rows.append(("Kits by week", f"{week['monday']:%d/%m/%Y} {CHANNELS[code]}",
                         suppress(kits)))
    return rows


# The board report's pages, each holding summary sections (one printed page per entry).
REPORT_PAGES = (
    ("Kits issued", ("About these figures", "Kits issued", "Held for review", "By channel")),
    ("Where the kits went", ("By site", "By product", "By recipient category", "By area",
                             "By age band")),
    ("First and repeat supplies, and use", ("First and repeat", "Repeat reasons", "Use")),
    ("Training, peers and referrals", ("Training", "Peers", "Referrals")),
    ("Reach and coverage", ("Reach and coverage",)),
    ("Stock and data freshness", ("Stock (today)", "Data freshness")),
)


def report_pages(s: Summary, stock: dict, freshness: list[dict], as_of: dt.datetime) -> list[dict]:
    """The summary rows arranged into the board report's pages: the report shows exactly
    what the summary CSV holds (the weekly rows are drawn as the chart and its table)."""
    sections = {}
    for section, measure, value in summary_rows(s, stock, freshness, as_of):
        sections.setdefault(section, []).append((measure, value))
    return [dict(title=title, sections=[(name, sections.get(name, [])) for name in names])
            for title, names in REPORT_PAGES]
