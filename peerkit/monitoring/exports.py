"""CSV exports that open cleanly in a spreadsheet, and the small-count suppression rule.

UTF-8 with a byte-order mark (so Excel reads "£" and "’" correctly), UK dates, and any
cell that a spreadsheet would read as a formula (= + - @, or a tab or carriage return
before one) prefixed with a quote: a recipient-facing value must never run as a formula.
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


def csv_text(header: list[str], rows) -> str:
    """The whole CSV document, BOM first."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()


LOG_HEADER = ["Date of supply", "Week commencing", "Channel", "Organisation", "Site",
              "Product", "Kits", "Recipient category", "Supply type", "Repeat reason",
              "Training", "Area", "Referral offered", "Referral accepted",
              "Received (UK time)", "Record id"]


def log_rows(rows):
    """Distribution-log rows (from `log.every_row`) as CSV cells."""
    for r in rows:
        yield [r["supplied_on"], r["week"], r["channel"], r["organisation"], r["site"],
               r["product"], r["quantity"], r["recipient_category"], r["supply_type"],
               r["repeat_reason"], r["training"], r["area"], r["referral_offered"],
               r["referral_accepted"], r["received"], r["id"]]


SUMMARY_HEADER = ["Section", "Measure", "Value"]


def _rate(numerator: int, rate) -> str:
    """A percentage or rate, withheld when its numerator is a suppressed count."""
    if rate is None:
        return ""
    return "suppressed" if 0 < numerator < 5 else str(rate)


def summary_rows(s: Summary, stock: dict, freshness: list[dict]) -> list[tuple[str, str, str]]:
    """The summary as (section, measure, value) rows, counts suppressed. The board report
    shows these same figures."""
    f: Filters = s.filters
    t = s.totals
    rows = [("Period", "From", cell(f.start)), ("Period", "To", cell(f.end))]
    rows += [("Kits issued", "Kits issued", suppress(t["kits"])),
             ("Kits issued", "Supplies", suppress(t["supplies"]))]
    rows += [("By channel", b.label, suppress(b.kits)) for b in s.by_channel]
    rows += [("By site", b.label, suppress(b.kits)) for b in s.by_site]
    rows += [("By product", b.label, suppress(b.kits)) for b in s.by_product]
    rows += [("By recipient category", b.label, suppress(b.kits)) for b in s.by_category]
    rows += [("By area", b.label, suppress(b.kits)) for b in s.by_area]
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
              suppress(stock["totals"]["recalled_with_recipients"]))]
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
    ("Kits issued", ("Kits issued", "By channel")),
    ("Where the kits went", ("By site", "By product", "By recipient category", "By area")),
    ("First and repeat supplies, and use", ("First and repeat", "Repeat reasons", "Use")),
    ("Training, peers and referrals", ("Training", "Peers", "Referrals")),
    ("Reach and coverage", ("Reach and coverage",)),
    ("Stock and data freshness", ("Stock (today)", "Data freshness")),
)


def report_pages(s: Summary, stock: dict, freshness: list[dict]) -> list[dict]:
    """The summary rows arranged into the board report's pages: the report shows exactly
    what the summary CSV holds (the weekly rows are drawn as the chart and its table)."""
    sections = {}
    for section, measure, value in summary_rows(s, stock, freshness):
        sections.setdefault(section, []).append((measure, value))
    return [dict(title=title, sections=[(name, sections.get(name, [])) for name in names])
            for title, names in REPORT_PAGES]
