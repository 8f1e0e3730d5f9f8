"""Consent withdrawal: one rule for the sync API and the coordinator's screen alike.

A person may withdraw at any organisation of the area that serves them: the peer group
that recorded the consent, its drug service, or a pharmacy. Withdrawal erases the
recipient code from the consent and from every supply linked to it; the counts stay as
they were (a kit handed out is still a fact). The changed rows get new sync numbers, so
phones that pull them erase the code too.
"""

import datetime as dt

from flask_babel import gettext as _
from sqlalchemy import select, update

from . import audit
from .clock import format_uk_date
from .extensions import db
from .models import Consent, KitSupply, Organisation, User
from .sync_feed import change_marks


def erase_codes(codes, organisation_ids) -> dict[str, int]:
    """Erase these recipient codes from every consent and supply of those organisations
    (a select of ids, or a list), numbering the changed rows so phones forget them too.
    The records stay and still count. Returns how many of each were changed. Flushes."""
    changed = {}
    for key, model in (("consents", Consent), ("supplies", KitSupply)):
        ids = db.session.scalars(
            select(model.id).where(
                model.recipient_code.in_(list(codes)), model.organisation_id.in_(organisation_ids)
            )
        ).all()
        # Bulk update (no ORM flush hook), so mark the rows here for phones to pull.
        for record_id, marks in zip(ids, change_marks(db.session, len(ids)), strict=True):
            db.session.execute(
                update(model).where(model.id == record_id).values(recipient_code=None, **marks)
            )
        changed[key] = len(ids)
    db.session.flush()
    return changed


class WithdrawalError(ValueError):
    """A withdrawal that cannot be recorded, with the field it is about."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def consent_for_withdrawal(user: User, consent_id: str) -> Consent | None:
    """The consent with this id if it was recorded in `user`'s commissioning area."""
    return db.session.scalar(
        select(Consent)
        .join(Organisation, Consent.organisation_id == Organisation.id)
        .where(Consent.id == consent_id, Organisation.area_id == user.organisation.area_id)
    )


def withdraw(consent: Consent, withdrawn_on: dt.date, by: User) -> bool:
    """Record the withdrawal and erase the recipient code; False if already withdrawn
    that day (a resend). Raises WithdrawalError for an impossible one. Flushes."""
    if withdrawn_on < consent.given_on:
        raise WithdrawalError(
            "withdrawn_on",
            _(
                "The consent was given on %(day)s: a withdrawal cannot be dated before it.",
                day=format_uk_date(consent.given_on),
            ),
        )
    if consent.withdrawn_on is not None:
        if consent.withdrawn_on == withdrawn_on:
            return False
        raise WithdrawalError(
            "withdrawn_on",
            _(
                "This consent was already withdrawn on %(day)s.",
                day=format_uk_date(consent.withdrawn_on),
            ),
        )
    consent.withdrawn_on = withdrawn_on
    consent.recipient_code = None
    linked = db.session.scalars(
        select(KitSupply.id).where(
            KitSupply.consent_id == consent.id, KitSupply.recipient_code.is_not(None)
        )
    ).all()
    # Bulk update (no ORM flush hook), so mark the rows here for phones to pull.
    for supply_id, marks in zip(linked, change_marks(db.session, len(linked)), strict=True):
        db.session.execute(
            update(KitSupply).where(KitSupply.id == supply_id).values(recipient_code=None, **marks)
        )
    db.session.flush()
    audit.record("consent.withdraw", "consent", consent.id, user=by, supplies_erased=len(linked))
    return True
