"""Stock arithmetic: kits in hand per holder (a person or a site) and batch.

Stock is never stored as a number that could drift: it is movements in, less movements
out, less kits supplied. A peer carries kits personally, so a peer's supplies draw on the
peer's own stock; anyone else's supplies draw on the stock of the site where they supply.
A carrier (partner agency staff) also holds kits personally but never supplies.
"""
import datetime as dt

from sqlalchemy import case, func, or_, select, union_all

from .extensions import db
from .models import KitSupply, Site, StockBatch, StockMovement, User, utcnow


# Roles that carry kits personally (the rest hold them at a site): peers, and partner
# agencies' carriers, who hold kits to give in an overdose but never supply them.
PERSONAL_HOLDER_ROLES = ("peer", "carrier")


def in_hand(*, user_id: int | None = None, site_id: int | None = None) -> dict[int, int]:
    """{batch_id: kits} held by one person or one site."""
    if (user_id is None) == (site_id is None):
        raise ValueError("Give exactly one holder: user_id or site_id.")
    if user_id is not None:
        inbound = StockMovement.to_user_id == user_id
        outbound = StockMovement.from_user_id == user_id
        supplied = (KitSupply.user_id == user_id) & (User.role.in_(PERSONAL_HOLDER_ROLES))
    else:
        inbound = StockMovement.to_site_id == site_id
        outbound = StockMovement.from_site_id == site_id
        supplied = (KitSupply.site_id == site_id) & (User.role.not_in(PERSONAL_HOLDER_ROLES))
    movements = (
        select(StockMovement.batch_id.label("batch_id"),
               case((inbound, StockMovement.quantity), else_=-StockMovement.quantity).label("qty"))
        .where(or_(inbound, outbound))
    )
    supplies = (
        select(KitSupply.batch_id.label("batch_id"), (-KitSupply.quantity).label("qty"))
        .join(User, User.id == KitSupply.user_id)
        .where(supplied)
    )
    both = union_all(movements, supplies).subquery()
    rows = db.session.execute(
        select(both.c.batch_id, func.sum(both.c.qty)).group_by(both.c.batch_id)
    ).all()
    return {batch_id: int(total) for batch_id, total in rows if total}


def in_hand_detail(**holder) -> list[dict]:
    """Kits in hand with their batch, product and expiry, soonest expiry first."""
    amounts = in_hand(**holder)
    if not amounts:
        return []
    batches = db.session.scalars(select(StockBatch).where(StockBatch.id.in_(amounts))).all()
    return sorted(
        (
            {
                "batch_id": b.id,
                "product_id": b.product_id,
                "product_name": b.product.name,
                "batch_number": b.batch_number,
                "expiry_date": b.expiry_date.isoformat(),
                "recalled": b.recalled_at is not None,
                "quantity": amounts[b.id],
            }
            for b in batches
        ),
        key=lambda row: (row["expiry_date"], row["batch_number"]),
    )


def _transfers_to(user: User):
    """Transfers to the user in person (peers, carriers) or to their organisation's sites."""
    if user.role in PERSONAL_HOLDER_ROLES:
        to_holder = StockMovement.to_user_id == user.id
    else:
        to_holder = StockMovement.to_site_id.in_(
            select(Site.id).where(Site.organisation_id == user.organisation_id))
    return select(StockMovement).where(StockMovement.kind == "transferred", to_holder)


def transfers_to_confirm(user: User, since: dt.date) -> list[dict]:
    """Transfers to the user (or their sites) since `since` that nobody has confirmed."""
    rows = db.session.scalars(_transfers_to(user).where(
        StockMovement.receipt_confirmed_at.is_(None), StockMovement.moved_on >= since)
        .order_by(StockMovement.moved_on)).all()
    return [{"id": m.id, "site_id": m.to_site_id, "batch_id": m.batch_id,
             "product_name": m.batch.product.name, "batch_number": m.batch.batch_number,
             "quantity": m.quantity, "moved_on": m.moved_on} for m in rows]


def confirm_transfer(user: User, movement_id: str, quantity: int) -> StockMovement | None:
    """Record that a transfer to `user` arrived (None if it is not theirs). A count that
    differs from what was sent is kept as said, for the coordinator to follow up."""
    movement = db.session.scalar(_transfers_to(user).where(StockMovement.id == movement_id))
    if movement is not None and movement.receipt_confirmed_at is None:
        movement.receipt_confirmed_at = utcnow()
        movement.receipt_quantity = quantity
        db.session.flush()
    return movement
