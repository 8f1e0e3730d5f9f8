"""Stock a coordinator moves: receive batches, transfer kits, write kits off, recall.

Stock is never negative: a move out of a holder is checked against what the holder has,
with the holder's row locked first (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs one
writer at a time), so two transfers at the same moment cannot both spend the same kits.
"""
import datetime as dt

from flask import abort
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import KitSupply, Product, Site, StockBatch, StockMovement, User, new_uuid, utcnow
from ..scoping import managed_organisation_ids
from ..stock import in_hand


class StockError(ValueError):
    """A move the stock cannot cover, said in words for the coordinator."""


def holders(coordinator: User) -> list[tuple[str, str]]:
    """("site:ID" | "user:ID", label) for every site and peer of the service."""
    managed = managed_organisation_ids(coordinator)
    sites = db.session.scalars(select(Site).where(Site.organisation_id.in_(managed),
                                                  Site.active.is_(True)).order_by(Site.name))
    peers = db.session.scalars(select(User).where(User.organisation_id.in_(managed),
                                                  User.role == "peer", User.active.is_(True))
                               .order_by(User.display_name))
    return ([(f"site:{s.id}", f"Site: {s.name}") for s in sites]
            + [(f"user:{u.id}", f"Peer: {u.display_name}") for u in peers])


def _holder(coordinator: User, value: str, lock: bool = False) -> tuple[str, int]:
    kind, _, raw_id = (value or "").partition(":")
    if kind not in ("site", "user") or not raw_id.isdigit():
        abort(400)
    model = Site if kind == "site" else User
    query = select(model).where(model.id == int(raw_id),
                                model.organisation_id.in_(managed_organisation_ids(coordinator)))
    if lock:
        query = query.with_for_update()
    if db.session.scalar(query) is None:
        abort(404)
    return kind, int(raw_id)


def service_batch(coordinator: User, batch_id: int) -> StockBatch:
    """A batch the coordinator's service holds, or 404."""
    batch = db.session.scalar(select(StockBatch).where(
        StockBatch.id == batch_id, StockBatch.organisation_id == coordinator.organisation_id))
    if batch is None:
        abort(404)
    return batch


def _movement(coordinator, kind, batch, quantity, **holders_) -> StockMovement:
    movement = StockMovement(
        id=new_uuid(), organisation_id=coordinator.organisation_id, user_id=coordinator.id,
        client_created_at=utcnow(), kind=kind, moved_on=dt.date.today(), batch_id=batch.id,
        quantity=quantity, **holders_)
    db.session.add(movement)
    db.session.flush()
    audit.record(f"stock.{kind}", "stock_batch", batch.id, user=coordinator, quantity=quantity)
    return movement


def receive(coordinator: User, product_id: int, batch_number: str, expiry: dt.date,
            quantity: int, to: str) -> StockBatch:
    """A delivery from the supplier: a new batch (or more of a known one) into a site."""
    product = db.session.get(Product, product_id)
    if product is None:
        abort(400)
    if not product.active:
        raise StockError(f"{product.name} is retired from the catalogue: it can no longer be "
                         "booked in. Kits already held can still be moved and supplied.")
    kind, holder_id = _holder(coordinator, to)
    if kind != "site":
        raise StockError("Deliveries arrive at a site; transfer to peers from there.")
    batch = db.session.scalar(select(StockBatch).where(
        StockBatch.product_id == product_id, StockBatch.batch_number == batch_number.strip()))
    if batch is None:
        batch = StockBatch(product_id=product_id, organisation_id=coordinator.organisation_id,
                           batch_number=batch_number.strip(), expiry_date=expiry)
        db.session.add(batch)
        db.session.flush()
    elif batch.organisation_id != coordinator.organisation_id:
        raise StockError("That batch number is recorded by another service.")
    elif batch.expiry_date != expiry:
        raise StockError(f"Batch {batch.batch_number} is recorded with expiry "
                         f"{batch.expiry_date:%d/%m/%Y}: check the pack.")
    _movement(coordinator, "received", batch, quantity, to_site_id=holder_id)
    return batch


def move_out(coordinator: User, batch: StockBatch, quantity: int, source: str,
             kind: str, destination: str | None = None) -> StockMovement:
    """Transfer, return, expire or destroy kits, never more than the source holds."""
    source_kind, source_id = _holder(coordinator, source, lock=True)
    held = in_hand(**{f"{source_kind}_id": source_id}).get(batch.id, 0)
    if quantity > held:
        raise StockError(f"Only {held} kit(s) of batch {batch.batch_number} are there.")
    if kind == "transferred" and batch.recalled_at is not None:
        raise StockError(f"Batch {batch.batch_number} is recalled: do not hand it out.")
    holders_ = {f"from_{source_kind}_id": source_id}
    if destination:
        dest_kind, dest_id = _holder(coordinator, destination)
        if (dest_kind, dest_id) == (source_kind, source_id):
            raise StockError("Choose a different place to move the kits to.")
        holders_[f"to_{dest_kind}_id"] = dest_id
    return _movement(coordinator, kind, batch, quantity, **holders_)


def recall(coordinator: User, batch: StockBatch, reason: str) -> None:
    """Mark a batch recalled; phones flag it at their next sync (a synced row changes)."""
    if batch.recalled_at is None:
        batch.recalled_at = utcnow()
        batch.recall_reason = reason.strip()[:200]
        audit.record("stock.recall", "stock_batch", batch.id, user=coordinator)
    db.session.flush()


def recall_trace(coordinator: User, batch: StockBatch) -> list[tuple]:
    """Every supply of the batch: when, where, by whom, how many (no recipient codes)."""
    return db.session.execute(
        select(KitSupply.supplied_on, Site.name, User.display_name, KitSupply.quantity)
        .join(Site, KitSupply.site_id == Site.id).join(User, KitSupply.user_id == User.id)
        .where(KitSupply.batch_id == batch.id,
               KitSupply.organisation_id.in_(managed_organisation_ids(coordinator)))
        .order_by(KitSupply.supplied_on)).all()


def amnesty(coordinator: User, holder: str, old_batch: StockBatch, new_batch: StockBatch,
            new_from: str, quantity: int) -> None:
    """Swap old kits for new: the old come back out of the holder's stock (returned), the
    new go to them from a site, both or neither (one transaction, the caller commits)."""
    if old_batch.id == new_batch.id:
        raise StockError("Choose a different batch for the new kits.")
    move_out(coordinator, old_batch, quantity, holder, "returned")
    move_out(coordinator, new_batch, quantity, new_from, "transferred", holder)
