"""The reads behind the coordination pages, kept out of the views so a view reads as
scope, form, operation, page. Each takes the signed-in user and returns only what that
user's service (or, for admins, area) may see."""

import datetime as dt

from sqlalchemy import func, select

from .. import alerts as alert_rules
from .. import ratelimit
from ..auth.privilege import may_act_on
from ..clock import uk_today
from ..extensions import db
from ..models import (
    AuditEvent,
    DrugAlert,
    Organisation,
    Product,
    StockBatch,
    SupplierSignOff,
    TrainingSession,
    User,
    utcnow,
)
from ..rules import SUPPLYING_ROLES
from ..scoping import managed_organisation_ids
from . import stock_ops

DUE_SOON = dt.timedelta(days=30)
LOW_STOCK = 3  # kits: fewer than this in someone's hands is worth topping up
EXPIRES_SOON_DAYS = 90


def area_organisations_and_coordinators(admin: User) -> tuple[list, list]:
    """An admin's area: its organisations by kind and name, and their coordinators."""
    organisations = db.session.scalars(
        select(Organisation)
        .where(Organisation.area_id == admin.organisation.area_id)
        .order_by(Organisation.kind, Organisation.name)
    ).all()
    coordinators = db.session.scalars(
        select(User)
        .where(User.role == "coordinator", User.organisation_id.in_([o.id for o in organisations]))
        .order_by(User.display_name)
    ).all()
    return organisations, coordinators


def live_alert_count(coordinator: User) -> int:
    """How many of the service's own alerts phones still show (neither withdrawn nor
    expired)."""
    return db.session.scalar(
        select(func.count(DrugAlert.id)).where(
            DrugAlert.organisation_id == coordinator.organisation_id,
            DrugAlert.withdrawn_at.is_(None),
            DrugAlert.expires_at > utcnow(),
        )
    )


def recent_alerts(user: User, limit: int = 50) -> list[DrugAlert]:
    """The newest alerts the user may see, newest first."""
    return db.session.scalars(
        select(DrugAlert)
        .where(alert_rules.visible_to(user))
        .order_by(DrugAlert.issued_at.desc())
        .limit(limit)
    ).all()


def people_status(coordinator: User) -> list[dict]:
    """The service's suppliers with their current sign-off and whether it is due:
    overdue and never signed off first."""
    today = uk_today()
    people = db.session.scalars(
        select(User)
        .where(
            User.organisation_id.in_(managed_organisation_ids(coordinator)),
            User.role.in_(SUPPLYING_ROLES),
            User.active.is_(True),
        )
        .order_by(User.display_name)
    ).all()
    latest = {}
    for sign_off in db.session.scalars(
        select(SupplierSignOff)
        .where(
            SupplierSignOff.user_id.in_([p.id for p in people]),
            SupplierSignOff.withdrawn_at.is_(None),
        )
        .order_by(SupplierSignOff.refresher_due)
    ):
        latest[sign_off.user_id] = sign_off
    rows = []
    for person in people:
        sign_off = latest.get(person.id)
        if sign_off is None:
            state = "none"
        elif sign_off.refresher_due < today:
            state = "overdue"
        elif sign_off.refresher_due - today <= DUE_SOON:
            state = "due"
        else:
            state = "current"
        may_act = may_act_on(coordinator, person)
        rows.append(
            {
                "user": person,
                "sign_off": sign_off,
                "state": state,
                "may_act": may_act,
                "locked": may_act and ratelimit.is_locked(person),
            }
        )
    order = {"overdue": 0, "none": 1, "due": 2, "current": 3}
    return sorted(rows, key=lambda r: order[r["state"]])


def audit_events(
    coordinator: User,
    action: str,
    who: int | None,
    since: dt.date | None,
    until: dt.date | None,
    limit: int = 200,
) -> list:
    """The service's audit events (with who did them), newest first, filtered by action,
    person and UK dates (both ends inclusive)."""
    query = (
        select(AuditEvent, User)
        .outerjoin(User, AuditEvent.user_id == User.id)
        .where(AuditEvent.organisation_id.in_(managed_organisation_ids(coordinator)))
    )
    if action:
        query = query.where(AuditEvent.action == action)
    if who:
        query = query.where(AuditEvent.user_id == who)
    if since:
        query = query.where(AuditEvent.at >= dt.datetime.combine(since, dt.time()))
    if until:
        query = query.where(
            AuditEvent.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time())
        )
    return db.session.execute(query.order_by(AuditEvent.at.desc()).limit(limit)).all()


def audit_filter_choices(coordinator: User) -> tuple[list, list]:
    """The actions recorded in the service and its people, for the audit log's filters."""
    managed = managed_organisation_ids(coordinator)
    actions = db.session.scalars(
        select(AuditEvent.action)
        .distinct()
        .where(AuditEvent.organisation_id.in_(managed))
        .order_by(AuditEvent.action)
    ).all()
    people = db.session.execute(
        select(User.id, User.display_name)
        .where(User.organisation_id.in_(managed))
        .order_by(User.display_name)
    ).all()
    return actions, people


def service_batches(coordinator: User) -> list[StockBatch]:
    """The service's own batches, soonest expiry first."""
    return db.session.scalars(
        select(StockBatch)
        .where(StockBatch.organisation_id == coordinator.organisation_id)
        .order_by(StockBatch.expiry_date)
    ).all()


def active_products() -> list[Product]:
    """Products a service may still book in, by name."""
    return db.session.scalars(
        select(Product).where(Product.active.is_(True)).order_by(Product.name)
    ).all()


def stock_table(
    holders: list[tuple[str, str]], batches: list[StockBatch], today: dt.date
) -> list[dict]:
    """Kits in each holder's hands by batch, flagging batches near expiry and low stock."""
    table = []
    for value, label in holders:
        kind, _separator, holder_id = value.partition(":")
        for batch_id, kits in stock_ops.in_hand(**{f"{kind}_id": int(holder_id)}).items():
            batch = next((b for b in batches if b.id == batch_id), None)
            if batch is not None and kits:
                table.append(
                    {
                        "holder": label,
                        "batch": batch,
                        "kits": kits,
                        "soon": (batch.expiry_date - today).days <= EXPIRES_SOON_DAYS,
                        "low": 0 < kits < LOW_STOCK,
                    }
                )
    return table


def supplying_organisations(coordinator: User) -> list[Organisation]:
    """The organisations a coordinator's new peers and pharmacists may belong to: those
    the service runs, not the drug service itself."""
    return db.session.scalars(
        select(Organisation)
        .where(
            Organisation.id.in_(managed_organisation_ids(coordinator)),
            Organisation.kind != "drug_service",
        )
        .order_by(Organisation.name)
    ).all()


def cascade_reach(coordinator: User) -> list:
    """Per trainer in the service: sessions run, people reached and kits taken."""
    return db.session.execute(
        select(
            User.display_name,
            func.count(TrainingSession.id),
            func.sum(
                TrainingSession.attendees_at_risk
                + TrainingSession.attendees_family
                + TrainingSession.attendees_worker
                + TrainingSession.attendees_unknown
            ),
            func.sum(TrainingSession.kits_taken),
        )
        .join(User, TrainingSession.user_id == User.id)
        .where(TrainingSession.organisation_id.in_(managed_organisation_ids(coordinator)))
        .group_by(User.display_name)
        .order_by(func.count(TrainingSession.id).desc())
    ).all()


def cascade_links(coordinator: User) -> list:
    """Who trained whom in the service (date, trainer, trainee, kind), newest first."""
    trainee = db.aliased(User)
    return db.session.execute(
        select(
            TrainingSession.session_date,
            User.display_name,
            trainee.display_name,
            TrainingSession.kind,
        )
        .join(User, TrainingSession.user_id == User.id)
        .join(trainee, TrainingSession.trainee_user_id == trainee.id)
        .where(TrainingSession.organisation_id.in_(managed_organisation_ids(coordinator)))
        .order_by(TrainingSession.session_date.desc())
    ).all()
