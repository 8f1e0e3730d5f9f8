"""Coordination pages. Thin: scope, form, operation, commit once, redirect."""
import datetime as dt

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

import segno

from .. import alerts as alert_rules
from .. import audit, audit_sentences, devices, ratelimit, review, webpush
from ..auth.access import roles_required
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
from ..emails import MailNotSent, setup_link
from ..rules import SUPPLYING_ROLES
from ..scoping import managed_organisation_ids
from ..vocab import ORGANISATION_KINDS, ROLES
from . import bp, operations, phones, stock_ops
from .forms import (
    AmnestyForm,
    CoordinatorForm,
    DrugAlertForm,
    OrganisationForm,
    SiteForm,
    NewPersonForm,
    MoveStockForm,
    ReceiveStockForm,
    RecallForm,
    RevokeDeviceForm,
    SignOffForm,
)

DUE_SOON = dt.timedelta(days=30)
LOW_STOCK = 3  # kits: fewer than this in someone's hands is worth topping up


@bp.get("/")
@roles_required("coordinator", "admin")
def index():
    """The coordinator's start page (admins see organisations and coordinators)."""
    if current_user.role == "admin":
        organisations = db.session.scalars(select(Organisation).where(
            Organisation.area_id == current_user.organisation.area_id)
            .order_by(Organisation.kind, Organisation.name)).all()
        coordinators = db.session.scalars(select(User).where(
            User.role == "coordinator", User.organisation_id.in_([o.id for o in organisations]))
            .order_by(User.display_name)).all()
        return render_template("coordination/admin.html", organisations=organisations,
                               coordinators=coordinators, kinds=ORGANISATION_KINDS)
    return render_template("coordination/index.html", counts=_counts())


def _counts() -> dict:
    status = _people_status()
    phones_now = phones.phones_of_service(current_user, utcnow())
    return {
        "held": review.held_count(current_user),
        "devices": phones.in_use_count(phones_now),
        "silent": phones.silent_count(phones_now),
        "overdue": sum(1 for p in status if p["state"] in ("overdue", "none")),
        "due": sum(1 for p in status if p["state"] == "due"),
        "alerts": db.session.scalar(select(func.count(DrugAlert.id)).where(
            DrugAlert.organisation_id == current_user.organisation_id,
            DrugAlert.withdrawn_at.is_(None), DrugAlert.expires_at > utcnow())),
    }


@bp.get("/devices")
@roles_required("coordinator")
def device_list():
    """Every phone of the service's people, grouped by person: last sync, waiting, lock-out."""
    people = phones.phones_of_service(current_user, utcnow())
    return render_template("coordination/devices.html", people=people,
                           in_use=phones.in_use_count(people),
                           silent=phones.silent_count(people), form=RevokeDeviceForm())


@bp.post("/devices/<device_id>/revoke")
@roles_required("coordinator")
def revoke(device_id):
    """Lock a lost phone out at once (audited by devices.revoke_device)."""
    device = operations.managed_device(current_user, device_id)
    form = RevokeDeviceForm()
    if not form.validate_on_submit():
        flash(_("Give a reason to lock the phone out."), "error")
        return redirect(url_for("coordination.device_list"))
    devices.revoke_device(device, current_user, form.reason.data)
    db.session.commit()
    waiting = device.records_waiting or 0
    flash(_("%(phone)s is locked out. When it last synced it had %(n)s record(s) waiting: "
            "if it connects again it sends what it has, which is kept and held for review, "
            "and then deletes PeerKit's data.", phone=device.label or _("The phone"),
            n=waiting), "info")
    return redirect(url_for("coordination.device_list"))


@bp.route("/alerts", methods=["GET", "POST"])
@roles_required("coordinator")
def alerts():
    """Drug alerts: issue one to the service's phones or (agreed) the area; see them all."""
    form = DrugAlertForm()
    form.agreed_by.choices = [SelectChoice("", _l("Not needed for our own phones"))] + [
        SelectChoice(u.id, u.display_name) for u in alert_rules.area_commissioners(current_user)]
    if request.method == "GET" and request.args.get("reports"):
        form.report_ids.data = request.args["reports"][:8000]  # from the triage list
    if form.validate_on_submit():
        alert = operations.create_alert(current_user, form)
        db.session.commit()
        # After commit: pushing waits on push services, never inside a transaction.
        pushed = webpush.push_alert(alert)
        db.session.commit()
        if pushed:
            flash(_("Alert sent: phones show it from their next sync; pushed to %(n)s "
                    "phone(s) now.", n=pushed), "info")
        else:
            flash(_("Alert sent: phones show it from their next sync."), "info")
        return redirect(url_for("coordination.alert_detail", alert_id=alert.id))
    rows = db.session.scalars(select(DrugAlert).where(alert_rules.visible_to(current_user))
                              .order_by(DrugAlert.issued_at.desc()).limit(50)).all()
    return render_template("coordination/alerts.html", form=form, rows=rows, now=utcnow()), \
        (400 if form.errors else 200)


@bp.post("/alerts/<int:alert_id>/withdraw")
@roles_required("coordinator")
def withdraw_alert(alert_id):
    """Take an alert off phones early."""
    if not FlaskForm().validate_on_submit():  # a button: only its CSRF token to check
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.alerts"))
    operations.withdraw_alert(current_user, alert_id)
    db.session.commit()
    flash(_("Alert withdrawn: phones drop it at their next sync."), "info")
    return redirect(url_for("coordination.alerts"))


def _people_status() -> list[dict]:
    """The service's suppliers with their current sign-off and whether it is due."""
    today = uk_today()
    people = db.session.scalars(select(User).where(
        User.organisation_id.in_(managed_organisation_ids(current_user)),
        User.role.in_(SUPPLYING_ROLES), User.active.is_(True)).order_by(User.display_name)).all()
    latest = {}
    for sign_off in db.session.scalars(select(SupplierSignOff).where(
            SupplierSignOff.user_id.in_([p.id for p in people]),
            SupplierSignOff.withdrawn_at.is_(None)).order_by(SupplierSignOff.refresher_due)):
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
        may_act = may_act_on(current_user, person)
        rows.append({"user": person, "sign_off": sign_off, "state": state, "may_act": may_act,
                     "locked": may_act and ratelimit.is_locked(person)})
    order = {"overdue": 0, "none": 1, "due": 2, "current": 3}
    return sorted(rows, key=lambda r: order[r["state"]])


@bp.get("/people")
@roles_required("coordinator")
def people():
    """Suppliers and their sign-off: overdue and due first."""
    return render_template("coordination/people.html", rows=_people_status(), roles=ROLES)


@bp.route("/people/<int:user_id>/sign-off", methods=["GET", "POST"])
@roles_required("coordinator", "admin")
def sign_off(user_id):
    """Record that a person's supplier training and competency are signed off.

    Coordinators sign off the people their service runs; a coordinator's own sign-off
    (they supply at the service) comes from an admin of the area, never a fellow
    coordinator (the privilege rule, peerkit/auth/privilege.py)."""
    if current_user.role == "admin":
        person = operations.area_coordinator(current_user, user_id)
        done = url_for("coordination.index")
    else:
        person = operations.managed_user(current_user, user_id)
        done = url_for("coordination.people")
    form = SignOffForm()
    if form.validate_on_submit():
        record = operations.sign_off(current_user, person, form.trained_on.data,
                                     form.assessed_on.data)
        db.session.commit()
        flash(_("%(name)s is signed off until %(day)s.", name=person.display_name,
                day=f"{record.refresher_due:%d/%m/%Y}"), "info")
        return redirect(done)
    if request.method == "GET":
        form.trained_on.data = form.assessed_on.data = uk_today()
    return render_template("coordination/sign_off.html", form=form, person=person), \
        (400 if form.errors else 200)


@bp.get("/audit")
@roles_required("coordinator")
def audit_log():
    """Who did what, when, in this service; filter by action, person and dates."""
    managed = managed_organisation_ids(current_user)
    action = (request.args.get("action") or "").strip()[:60]
    who = request.args.get("user", type=int)
    since = _date_arg("since")
    until = _date_arg("until")
    query = select(AuditEvent, User).outerjoin(User, AuditEvent.user_id == User.id).where(
        AuditEvent.organisation_id.in_(managed))
    if action:
        query = query.where(AuditEvent.action == action)
    if who:
        query = query.where(AuditEvent.user_id == who)
    if since:
        query = query.where(AuditEvent.at >= dt.datetime.combine(since, dt.time()))
    if until:
        query = query.where(AuditEvent.at < dt.datetime.combine(until + dt.timedelta(days=1),
                                                                dt.time()))
    rows = db.session.execute(query.order_by(AuditEvent.at.desc()).limit(200)).all()
    sentences = audit_sentences.describe([event for event, _ in rows])
    actions = db.session.scalars(select(AuditEvent.action).distinct().where(
        AuditEvent.organisation_id.in_(managed)).order_by(AuditEvent.action)).all()
    people = db.session.execute(select(User.id, User.display_name).where(
        User.organisation_id.in_(managed)).order_by(User.display_name)).all()
    return render_template("coordination/audit.html", rows=zip(rows, sentences), actions=actions, action=action,
                           people=people, who=who, since=since, until=until)


def _date_arg(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _stock_forms():
    batches = db.session.scalars(select(StockBatch).where(
        StockBatch.organisation_id == current_user.organisation_id)
        .order_by(StockBatch.expiry_date)).all()
    places = stock_ops.holders(current_user)
    # Kits can still come back from a closed site or someone who has left, not go to them.
    sources = stock_ops.holders(current_user, with_leavers=True)
    receive = ReceiveStockForm(prefix="receive")
    receive.product_id.choices = [(p.id, p.name) for p in db.session.scalars(
        select(Product).where(Product.active.is_(True)).order_by(Product.name))]
    receive.to.choices = [p for p in places if p[0].startswith("site:")]
    move = MoveStockForm(prefix="move")
    move.batch_id.choices = [(b.id, _("%(product)s %(batch)s (expires %(day)s)",
                                      product=b.product.name, batch=b.batch_number,
                                      day=f"{b.expiry_date:%d/%m/%Y}")) for b in batches]
    move.source.choices = sources
    move.destination.choices = [("", _("Not a transfer"))] + places
    amnesty = AmnestyForm(prefix="amnesty")
    amnesty.holder.choices = amnesty.new_from.choices = places
    amnesty.old_batch_id.choices = amnesty.new_batch_id.choices = move.batch_id.choices
    return batches, sources, receive, move, amnesty


@bp.route("/stock", methods=["GET", "POST"])
@roles_required("coordinator")
def stock():
    """Kits by holder and batch; record deliveries, transfers and write-offs."""
    batches, holders, receive, move, amnesty = _stock_forms()
    status = 200
    if request.method == "POST":
        form = (receive if "receive-submit" in request.form
                else amnesty if "amnesty-submit" in request.form else move)
        if form.validate_on_submit():
            try:
                if form is amnesty:
                    stock_ops.amnesty(
                        current_user, form.holder.data,
                        stock_ops.service_batch(current_user, form.old_batch_id.data),
                        stock_ops.service_batch(current_user, form.new_batch_id.data),
                        form.new_from.data, form.quantity.data)
                elif form is receive:
                    stock_ops.receive(current_user, form.product_id.data, form.batch_number.data,
                                      form.expiry_date.data, form.quantity.data, form.to.data)
                else:
                    batch = stock_ops.service_batch(current_user, form.batch_id.data)
                    stock_ops.move_out(current_user, batch, form.quantity.data, form.source.data,
                                       form.kind.data,
                                       form.destination.data if form.kind.data == "transferred"
                                       else None)
                db.session.commit()
                flash(_("Stock updated."), "info")
                return redirect(url_for("coordination.stock"))
            except stock_ops.StockError as error:
                db.session.rollback()
                flash(str(error), "error")
                status = 409
        else:
            status = 400
    today = uk_today()
    table = []
    for value, label in holders:
        kind, _separator, holder_id = value.partition(":")
        for batch_id, kits in stock_ops.in_hand(**{f"{kind}_id": int(holder_id)}).items():
            batch = next((b for b in batches if b.id == batch_id), None)
            if batch is not None and kits:
                table.append({"holder": label, "batch": batch, "kits": kits,
                              "soon": (batch.expiry_date - today).days <= 90,
                              "low": 0 < kits < LOW_STOCK})
    return render_template("coordination/stock.html", table=table, batches=batches,
                           receive=receive, move=move, amnesty=amnesty, today=today), status


@bp.route("/batches/<int:batch_id>", methods=["GET", "POST"])
@roles_required("coordinator")
def batch_detail(batch_id):
    """One batch: every supply of it (for a recall), and the recall itself."""
    batch = stock_ops.service_batch(current_user, batch_id)
    form = RecallForm()
    if form.validate_on_submit():
        services = stock_ops.recall_by_number(current_user, batch.product_id,
                                              batch.batch_number, form.reason.data)
        db.session.commit()
        flash(_("Batch %(batch)s is recalled at %(n)s service(s) of the area. Phones flag it "
                "at their next sync.", batch=batch.batch_number, n=services), "info")
        return redirect(url_for("coordination.batch_detail", batch_id=batch.id))
    return render_template("coordination/batch.html", batch=batch, form=form,
                           supplies=stock_ops.recall_trace(current_user, batch)), \
        (400 if form.errors else 200)


def _invitation_page(person, token: str):
    """The set-up link of a peer or pharmacist for their coordinator, with a QR code to
    scan on the new phone (a link only this coordinator may see: peerkit.auth.privilege)."""
    link = setup_link(token)
    qr = segno.make(link, error="m").svg_inline(scale=4, title=_("Set-up link as a QR code"))
    return render_template("coordination/invitation.html", person=person, link=link, qr=qr)


@bp.route("/people/new", methods=["GET", "POST"])
@roles_required("coordinator")
def new_person():
    """Create a peer or pharmacy account and show its one-time set-up link."""
    form = NewPersonForm()
    form.organisation_id.choices = [(o.id, o.name) for o in db.session.scalars(
        select(Organisation).where(Organisation.id.in_(managed_organisation_ids(current_user)),
                                   Organisation.kind != "drug_service")
        .order_by(Organisation.name))]
    if form.validate_on_submit():
        try:
            person = operations.create_person(current_user, form.display_name.data,
                                              form.username.data, form.organisation_id.data,
                                              form.role.data)
        except ValueError as error:
            db.session.rollback()
            flash(str(error), "error")
            return render_template("coordination/new_person.html", form=form), 400
        page = _invitation_page(person, operations.issue_setup_link(current_user, person))
        db.session.commit()
        return page
    return render_template("coordination/new_person.html", form=form), \
        (400 if form.errors else 200)


@bp.post("/people/<int:user_id>/invite")
@roles_required("coordinator")
def reinvite(user_id):
    """A fresh set-up link for someone the coordinator manages, e.g. for a forgotten
    password (the old password stops working only when the new one is set)."""
    person = operations.managed_user(current_user, user_id)
    if not FlaskForm().validate_on_submit():
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.people"))
    page = _invitation_page(person, operations.issue_setup_link(current_user, person))
    db.session.commit()
    return page


@bp.post("/people/<int:user_id>/unlock")
@roles_required("coordinator")
def unlock(user_id):
    """Clear the sign-in lock on someone the coordinator manages (too many failed tries
    from many places), once the coordinator knows the person is who they say."""
    person = operations.managed_user(current_user, user_id)
    if not FlaskForm().validate_on_submit():
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.people"))
    ratelimit.unlock(person)
    audit.record("user.unlock", "user", person.id, user=current_user)
    db.session.commit()
    flash(_("%(name)s can sign in again.", name=person.display_name), "info")
    return redirect(url_for("coordination.people"))


@bp.post("/coordinators/<int:user_id>/invite")
@roles_required("admin")
def reinvite_coordinator(user_id):
    """Email a coordinator a fresh set-up link (the admin never sees it)."""
    person = operations.area_coordinator(current_user, user_id)
    if not FlaskForm().validate_on_submit():
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.index"))
    try:
        operations.issue_setup_link(current_user, person)
    except MailNotSent as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("coordination.index"))
    db.session.commit()
    flash(_("A new set-up link has been emailed to %(name)s.", name=person.display_name),
          "info")
    return redirect(url_for("coordination.index"))


@bp.route("/organisations", methods=["GET", "POST"])
@roles_required("admin")
def organisations():
    """Admins add organisations, sites and coordinators for their area."""
    org_form, site_form, coordinator_form = (OrganisationForm(prefix="org"),
                                             SiteForm(prefix="site"),
                                             CoordinatorForm(prefix="coord"))
    orgs = db.session.scalars(operations.area_organisations(current_user)
                              .order_by(Organisation.name)).all()
    services = [(o.id, o.name) for o in orgs if o.kind == "drug_service"]
    org_form.managed_by_id.choices = [(0, _("Not run by a service"))] + services
    site_form.organisation_id.choices = [(o.id, o.name) for o in orgs
                                         if o.kind != "commissioning_area"]
    coordinator_form.organisation_id.choices = services
    submitted = next((f for f in (org_form, site_form, coordinator_form)
                      if f.submit.name in request.form), None)
    if submitted is not None and submitted.validate_on_submit():
        try:
            if submitted is org_form:
                operations.create_organisation(current_user, org_form.name.data,
                                               org_form.kind.data, org_form.managed_by_id.data)
            elif submitted is site_form:
                operations.create_site(current_user, site_form.organisation_id.data,
                                       site_form.name.data, site_form.site_type.data,
                                       site_form.postcode_district.data)
            else:
                person = operations.create_coordinator(
                    current_user, coordinator_form.display_name.data,
                    coordinator_form.username.data, coordinator_form.organisation_id.data,
                    coordinator_form.email.data)
                try:
                    operations.issue_setup_link(current_user, person)
                except MailNotSent as error:
                    # The account stands; its link can be sent again from the start page.
                    db.session.commit()
                    flash(_("%(name)s's account is created, but: %(error)s",
                            name=person.display_name, error=error), "error")
                    return redirect(url_for("coordination.index"))
                db.session.commit()
                flash(_("%(name)s's account is created and their set-up link emailed to "
                        "them.", name=person.display_name), "info")
                return redirect(url_for("coordination.index"))
            db.session.commit()
            flash(_("Saved."), "info")
            return redirect(url_for("coordination.organisations"))
        except ValueError as error:
            db.session.rollback()
            flash(str(error), "error")
    status = 400 if submitted is not None else 200
    return render_template("coordination/organisations.html", orgs=orgs, kinds=ORGANISATION_KINDS,
                           org_form=org_form, site_form=site_form,
                           coordinator_form=coordinator_form), status


@bp.get("/cascade")
@roles_required("coordinator")
def cascade():
    """The training cascade: how many people each trainer reached, and who trained whom."""
    managed = managed_organisation_ids(current_user)
    reach = db.session.execute(
        select(User.display_name, func.count(TrainingSession.id),
               func.sum(TrainingSession.attendees_at_risk + TrainingSession.attendees_family
                        + TrainingSession.attendees_worker + TrainingSession.attendees_unknown),
               func.sum(TrainingSession.kits_taken))
        .join(User, TrainingSession.user_id == User.id)
        .where(TrainingSession.organisation_id.in_(managed))
        .group_by(User.display_name).order_by(func.count(TrainingSession.id).desc())).all()
    trainee = db.aliased(User)
    links = db.session.execute(
        select(TrainingSession.session_date, User.display_name, trainee.display_name,
               TrainingSession.kind)
        .join(User, TrainingSession.user_id == User.id)
        .join(trainee, TrainingSession.trainee_user_id == trainee.id)
        .where(TrainingSession.organisation_id.in_(managed))
        .order_by(TrainingSession.session_date.desc())).all()
    return render_template("coordination/cascade.html", reach=reach, links=links)
