"""One clock: "today" and "now" as people in the UK read them.

Stored timestamps stay naive UTC (`peerkit.models.utcnow`). But a date a person records (a
kit supplied "today") is a UK calendar date, and between midnight and 1 am in summer the UK
date is a day ahead of UTC's: every rule, form and screen asks this module, not
`date.today()` (the server's own zone) or UTC.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

UK = ZoneInfo("Europe/London")
# Phones' clocks drift a little; a time this far ahead of the server's is still "now".
CLOCK_SLACK = dt.timedelta(minutes=5)


def uk_now() -> dt.datetime:
    """The current time in the UK, time-zone aware."""
    return dt.datetime.now(UK)


def uk_today() -> dt.date:
    """Today's date in the UK."""
    return uk_now().date()


def uk_datetime(value: dt.datetime | None) -> dt.datetime | None:
    """A stored naive-UTC timestamp (or any aware one) as UK local time, for showing to
    people."""
    if value is None:
        return None
    if value.tzinfo is None:  # stored timestamps are naive UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(UK)


def _locale():
    from flask_babel import get_locale  # here: the clock itself needs no Flask

    return get_locale() or "en_GB"


def format_uk_datetime(value: dt.datetime | None) -> str:
    """A stored naive-UTC timestamp as people in the UK read it: "30/11/2026 23:05", with
    Babel in the request's UK locale (en_GB or cy_GB: the same digits in both). The Jinja
    filter `uk_datetime`."""
    local = uk_datetime(value)
    if local is None:
        return "–"
    return format_datetime(local, "dd/MM/yyyy HH:mm", locale=_locale())


def format_uk_date(value: dt.date | dt.datetime | None, year: bool = True) -> str:
    """A date as people in the UK read it: "30/11/2026" ("30/11" without the year, for a
    chart's axis); a timestamp gives its UK calendar day; nothing gives "". The Jinja
    filter `uk_date`. Every date shown to a person or written in a CSV goes through this."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = uk_datetime(value).date()
    # Digits only, the same in English and Welsh, so no locale is looked up: a dashboard
    # writes a few hundred of these (a year's weeks, twice), and Babel's lookup showed.
    return value.strftime("%d/%m/%Y" if year else "%d/%m")
