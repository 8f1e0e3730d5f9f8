"""Subject access and erasure: a person asks the service what it holds about them, or to
erase their code.

The coordinator types the person's initials, date of birth and sex into a POST form; the
code is made here (peerkit.recipient_codes) and neither the details nor the code are
stored, logged, put in a URL or audited: the audit log says what was done and how many
records it touched.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from . import audit
from .clock import uk_today
from .consents import erase_codes, withdraw
from .extensions import db
from .models import Consent, KitSupply, Organisation, User
from .recipient_codes import codes_for
from .scoping import managed_organisation_ids
from .signing import recipient_code_salt

# Headers in the reader's language; the cells keep the stored codes.
CSV_HEADER = [
    _l("Record"),
    _l("Date"),
    _l("Organisation"),
    _l("Site"),
    _l("Kits"),
    _l("Recipient category"),
    _l("Age band"),
    _l("Supply type"),
    _l("Repeat reason"),
    _l("Area"),
    _l("Agrees to be recorded"),
    _l("Agrees to be recognised"),
    _l("Privacy notice"),
    _l("Consent withdrawn on"),
    _l("Review status"),
    _l("Record id"),
]


def person_codes(user: User, initials: str, dob: str, sex: str) -> list[str]:
    """The codes this person's records in `user`'s area may carry. Raises
    RecipientDetailsError naming the field."""
    salt = recipient_code_salt(user.organisation.area_id or user.organisation_id)
    return codes_for(salt, initials, dob, sex)


def records(user: User, codes: list[str]) -> dict[str, list]:
    """The person's consents and supplies in the coordinator's organisations."""
    mine = managed_organisation_ids(user)
    return {
        "consents": db.session.scalars(
            select(Consent)
            .where(Consent.recipient_code.in_(codes), Consent.organisation_id.in_(mine))
            .order_by(Consent.given_on)
        ).all(),
        "supplies": db.session.scalars(
            select(KitSupply)
            .where(KitSupply.recipient_code.in_(codes), KitSupply.organisation_id.in_(mine))
            .order_by(KitSupply.supplied_on)
        ).all(),
    }


def csv_rows(found: dict[str, list]) -> list[list]:
    """One row per record, for the CSV the person is given (no code in it)."""
    names = dict(db.session.execute(select(Organisation.id, Organisation.name)).all())
    rows = [
        [
            _("Consent"),
            c.given_on,
            names.get(c.organisation_id),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            c.consent_to_record,
            c.consent_to_recognise,
            c.privacy_notice_version,
            c.withdrawn_on,
            c.review_status,
            c.id,
        ]
        for c in found["consents"]
    ]
    rows += [
        [
            _("Kit supply"),
            s.supplied_on,
            names.get(s.organisation_id),
            s.site.name,
            s.quantity,
            s.recipient_category,
            s.age_band,
            s.supply_type,
            s.repeat_reason,
            s.area,
            None,
            None,
            None,
            None,
            s.review_status,
            s.id,
        ]
        for s in found["supplies"]
    ]
    return rows


def audit_access(user: User, action: str, found: dict[str, list]) -> None:
    """Audit a look-up or an export, with counts only."""
    audit.record(
        f"subject_access.{action}",
        user=user,
        consents=len(found["consents"]),
        supplies=len(found["supplies"]),
    )


def erase(user: User, codes: list[str]) -> dict[str, int]:
    """Erase the person's code everywhere in the area: consents in force are withdrawn
    today (peerkit.consents, which erases the code from them and their supplies), then any
    other record still carrying the code loses it. The kits still count. Flushes, audits."""
    area_orgs = select(Organisation.id).where(Organisation.area_id == user.organisation.area_id)
    in_force = db.session.scalars(
        select(Consent).where(
            Consent.recipient_code.in_(codes),
            Consent.organisation_id.in_(area_orgs),
            Consent.withdrawn_on.is_(None),
        )
    ).all()
    today = uk_today()
    for consent in in_force:
        withdraw(consent, max(today, consent.given_on), user)
    rest = erase_codes(codes, area_orgs)
    audit.record(
        "subject_access.erase",
        user=user,
        consents_withdrawn=len(in_force),
        consents_erased=rest["consents"],
        supplies_erased=rest["supplies"],
    )
    return {"consents_withdrawn": len(in_force), **rest}
