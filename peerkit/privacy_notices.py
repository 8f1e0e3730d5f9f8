"""Privacy notices: versions a service publishes, the one in force, and checking consents.

A notice belongs to the organisation that runs the recipient's organisation: the drug
service for its peer groups, pharmacies and partners (`managed_by`), or the organisation
itself when nobody runs it. Published versions are never edited: a change of wording is a
new version with its own "in force from" date. The version in force on a day is the one
with the latest `in_force_from` on or before that day.
"""

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select

from . import audit
from .api_messages import N_, NO_NOTICE_IN_FORCE, NOTICE_NOT_IN_FORCE, NOTICE_NOT_PUBLISHED, english
from .clock import format_uk_date, uk_today
from .extensions import db
from .models import Organisation, PrivacyNotice, User


class NoticeError(ValueError):
    """A notice that cannot be published, with the field it is about."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def owner_id(organisation: Organisation) -> int:
    """The organisation whose notices apply to people recorded by `organisation`."""
    return organisation.managed_by_id or organisation.id


def versions(organisation: Organisation) -> list[PrivacyNotice]:
    """Every published notice that applies to `organisation`, oldest in force first."""
    return list(
        db.session.scalars(
            select(PrivacyNotice)
            .where(PrivacyNotice.organisation_id == owner_id(organisation))
            .order_by(PrivacyNotice.in_force_from, PrivacyNotice.id)
        )
    )


def in_force(notices: list[PrivacyNotice], on: dt.date) -> PrivacyNotice | None:
    """The notice in force on `on` among `notices` (as `versions` orders them)."""
    current = None
    for notice in notices:
        if notice.in_force_from <= on:
            current = notice
    return current


def hold_reason(notices: list[PrivacyNotice], version: str | None, given_on: dt.date) -> str | None:
    """Why a consent naming `version`, given on `given_on`, needs a person's review, in
    plain English words (stored; the sync API translates them when it answers); None when
    that version was the one in force that day."""
    current = in_force(notices, given_on)
    if current is None:
        return english(NO_NOTICE_IN_FORCE, day=format_uk_date(given_on))
    if version == current.version:
        return None
    if not version:
        return N_("The phone showed no privacy notice: check what the person was told.")
    known = {n.version for n in notices}
    if version not in known:
        return english(NOTICE_NOT_PUBLISHED, version=version)
    return english(
        NOTICE_NOT_IN_FORCE,
        version=version,
        day=format_uk_date(given_on),
        current=current.version,
    )


def publish(by: User, version: str, text: str, in_force_from: dt.date) -> PrivacyNotice:
    """Publish a new version for `by`'s service. Flushes and audits; raises NoticeError."""
    version, text = version.strip(), text.strip()
    if in_force_from < uk_today():
        raise NoticeError(
            "in_force_from",
            _("A new version cannot start in the past: people were told the earlier one."),
        )
    organisation_id = owner_id(by.organisation)
    taken = db.session.scalar(
        select(PrivacyNotice.id).where(
            PrivacyNotice.organisation_id == organisation_id, PrivacyNotice.version == version
        )
    )
    if taken is not None:
        raise NoticeError(
            "version",
            _(
                "Version %(version)s is already published, and published notices are never "
                "changed: give the new wording a new version label.",
                version=version,
            ),
        )
    notice = PrivacyNotice(
        organisation_id=organisation_id,
        version=version,
        text=text,
        in_force_from=in_force_from,
        created_by=by,
    )
    db.session.add(notice)
    db.session.flush()
    audit.record(
        "privacy_notice.publish",
        "privacy_notice",
        notice.id,
        user=by,
        version=version,
        in_force_from=in_force_from.isoformat(),
    )
    return notice
