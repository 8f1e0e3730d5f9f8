"""The filters every monitoring page, export and drill-down shares, read from a query string.

An organisation, site or product that the commissioner may not see is a 404, never an
empty page: a guessed id must not even confirm that the row exists.

Figures count only records whose review status is "counted" (`Filters.review` is None);
the log can ask for the held or rejected ones instead.
"""

import datetime as dt
from dataclasses import dataclass, fields

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..clock import UK
from ..extensions import db
from ..models import Organisation, Product, Site
from ..rules import POSTCODE_DISTRICT
from ..scoping import visible_organisation_ids
from ..vocab import (
    AGE_BANDS,
    AREA_UNKNOWN,
    CHANNELS,
    RECIPIENT_CATEGORIES,
    REPEAT_REASONS,
    SUPPLY_TYPES,
)

DEFAULT_WEEKS = 12
MAX_DAYS = 3 * 366 + 1  # a few years at most: one request must not scan the whole history
REFERRALS = {"offered": _l("Referral offered"), "accepted": _l("Referral accepted")}
# The age band is optional on a supply: this code asks for the supplies without one.
AGE_NOT_RECORDED = "not_recorded"
AGE_BAND_CHOICES = {**AGE_BANDS, AGE_NOT_RECORDED: _l("Not recorded")}
# Only "counted" records count in figures; the log can list these others instead.
REVIEW_CHOICES = {"held": _l("Held for review"), "rejected": _l("Rejected")}


def week_start(day: dt.date) -> dt.date:
    """The Monday of `day`'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class Filters:
    """What a figure counts: a period of event dates (inclusive) and optional narrowing."""

    start: dt.date
    end: dt.date
    channel: str | None = None
    organisation_id: int | None = None
    site_id: int | None = None
    product_id: int | None = None
    area: str | None = None
    age_band: str | None = None  # a code of AGE_BAND_CHOICES
    # Drill-down only: the log narrows to the records behind one figure.
    recipient_category: str | None = None
    supply_type: str | None = None
    repeat_reason: str | None = None
    used: bool = False
    reach: bool = False
    referral: str | None = None
    # None: the counted records (every figure); "held" or "rejected": those instead.
    review: str | None = None
    # Only records that reached the figures after this moment (naive UTC): the late ones.
    arrived_after: dt.datetime | None = None

    def args(self, **changes) -> dict:
        """Query-string arguments for these filters with `changes`, leaving out the empty."""
        # Field by field, not dataclasses.asdict: that deep-copies every value, and the
        # dashboard builds hundreds of drill-down links.
        values = {name: getattr(self, name) for name in FIELD_NAMES}
        unknown = set(changes) - set(values)
        if unknown:
            raise TypeError(f"Not a filter: {', '.join(sorted(unknown))}")
        values.update(changes)
        values["start"] = values["start"].isoformat()
        values["end"] = values["end"].isoformat()
        if values["arrived_after"] is not None:
            values["arrived_after"] = uk_moment_arg(values["arrived_after"])
        return {
            k: ("1" if v is True else v) for k, v in values.items() if v not in (None, False, "")
        }

    def week(self, monday: dt.date) -> dict:
        """Arguments for the same filters narrowed to the week starting `monday`."""
        return self.args(
            start=max(monday, self.start), end=min(monday + dt.timedelta(days=6), self.end)
        )


FIELD_NAMES = tuple(item.name for item in fields(Filters))


def period_end(day: dt.date) -> dt.datetime:
    """The moment (naive UTC) the UK day `day` ends: midnight UK time, GMT or BST."""
    midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=UK)
    return midnight.astimezone(dt.UTC).replace(tzinfo=None)


def uk_moment_arg(moment: dt.datetime) -> str:
    """A naive-UTC moment as a query-string value people can read: UK local time, to the
    second, no offset."""
    local = moment.replace(tzinfo=dt.UTC).astimezone(UK)
    return local.replace(tzinfo=None).isoformat(timespec="seconds")


def _moment(raw: str | None) -> dt.datetime | None:
    """A UK local time from the query string as naive UTC (see `uk_moment_arg`)."""
    if not raw:
        return None
    try:
        local = dt.datetime.fromisoformat(raw)
    except ValueError:
        abort(400)
    if local.tzinfo is not None:
        abort(400)
    return local.replace(tzinfo=UK).astimezone(dt.UTC).replace(tzinfo=None)


def _date(raw: str | None, default: dt.date) -> dt.date:
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        abort(400)


def _int(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    if not raw.isdigit():
        abort(400)
    return int(raw)


def _choice(raw: str | None, allowed) -> str | None:
    if raw in (None, ""):
        return None
    if raw not in allowed:
        abort(400)
    return raw


def _visible(user, model, object_id, column) -> None:
    """404 unless the row exists inside `user`'s scope."""
    if object_id is None:
        return
    found = db.session.scalar(
        select(model.id).where(model.id == object_id, column.in_(visible_organisation_ids(user)))
    )
    if found is None:
        abort(404)


def filters_from_args(args, user, today: dt.date, *, records: bool = False) -> Filters:
    """Parse and check the filters in `args` (a request's query string) for `user`.

    `review` and `arrived_after` pick which records the log lists (held, rejected, late);
    pages of figures (`records` False) ignore them, as figures count only counted records.
    """
    default_start = week_start(today) - dt.timedelta(weeks=DEFAULT_WEEKS - 1)
    start = _date(args.get("start"), default_start)
    end = _date(args.get("end"), today)
    if end < start or (end - start).days > MAX_DAYS:
        abort(400)
    area = (args.get("area") or "").strip().upper() or None
    if area and area != AREA_UNKNOWN and not POSTCODE_DISTRICT.match(area):
        abort(400)
    filters = Filters(
        start=start,
        end=end,
        channel=_choice(args.get("channel"), CHANNELS),
        organisation_id=_int(args.get("organisation_id")),
        site_id=_int(args.get("site_id")),
        product_id=_int(args.get("product_id")),
        area=area,
        age_band=_choice(args.get("age_band"), AGE_BAND_CHOICES),
        recipient_category=_choice(args.get("recipient_category"), RECIPIENT_CATEGORIES),
        supply_type=_choice(args.get("supply_type"), SUPPLY_TYPES),
        repeat_reason=_choice(args.get("repeat_reason"), REPEAT_REASONS),
        used=args.get("used") == "1",
        reach=args.get("reach") == "1",
        referral=_choice(args.get("referral"), REFERRALS),
        review=_choice(args.get("review"), REVIEW_CHOICES) if records else None,
        arrived_after=_moment(args.get("arrived_after")) if records else None,
    )
    _visible(user, Organisation, filters.organisation_id, Organisation.id)
    _visible(user, Site, filters.site_id, Site.organisation_id)
    if filters.product_id is not None and db.session.get(Product, filters.product_id) is None:
        abort(404)
    return filters
