"""People, organisations and sites over time: renames, moves, leavers, closed sites.

Nothing here deletes: a person who leaves is made inactive (their phones revoked, their
web sessions ended) and everything they recorded, their sign-offs and their stock history
stay and keep counting. A closed site stays in history and is no longer offered in forms.

Who may manage whom is strictly downwards: a coordinator manages the peers, pharmacy staff
and carriers of the organisations their service runs; an admin manages the coordinators of
their area. Nobody manages themselves or an account at their own level or above.

Each function checks scope, flushes and audits (ids and codes only); views commit.
"""

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..devices import revoke_device
from ..extensions import db
from ..models import Device, Organisation, Site, User
from ..scoping import managed_organisation_ids
from ..stock import PERSONAL_HOLDER_ROLES, in_hand
from . import operations

# The roles each role may edit, move, deactivate and reactivate.
MANAGES = {"coordinator": ("peer", "pharmacy", "carrier"), "admin": ("coordinator",)}


def _area_organisation_ids(admin: User):
    return select(Organisation.id).where(Organisation.area_id == admin.organisation.area_id)


def managed_people(actor: User):
    """A statement of every account `actor` may manage, active or not."""
    if actor.role == "admin":
        scope = _area_organisation_ids(actor)
    else:
        scope = managed_organisation_ids(actor)
    return select(User).where(
        User.organisation_id.in_(scope),
        User.role.in_(MANAGES.get(actor.role, ())),
        User.id != actor.id,
    )


def manageable_person(actor: User, user_id: int) -> User:
    """The account `user_id` if `actor` may manage it: 404 outside their scope, 403 for
    themselves or an account at their own level or above."""
    if actor.role == "admin":
        person = db.session.scalar(
            select(User).where(
                User.id == user_id, User.organisation_id.in_(_area_organisation_ids(actor))
            )
        )
        if person is None:
            abort(404)
    else:
        person = operations.managed_user(actor, user_id)
    if person.id == actor.id or person.role not in MANAGES.get(actor.role, ()):
        abort(403)
    return person


def move_choices(coordinator: User, person: User) -> list[Organisation]:
    """Organisations of the coordinator's service that `person`'s role belongs in."""
    kinds = operations.ROLE_ORGANISATION_KINDS.get(person.role, ())
    return db.session.scalars(
        select(Organisation)
        .where(
            Organisation.id.in_(managed_organisation_ids(coordinator)), Organisation.kind.in_(kinds)
        )
        .order_by(Organisation.name)
    ).all()


def edit_person(
    actor: User, person: User, display_name: str, organisation_id: int | None = None
) -> None:
    """Change a person's display name and, for coordinators, move them to another
    organisation of the same service (e.g. a peer to another peer group).

    Records they made keep the organisation they were made in; from now on their phone
    records for the new one (it learns at its next sync).
    """
    display_name = display_name.strip()
    if not display_name:
        raise ValueError(_("Name: enter the name colleagues know them by."))
    if display_name != person.display_name:
        person.display_name = display_name
        audit.record("user.rename", "user", person.id, user=actor)
    if organisation_id is not None and organisation_id != person.organisation_id:
        if actor.role != "coordinator":
            abort(403)
        target = next((o for o in move_choices(actor, person) if o.id == organisation_id), None)
        if target is None:
            raise ValueError(
                _(
                    "Organisation: choose one of your service's organisations "
                    "that this person's role belongs in."
                )
            )
        moved_from = person.organisation_id
        person.organisation = target
        audit.record(
            "user.move",
            "user",
            person.id,
            user=actor,
            from_organisation_id=moved_from,
            to_organisation_id=target.id,
        )
    db.session.flush()


def kits_in_hand(person: User) -> int:
    """Kits a person still holds personally (0 for roles that hold stock at a site)."""
    if person.role not in PERSONAL_HOLDER_ROLES:
        return 0
    return sum(in_hand(user_id=person.id).values())


def deactivate_person(actor: User, person: User, reason: str = "") -> int:
    """Someone has left: make the account inactive, revoke every phone of theirs and end
    their web sessions at once. Their records, sign-offs and stock history stay.

    Returns the kits they still hold, which stay on the stock page until returned or
    written off.
    """
    if person.active:
        person.active = False
        person.session_version += 1  # every signed-in session of theirs ends now
        phones = db.session.scalars(
            select(Device).where(Device.user_id == person.id, Device.revoked_at.is_(None))
        ).all()
        for phone in phones:
            revoke_device(phone, actor, (reason or "").strip() or "Account deactivated")
        audit.record("user.deactivate", "user", person.id, user=actor, phones_revoked=len(phones))
    db.session.flush()
    return kits_in_hand(person)


def reactivate_person(actor: User, person: User) -> None:
    """Someone is back: they sign in with their password again (or a new set-up link);
    their old phones stay revoked, so they set a phone up again."""
    if not person.active:
        person.active = True
        audit.record("user.reactivate", "user", person.id, user=actor)
    db.session.flush()


def area_organisation(admin: User, organisation_id: int) -> Organisation:
    """An organisation in the admin's area, or 404."""
    organisation = db.session.scalar(
        operations.area_organisations(admin).where(Organisation.id == organisation_id)
    )
    if organisation is None:
        abort(404)
    return organisation


def area_site(admin: User, site_id: int) -> Site:
    """A site of an organisation in the admin's area, or 404."""
    site = db.session.scalar(
        select(Site).where(
            Site.id == site_id, Site.organisation_id.in_(_area_organisation_ids(admin))
        )
    )
    if site is None:
        abort(404)
    return site


def rename_organisation(admin: User, organisation: Organisation, name: str) -> None:
    """A new name for an organisation (names are unique: they label every figure)."""
    name = name.strip()
    if name == organisation.name:
        return
    if db.session.scalar(
        select(Organisation.id).where(Organisation.name == name, Organisation.id != organisation.id)
    ):
        raise ValueError(_("Name: another organisation already has that name."))
    organisation.name = name
    db.session.flush()
    audit.record("organisation.rename", "organisation", organisation.id, user=admin)


def rename_site(admin: User, site: Site, name: str) -> None:
    """A new name for a site; phones learn it at their next sync."""
    name = name.strip()
    if name != site.name:
        site.name = name
        db.session.flush()
        audit.record("site.rename", "site", site.id, user=admin)


def close_site(admin: User, site: Site) -> int:
    """Close a site: no longer offered in forms or on phones (from their next sync); its
    history stays. Returns the kits still held there, to be moved or written off."""
    if site.active:
        site.active = False
        db.session.flush()
        audit.record("site.close", "site", site.id, user=admin)
    return sum(in_hand(site_id=site.id).values())


def reopen_site(admin: User, site: Site) -> None:
    """Open a closed site again."""
    if not site.active:
        site.active = True
        db.session.flush()
        audit.record("site.reopen", "site", site.id, user=admin)
