"""Domain rules as plain functions, called by views and the sync API alike."""

import datetime as dt
import re

from sqlalchemy import select

from .api_messages import N_, SIGN_OFF_RAN_OUT, english
from .clock import format_uk_date
from .extensions import db
from .models import SupplierSignOff, User
from .vocab import AREA_UNKNOWN

# The outward part of a UK postcode: "M1", "M14", "B33", "SW1A", "EC1V". Never the inward
# part: a full postcode can point at a handful of houses.
POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
FULL_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}$")

REFRESHER_INTERVAL = dt.timedelta(days=365)
# Drug-service staff (coordinators) supply at the service too; all need a sign-off.
SUPPLYING_ROLES = ("peer", "pharmacy", "coordinator")


def normalise_area(value: str) -> str:
    """Upper-case and trim an area; raise ValueError unless it is a district or unknown.

    A full postcode is refused with a message that says why, rather than truncated
    silently, so the person entering it learns what to record.
    """
    area = (value or "").strip().upper()
    if area in {AREA_UNKNOWN, "NFA", "NO FIXED ABODE"}:
        return AREA_UNKNOWN
    if FULL_POSTCODE.match(area):
        raise ValueError(N_("Enter only the first half of the postcode (the district, e.g. M14)."))
    if not POSTCODE_DISTRICT.match(area):
        raise ValueError(N_("Enter a postcode district such as M14, or UNKNOWN."))
    return area


def refresher_due_from(assessed_on: dt.date) -> dt.date:
    """Supplier competency lasts twelve months from assessment."""
    return assessed_on + REFRESHER_INTERVAL


def current_sign_off(user: User, on: dt.date) -> SupplierSignOff | None:
    """The sign-off that covers `user` on day `on`, if any."""
    return db.session.scalars(
        select(SupplierSignOff)
        .where(
            SupplierSignOff.user_id == user.id,
            SupplierSignOff.withdrawn_at.is_(None),
            SupplierSignOff.assessed_on <= on,
            SupplierSignOff.refresher_due >= on,
        )
        .order_by(SupplierSignOff.refresher_due.desc())
    ).first()


def supplier_authorised(user: User, on: dt.date) -> tuple[bool, str | None]:
    """May `user` record a kit supply made on day `on`? Returns (allowed, reason if not).

    Peers, pharmacy staff and drug-service staff supply, and only while a coordinator's
    sign-off of their training and competency covers that day. The reason is worded for
    both readers: the person on their phone, and the coordinator reviewing a held supply.
    It is English, as stored; the sync API translates it when it answers (api_messages).
    """
    if user.role not in SUPPLYING_ROLES:
        return False, N_("Only peer, pharmacy and drug-service accounts record kit supplies.")
    if not user.active:
        return False, N_("This account is not active.")
    if current_sign_off(user, on) is not None:
        return True, None
    latest = db.session.scalars(
        select(SupplierSignOff)
        .where(SupplierSignOff.user_id == user.id, SupplierSignOff.withdrawn_at.is_(None))
        .order_by(SupplierSignOff.refresher_due.desc())
    ).first()
    if latest is None:
        return False, N_("No supplier sign-off yet: a coordinator signs off the training first.")
    if latest.refresher_due < on:
        return False, english(SIGN_OFF_RAN_OUT, day=format_uk_date(latest.refresher_due))
    return False, N_("The supplier sign-off starts after the date of this supply.")


# The distribution channel a record takes by default from the organisation that made it.
ORGANISATION_CHANNEL = {
    "peer_group": "peer",
    "pharmacy": "pharmacy",
    "drug_service": "drug_service",
    "partner_agency": "outreach",
}


def channel_for(organisation) -> str:
    """The channel of a supply made by someone of `organisation`."""
    return ORGANISATION_CHANNEL.get(organisation.kind, "drug_service")
