"""Stock a coordinator moves: receive batches, transfer kits, write kits off, recall.

Stock is never negative: a move out of a holder is checked against what the holder has,
with the holder's row locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs one
writer at a time), so two transfers at the same moment cannot both spend the same kits.
"""

import datetime as dt

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, or_, select

from .. import audit
from ..clock import format_uk_date, uk_today
from ..extensions import db
from ..models import (
    KitSupply,
    Organisation,
    Product,
    Site,
    StockBatch,
    StockMovement,
    User,
    new_uuid,
    utcnow,
)
from ..scoping import managed_organisation_ids
from ..stock import PERSONAL_HOLDER_ROLES, in_hand


class StockError(ValueError):
    """A move the stock cannot cover, said in words for the coordinator."""


HOLDER_LABELS = {"peer": _l("Peer"), "carrier": _l("Carrier")}


def holders(coordinator: User, *, with_leavers: bool = False) -> list[tuple[str, str]]:
    """("site:ID" | "user:ID", label) for every open site and every active peer or carrier
    of the service: where kits may go.

    `with_leavers` adds closed sites and people who have left while they still hold kits
    (or owe them: a negative figure), so those kits stay in view until they are returned
    or written off.
    """
    managed = managed_organisation_ids(coordinator)
    sites = select(Site).where(Site.organisation_id.in_(managed))
    people = select(User).where(
        User.organisation_id.in_(managed), User.role.in_(PERSONAL_HOLDER_ROLES)
    )
    if with_leavers:
        # Only leavers with any stock history can hold kits: this spares a stock sum for
        # every person who ever left.
        sites = sites.where(
            Site.active.is_(True)
            | exists().where(
                or_(StockMovement.to_site_id == Site.id, StockMovement.from_site_id == Site.id)
            )
            | exists().where(KitSupply.site_id == Site.id)
        )
        people = people.where(
            User.active.is_(True)
            | exists().where(
                or_(StockMovement.to_user_id == User.id, StockMovement.from_user_id == User.id)
            )
            | exists().where(KitSupply.user_id == User.id)
        )
    else:
        sites = sites.where(Site.active.is_(True))
        people = people.where(User.active.is_(True))
    result = []
    for site in db.session.scalars(sites.order_by(Site.name)):
        if site.active:
            result.append((f"site:{site.id}", _("Site: %(site)s", site=site.name)))
        elif in_hand(site_id=site.id):
            result.append((f"site:{site.id}", _("Site: %(site)s (closed)", site=site.name)))
    for person in db.session.scalars(people.order_by(User.display_name)):
        label = _("%(role)s: %(name)s", role=HOLDER_LABELS[person.role], name=person.display_name)
        if person.active:
            result.append((f"user:{person.id}", label))
        elif in_hand(user_id=person.id):
            result.append((f"user:{person.id}", _("%(holder)s (left)", holder=label)))
    return result


def _holder(
    coordinator: User, value: str, lock: bool = False, current: bool = False
) -> tuple[str, int]:
    """The holder named by "site:ID" or "user:ID", in the service's scope, or 404.

    `current` refuses a closed site or a person who has left: kits may still come back
    from them, but never go to them."""
    kind, _separator, raw_id = (value or "").partition(":")
    if kind not in ("site", "user") or not raw_id.isdigit():
        abort(400)
    model = Site if kind == "site" else User
    query = select(model).where(
        model.id == int(raw_id), model.organisation_id.in_(managed_organisation_ids(coordinator))
    )
    if lock:
        query = query.with_for_update()
    holder = db.session.scalar(query)
    if holder is None:
        abort(404)
    if current and not holder.active:
        if kind == "site":
            raise StockError(
                _("%(site)s is closed: choose where the kits are going now.", site=holder.name)
            )
        raise StockError(
            _("%(name)s has left: choose where the kits are going now.", name=holder.display_name)
        )
    return kind, int(raw_id)


def service_batch(coordinator: User, batch_id: int) -> StockBatch:
    """A batch the coordinator's service holds, or 404."""
    batch = db.session.scalar(
        select(StockBatch).where(
            StockBatch.id == batch_id, StockBatch.organisation_id == coordinator.organisation_id
        )
    )
    if batch is None:
        abort(404)
    return batch


def _movement(coordinator, kind, batch, quantity, **holders_) -> StockMovement:
    movement = StockMovement(
        id=new_uuid(),
        organisation_id=coordinator.organisation_id,
        user_id=coordinator.id,
        client_created_at=utcnow(),
        kind=kind,
        moved_on=uk_today(),
        batch_id=batch.id,
        quantity=quantity,
        **holders_,
    )
    db.session.add(movement)
    db.session.flush()
    audit.record(f"stock.{kind}", "stock_batch", batch.id, user=coordinator, quantity=quantity)
    return movement


def receive(
    coordinator: User, product_id: int, batch_number: str, expiry: dt.date, quantity: int, to: str
) -> StockBatch:
    """A delivery from the supplier: a new batch (or more of a known one) into a site."""
    product = db.session.get(Product, product_id)
    if product is None:
        abort(400)
    if not product.active:
        raise StockError(
            _(
                "%(product)s is retired from the catalogue: it can no longer be "
                "booked in. Kits already held can still be moved and supplied.",
                product=product.name,
            )
        )
    kind, holder_id = _holder(coordinator, to, current=True)
    if kind != "site":
        raise StockError(_("Deliveries arrive at a site; transfer to peers from there."))
    # Several services can hold the same manufacturer's batch: each books in its own.
    batch = db.session.scalar(
        select(StockBatch).where(
            StockBatch.organisation_id == coordinator.organisation_id,
            StockBatch.product_id == product_id,
            StockBatch.batch_number == batch_number.strip(),
        )
    )
    if batch is None:
        batch = StockBatch(
            product_id=product_id,
            organisation_id=coordinator.organisation_id,
            batch_number=batch_number.strip(),
            expiry_date=expiry,
        )
        db.session.add(batch)
        db.session.flush()
    elif batch.expiry_date != expiry:
        raise StockError(
            _(
                "Batch %(batch)s is recorded with expiry %(day)s: check the pack.",
                batch=batch.batch_number,
                day=format_uk_date(batch.expiry_date),
            )
        )
    _movement(coordinator, "received", batch, quantity, to_site_id=holder_id)
    return batch


def move_out(
    coordinator: User,
    batch: StockBatch,
    quantity: int,
    source: str,
    kind: str,
    destination: str | None = None,
) -> StockMovement:
    """Transfer, return, expire or destroy kits, never more than the source holds."""
    source_kind, source_id = _holder(coordinator, source, lock=True)
    held = in_hand(**{f"{source_kind}_id": source_id}).get(batch.id, 0)
    if quantity > held:
        raise StockError(
            _("Only %(n)s kit(s) of batch %(batch)s are there.", n=held, batch=batch.batch_number)
        )
    if kind == "transferred" and batch.recalled_at is not None:
        raise StockError(
            _("Batch %(batch)s is recalled: do not hand it out.", batch=batch.batch_number)
        )
    holders_ = {f"from_{source_kind}_id": source_id}
    if destination:
        dest_kind, dest_id = _holder(coordinator, destination, current=True)
        if (dest_kind, dest_id) == (source_kind, source_id):
            raise StockError(_("Choose a different place to move the kits to."))
        holders_[f"to_{dest_kind}_id"] = dest_id
    return _movement(coordinator, kind, batch, quantity, **holders_)


def recall(user: User, batch: StockBatch, reason: str) -> None:
    """Mark a batch recalled; phones flag it at their next sync (a synced row changes)."""
    if batch.recalled_at is None:
        batch.recalled_at = utcnow()
        batch.recall_reason = reason.strip()[:200]
        audit.record("stock.recall", "stock_batch", batch.id, user=user)
    db.session.flush()


def same_manufacturer_batch(user: User, batch_or_number, product_id: int | None = None):
    """Every service's batch with this product and manufacturer's batch number, in the
    user's commissioning area (an admin's recall: in every area)."""
    if isinstance(batch_or_number, StockBatch):
        product_id, number = batch_or_number.product_id, batch_or_number.batch_number
    else:
        number = batch_or_number.strip()
    query = select(StockBatch).where(
        StockBatch.product_id == product_id, StockBatch.batch_number == number
    )
    if user.role != "admin":
        query = query.join(Organisation, StockBatch.organisation_id == Organisation.id).where(
            Organisation.area_id == user.organisation.area_id
        )
    return db.session.scalars(query.order_by(StockBatch.id)).all()


def recall_by_number(user: User, product_id: int, batch_number: str, reason: str) -> int:
    """A manufacturer's recall: flag every service's batch of that number (in the area;
    for an admin, everywhere). Returns how many services' batches were flagged."""
    batches = same_manufacturer_batch(user, batch_number, product_id)
    for batch in batches:
        recall(user, batch, reason)
    return len(batches)


def recall_trace(coordinator: User, batch: StockBatch) -> list[dict]:
    """Every supply of this manufacturer's batch, from every service of the area: when,
    where, which organisation, how many, held or not (no recipient codes). The supplier is
    named only for the coordinator's own service."""
    batch_ids = [b.id for b in same_manufacturer_batch(coordinator, batch)]
    managed = set(db.session.scalars(managed_organisation_ids(coordinator)))
    rows = db.session.execute(
        select(
            KitSupply.supplied_on,
            Site.name,
            Organisation.id,
            Organisation.name,
            User.display_name,
            KitSupply.quantity,
            KitSupply.review_status,
        )
        .join(Site, KitSupply.site_id == Site.id)
        .join(User, KitSupply.user_id == User.id)
        .join(Organisation, KitSupply.organisation_id == Organisation.id)
        .where(KitSupply.batch_id.in_(batch_ids))
        .order_by(KitSupply.supplied_on)
    ).all()
    return [
        {
            "day": day,
            "site": site,
            "organisation": org_name,
            "supplier": person if org_id in managed else None,
            "kits": kits,
            "status": status,
        }
        for day, site, org_id, org_name, person, kits, status in rows
    ]


def amnesty(
    coordinator: User,
    holder: str,
    old_batch: StockBatch,
    new_batch: StockBatch,
    new_from: str,
    quantity: int,
) -> None:
    """Swap old kits for new: the old come back out of the holder's stock (returned), the
    new go to them from a site, both or neither (one transaction, the caller commits)."""
    if old_batch.id == new_batch.id:
        raise StockError(_("Choose a different batch for the new kits."))
    move_out(coordinator, old_batch, quantity, holder, "returned")
    move_out(coordinator, new_batch, quantity, new_from, "transferred", holder)
