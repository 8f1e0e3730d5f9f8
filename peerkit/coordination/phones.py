"""The Phones screen: each person's current phone, their older ones under it, and what
"waiting" means (docs/COORDINATION.md, "Phones")."""

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from ..extensions import db
from ..models import Device, User
from ..scoping import managed_organisation_ids

SILENT_AFTER = dt.timedelta(days=3)


@dataclass
class Phone:
    """One device row as the screen shows it."""

    device: Device
    silent: bool
    waiting: str  # "Waiting: 3 (reported 2 hours ago)", "Nothing waiting", "Not reported"

    @property
    def in_use(self) -> bool:
        """Not locked out and not replaced: it can still sync."""
        return self.device.revoked_at is None


@dataclass
class PersonPhones:
    """A person, the phone they use now, and the phones they used before (newest first)."""

    user: User
    current: Phone
    older: list[Phone] = field(default_factory=list)


def ago(moment: dt.datetime, now: dt.datetime) -> str:
    """'5 minutes ago', '2 hours ago', '3 days ago': how long since a naive-UTC moment."""
    seconds = max(0, int((now - moment).total_seconds()))
    # Whole phrases per unit, so each language can word (and pluralise) its own.
    if seconds >= 86400:
        return ngettext("%(num)s day ago", "%(num)s days ago", seconds // 86400)
    if seconds >= 3600:
        return ngettext("%(num)s hour ago", "%(num)s hours ago", seconds // 3600)
    if seconds >= 60:
        return ngettext("%(num)s minute ago", "%(num)s minutes ago", seconds // 60)
    return _("just now")


def waiting_text(device: Device, now: dt.datetime) -> str:
    """What the phone last said about its unsent records, and when it said it."""
    if device.records_waiting is None:
        return _("Not reported")
    if device.records_waiting == 0:
        return _("Nothing waiting")
    reported = device.records_waiting_at or device.last_sync_at
    if reported:
        return _(
            "Waiting: %(count)s (reported %(ago)s)",
            count=device.records_waiting,
            ago=ago(reported, now),
        )
    return _("Waiting: %(count)s", count=device.records_waiting)


def phones_of_service(coordinator: User, now: dt.datetime) -> list[PersonPhones]:
    """Every phone of the people the coordinator's service runs, grouped by person.

    A person's current phone is the newest one still in use (or, if none is, the newest);
    the rest (replaced, locked out, older) are listed under it.
    """
    rows = db.session.execute(
        select(Device, User)
        .join(User, Device.user_id == User.id)
        .where(User.organisation_id.in_(managed_organisation_ids(coordinator)))
        .order_by(User.display_name, User.id, Device.enrolled_at.desc(), Device.id)
    ).all()
    people: dict[int, tuple[User, list[Phone]]] = {}
    for device, user in rows:
        silent = device.revoked_at is None and (
            device.last_sync_at is None or now - device.last_sync_at > SILENT_AFTER
        )
        phone = Phone(device, silent, waiting_text(device, now))
        people.setdefault(user.id, (user, []))[1].append(phone)
    grouped = []
    for user, phones in people.values():
        current = next((p for p in phones if p.in_use), phones[0])
        grouped.append(PersonPhones(user, current, [p for p in phones if p is not current]))
    return grouped


def in_use_count(grouped: list[PersonPhones]) -> int:
    """Phones that can still sync: neither locked out nor replaced by a new set-up."""
    return sum(p.in_use for person in grouped for p in [person.current, *person.older])


def silent_count(grouped: list[PersonPhones]) -> int:
    """Phones in use that have not synced for more than 3 days (or ever)."""
    return sum(p.silent for person in grouped for p in [person.current, *person.older])
