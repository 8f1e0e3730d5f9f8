"""What coordinators change. Each function checks scope, flushes and audits; views commit."""

import datetime as dt
import secrets

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import select

from .. import alerts, audit, emails, vocab
from ..auth.privilege import link_goes_by_email, may_act_on
from ..extensions import db
from ..models import Device, DrugAlert, Organisation, Site, SupplierSignOff, User, utcnow
from ..rules import SUPPLYING_ROLES, refresher_due_from
from ..scoping import managed_organisation_ids
from ..signing import make_invitation


def managed_user(coordinator: User, user_id: int) -> User:
    """A person the coordinator's service runs and who ranks below them, or 404: never
    another service's person, a fellow coordinator, or the coordinator themselves."""
    user = db.session.scalar(
        select(User).where(
            User.id == user_id, User.organisation_id.in_(managed_organisation_ids(coordinator))
        )
    )
    if user is None or not may_act_on(coordinator, user):
        abort(404)
    return user


def area_coordinator(admin: User, user_id: int) -> User:
    """A coordinator of a drug service in the admin's area, or 404."""
    user = db.session.scalar(
        select(User)
        .join(Organisation, User.organisation_id == Organisation.id)
        .where(
            User.id == user_id,
            User.role == "coordinator",
            Organisation.area_id == admin.organisation.area_id,
        )
    )
    if user is None or not may_act_on(admin, user):
        abort(404)
    return user


def issue_setup_link(issuer: User, person: User) -> str | None:
    """A one-time set-up link for `person`, audited.

    Returns the token when the issuer may be shown it (a peer's or pharmacist's
    coordinator); otherwise emails it to the person and returns None. Raises
    emails.MailNotSent when that email cannot be sent.
    """
    if not may_act_on(issuer, person):
        abort(404)
    token = make_invitation(person)
    by_email = link_goes_by_email(person)
    if by_email:
        emails.send_setup_link(person, token)
    audit.record(
        "user.invite", "user", person.id, user=issuer, delivery="email" if by_email else "shown"
    )
    return None if by_email else token


def managed_device(coordinator: User, device_id: str) -> Device:
    """A phone of someone the coordinator's service runs, or 404."""
    device = db.session.scalar(
        select(Device)
        .join(User, Device.user_id == User.id)
        .where(
            Device.id == device_id, User.organisation_id.in_(managed_organisation_ids(coordinator))
        )
    )
    if device is None:
        abort(404)
    return device


def create_alert(coordinator: User, form) -> DrugAlert:
    """Issue a drug alert to the service's phones or, with a commissioner's agreement, to
    the whole area; address it to every phone it goes to (phones get it at their next
    sync; red ones are pushed too, after commit: peerkit.webpush)."""
    area_wide = form.scope.data == "area"
    alert = DrugAlert(
        scope="area" if area_wide else "service",
        agreed_by_id=form.agreed_by.data if area_wide else None,
        agreement_note=form.agreement_note.data.strip() if area_wide else None,
        organisation_id=coordinator.organisation_id,
        substance=form.substance.data.strip(),
        area_description=form.area_description.data.strip(),
        description=form.description.data.strip(),
        advice=form.advice.data.strip(),
        grading=form.grading.data,
        issued_at=utcnow(),
        expires_at=utcnow() + dt.timedelta(days=form.days.data),
        created_by_id=coordinator.id,
    )
    db.session.add(alert)
    db.session.flush()
    reports = alerts.triage_reports(coordinator, form.report_ids.data)
    alerts.link_reports(alert, reports)
    phones = alerts.address(alert)
    audit.record(
        "drug_alert.create",
        "drug_alert",
        alert.id,
        user=coordinator,
        grading=alert.grading,
        scope=alert.scope,
        agreed_by=alert.agreed_by_id,
        field_reports=[r.id for r in reports],
        phones=len(phones),
    )
    return alert


def withdraw_alert(coordinator: User, alert_id: int) -> None:
    """Take an alert off phones before it expires."""
    alert = db.session.scalar(
        select(DrugAlert).where(
            DrugAlert.id == alert_id, DrugAlert.organisation_id == coordinator.organisation_id
        )
    )
    if alert is None:
        abort(404)
    if alert.withdrawn_at is None:
        alert.withdrawn_at = utcnow()
        audit.record("drug_alert.withdraw", "drug_alert", alert.id, user=coordinator)
    db.session.flush()


def sign_off(coordinator: User, user: User, trained_on: dt.date, assessed_on: dt.date):
    """Record a supplier sign-off; the refresher falls due twelve months after assessment."""
    if not may_act_on(coordinator, user):
        abort(404)  # never one's own competency, nor a fellow coordinator's
    if user.role not in SUPPLYING_ROLES:
        abort(400)
    record = SupplierSignOff(
        user=user,
        assessed_by=coordinator,
        trained_on=trained_on,
        assessed_on=assessed_on,
        refresher_due=refresher_due_from(assessed_on),
    )
    db.session.add(record)
    db.session.flush()
    audit.record(
        "supplier.sign_off",
        "user",
        user.id,
        user=coordinator,
        refresher_due=record.refresher_due.isoformat(),
    )
    return record


# Which roles belong in which kind of organisation the service runs.
ROLE_ORGANISATION_KINDS = {
    "peer": ("peer_group", "partner_agency"),
    "pharmacy": ("pharmacy",),
    "carrier": ("partner_agency",),
}


def create_person(
    coordinator: User, display_name: str, username: str, organisation_id: int, role: str
) -> User:
    """A new peer, pharmacy or carrier account with no usable password until they follow
    their link."""
    organisation = db.session.scalar(
        select(Organisation).where(
            Organisation.id == organisation_id,
            Organisation.id.in_(managed_organisation_ids(coordinator)),
        )
    )
    if organisation is None:
        abort(404)
    if organisation.kind not in ROLE_ORGANISATION_KINDS.get(role, ()):
        kinds = (" " + _("or") + " ").join(
            str(vocab.ORGANISATION_KINDS[kind]).lower() for kind in ROLE_ORGANISATION_KINDS[role]
        )
        raise ValueError(
            _(
                "A %(role)s account belongs in a %(kinds)s.",
                role=str(vocab.ROLES[role]).lower(),
                kinds=kinds,
            )
        )
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValueError(_("That username is taken: choose another."))
    user = User(
        username=username, display_name=display_name.strip(), role=role, organisation=organisation
    )
    user.set_password(secrets.token_urlsafe(32))  # unknown to anyone: set via the link
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id, user=coordinator, role=role)
    return user


def area_organisations(admin: User):
    """Organisations in the admin's commissioning area."""
    return select(Organisation).where(Organisation.area_id == admin.organisation.area_id)


def create_organisation(admin: User, name: str, kind: str, managed_by_id: int | None):
    """A drug service, pharmacy, peer group or partner agency in the admin's area."""
    if managed_by_id:
        service = db.session.scalar(
            area_organisations(admin).where(
                Organisation.id == managed_by_id, Organisation.kind == "drug_service"
            )
        )
        if service is None:
            abort(404)
    if db.session.scalar(select(Organisation.id).where(Organisation.name == name.strip())):
        raise ValueError(_("An organisation with that name exists."))
    organisation = Organisation(
        name=name.strip(),
        kind=kind,
        area_id=admin.organisation.area_id,
        managed_by_id=managed_by_id or None,
    )
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.create", "organisation", organisation.id, user=admin, kind=kind)
    return organisation


def create_site(user: User, organisation_id: int, name: str, site_type: str, district: str):
    """A site of an organisation the user runs (coordinator) or oversees (admin)."""
    from ..rules import normalise_area

    scope = (
        area_organisations(user)
        if user.role == "admin"
        else select(Organisation).where(Organisation.id.in_(managed_organisation_ids(user)))
    )
    organisation = db.session.scalar(scope.where(Organisation.id == organisation_id))
    if organisation is None:
        abort(404)
    district = normalise_area(district)
    site = Site(
        organisation=organisation,
        name=name.strip(),
        site_type=site_type,
        postcode_district=district,
    )
    db.session.add(site)
    db.session.flush()
    audit.record("site.create", "site", site.id, user=user)
    return site


def create_coordinator(
    admin: User, display_name: str, username: str, organisation_id: int, email: str
):
    """A coordinator account for a drug service in the admin's area; its set-up link goes
    to `email`, never to the admin (see peerkit.auth.privilege)."""
    service = db.session.scalar(
        area_organisations(admin).where(
            Organisation.id == organisation_id, Organisation.kind == "drug_service"
        )
    )
    if service is None:
        abort(404)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ValueError(_("That username is taken: choose another."))
    user = User(
        username=username,
        display_name=display_name.strip(),
        role="coordinator",
        organisation=service,
        email=email.strip(),
    )
    user.set_password(secrets.token_urlsafe(32))
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", "user", user.id, user=admin, role="coordinator")
    return user
