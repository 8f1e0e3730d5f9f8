"""Drug alerts across the area: who an alert reaches, what phones said, field reports.

An alert goes to the issuing service's phones ("service" scope: the service and the
organisations it runs) or, with the commissioner's agreement recorded, to every service,
pharmacy and partner of the area ("area" scope). Phones get it by pull as always; red
alerts also go by Web Push (`peerkit.webpush`). Each phone it was sent to has an
`AlertDelivery` row, so the coordinator sees how many received and opened it.
"""

import datetime as dt

from flask import abort
from sqlalchemy import false, or_, select

from . import audit
from .extensions import db
from .models import (
    AlertDelivery,
    Device,
    DrugAlert,
    FieldReport,
    Organisation,
    PushSubscription,
    User,
    utcnow,
)
from .scoping import managed_organisation_ids


def target_organisations(alert: DrugAlert):
    """A subquery of the organisation ids whose phones `alert` goes to."""
    service = db.session.get(Organisation, alert.organisation_id)
    if alert.scope == "area":
        return select(Organisation.id).where(Organisation.area_id == service.area_id)
    return select(Organisation.id).where(
        or_(Organisation.id == service.id, Organisation.managed_by_id == service.id)
    )


def visible_to(user: User):
    """The condition on DrugAlert for alerts `user`'s phone receives: its service's alerts,
    and area alerts from any service of its area."""
    org = user.organisation
    holders = [org.id] + ([org.managed_by_id] if org.managed_by_id else [])
    if org.area_id is None:
        return false()
    area = select(Organisation.id).where(Organisation.area_id == org.area_id)
    return or_(
        DrugAlert.organisation_id.in_(holders),
        (DrugAlert.scope == "area") & DrugAlert.organisation_id.in_(area),
    )


def target_devices(alert: DrugAlert) -> list[Device]:
    """Phones in use (not locked out, of active people) of the alert's organisations."""
    return db.session.scalars(
        select(Device)
        .join(User, Device.user_id == User.id)
        .where(
            User.organisation_id.in_(target_organisations(alert)),
            User.active.is_(True),
            Device.revoked_at.is_(None),
        )
    ).all()


def address(alert: DrugAlert) -> list[AlertDelivery]:
    """A delivery row for every phone the alert is sent to (flushed)."""
    rows = [AlertDelivery(alert_id=alert.id, device_id=d.id) for d in target_devices(alert)]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def record_receipt(device: Device, alert_id: int, event: str) -> AlertDelivery:
    """The phone received (or its person opened) an alert it may see; 404 otherwise.

    Idempotent: the first time of each counts. Opening implies receiving."""
    alert = db.session.scalar(
        select(DrugAlert).where(DrugAlert.id == alert_id, visible_to(device.user))
    )
    if alert is None:
        abort(404)
    delivery = db.session.scalar(
        select(AlertDelivery).where(
            AlertDelivery.alert_id == alert.id, AlertDelivery.device_id == device.id
        )
    )
    if delivery is None:  # a phone set up after the alert went out, reached by pull
        delivery = AlertDelivery(alert_id=alert.id, device_id=device.id)
        db.session.add(delivery)
    now = utcnow()
    delivery.received_at = delivery.received_at or now
    if event == "opened":
        delivery.opened_at = delivery.opened_at or now
    db.session.flush()
    return delivery


def save_subscription(
    device: Device, permission: str, endpoint: str | None, keys: dict | None
) -> PushSubscription:
    """Keep the phone's answer to "allow notifications?" and its subscription if allowed."""
    row = db.session.get(PushSubscription, device.id) or PushSubscription(device_id=device.id)
    row.permission = permission
    granted = permission == "granted"
    row.endpoint = endpoint if granted else None
    row.p256dh = keys["p256dh"] if granted else None
    row.auth = keys["auth"] if granted else None
    row.updated_at = utcnow()
    db.session.add(row)
    db.session.flush()
    audit.record(
        "device.notifications", "device", device.id, user=device.user, permission=permission
    )
    return row


def delivery_counts(alert: DrugAlert) -> dict:
    """How many phones it was sent to, pushed to, and that received and opened it."""
    rows = db.session.scalars(select(AlertDelivery).where(AlertDelivery.alert_id == alert.id)).all()
    return {
        "sent_to": len(rows),
        "pushed": sum(1 for r in rows if r.pushed_at),
        "push_failed": sum(1 for r in rows if r.push_error),
        "received": sum(1 for r in rows if r.received_at),
        "opened": sum(1 for r in rows if r.opened_at),
    }


def refused_phones(organisation_ids) -> list[tuple[Device, User]]:
    """Phones in use, of people of `organisation_ids`, that refused notifications: the
    coordinator phones these people when a red alert goes out."""
    return db.session.execute(
        select(Device, User)
        .join(User, Device.user_id == User.id)
        .join(PushSubscription, PushSubscription.device_id == Device.id)
        .where(
            User.organisation_id.in_(organisation_ids),
            User.active.is_(True),
            Device.revoked_at.is_(None),
            PushSubscription.permission == "denied",
        )
        .order_by(User.display_name)
    ).all()


def link_reports(alert: DrugAlert, reports: list[FieldReport]) -> None:
    """Mark the field reports an alert was made from."""
    for report in reports:
        report.alert_id = alert.id
        report.triage_status = "alerted"
    db.session.flush()


def area_commissioners(coordinator: User) -> list[User]:
    """Commissioners of the coordinator's area: who may agree to an area-wide alert."""
    return db.session.scalars(
        select(User)
        .where(
            User.role == "commissioner",
            User.active.is_(True),
            User.organisation_id == coordinator.organisation.area_id,
        )
        .order_by(User.display_name)
    ).all()


def triage_reports(coordinator: User, ids_text: str | None) -> list[FieldReport]:
    """Field reports the coordinator may triage, from comma-separated ids; others are
    ignored (never another service's)."""
    ids = [part.strip() for part in (ids_text or "").split(",") if part.strip()]
    if not ids:
        return []
    return db.session.scalars(
        select(FieldReport).where(
            FieldReport.id.in_(ids[:200]),
            FieldReport.organisation_id.in_(managed_organisation_ids(coordinator)),
        )
    ).all()


def dismiss_report(coordinator: User, report_id: str) -> FieldReport:
    """Set a field report aside (no alert needed), audited; 404 outside the service."""
    reports = triage_reports(coordinator, report_id)
    if not reports:
        abort(404)
    report = reports[0]
    report.triage_status = "dismissed"
    db.session.flush()
    audit.record("field_report.dismiss", "field_report", report.id, user=coordinator)
    return report


def triage_clusters(coordinator: User, since) -> list[dict]:
    """The service's field reports seen since `since`, clustered by postcode district and
    week (Monday), biggest and newest clusters first. Held reports are included (a locked-out
    phone's warning still matters) and marked by their review status."""
    reports = db.session.scalars(
        select(FieldReport)
        .where(
            FieldReport.organisation_id.in_(managed_organisation_ids(coordinator)),
            FieldReport.seen_on >= since,
        )
        .order_by(FieldReport.seen_on.desc())
    ).all()
    clusters: dict[tuple, dict] = {}
    for report in reports:
        monday = report.seen_on - dt.timedelta(days=report.seen_on.weekday())
        cluster = clusters.setdefault(
            (report.area, monday), {"area": report.area, "week": monday, "reports": []}
        )
        cluster["reports"].append(report)
    for cluster in clusters.values():
        cluster["new"] = [r for r in cluster["reports"] if r.triage_status == "new"]
        cluster["more_than_one_dose"] = sum(r.more_than_one_dose for r in cluster["reports"])
    return sorted(
        clusters.values(),
        key=lambda c: (-len(c["new"]), -len(c["reports"]), -c["week"].toordinal(), c["area"]),
    )
