"""Stock arithmetic: kits in hand per holder (a person or a site) and batch.

Stock is movements in, less movements out, less kits supplied. That sum is kept per holder
and batch in `StockBalance`, changed in the same transaction as every movement and supply
(`peerkit.summaries`), so it cannot drift from them; `flask peerkit rebuild-summaries`
recomputes it from the records. A peer carries kits personally, so a peer's supplies draw on the
peer's own stock; anyone else's supplies draw on the stock of the site where they supply.
A carrier (partner agency staff) also holds kits personally but never supplies.
"""

import datetime as dt

from sqlalchemy import select

from .extensions import db
from .models import Site, StockBalance, StockBatch, StockMovement, User, utcnow

# Roles that carry kits personally (the rest hold them at a site): peers, and partner
# agencies' carriers, who hold kits to give in an overdose but never supply them.
PERSONAL_HOLDER_ROLES = ("peer", "carrier")


def in_hand(*, user_id: int | None = None, site_id: int | None = None) -> dict[int, int]:
    """{batch_id: kits} held by one person or one site (read from `StockBalance`)."""
    if (user_id is None) == (site_id is None):
        raise ValueError("Give exactly one holder: user_id or site_id.")
    b = StockBalance
    holder = (
        (b.user_id == user_id, b.site_id == 0)
        if user_id is not None
        else (b.site_id == site_id, b.user_id == 0)
    )
    return {
        batch_id: kits
        for batch_id, kits in db.session.execute(select(b.batch_id, b.quantity).where(*holder))
        if kits
    }


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
            select(Site.id).where(Site.organisation_id == user.organisation_id)
        )
    return select(StockMovement).where(StockMovement.kind == "transferred", to_holder)


def transfers_to_confirm(user: User, since: dt.date) -> list[dict]:
    """Transfers to the user (or their sites) since `since` that nobody has confirmed."""
    rows = db.session.scalars(
        _transfers_to(user)
        .where(StockMovement.receipt_confirmed_at.is_(None), StockMovement.moved_on >= since)
        .order_by(StockMovement.moved_on)
    ).all()
    return [
        {
            "id": m.id,
            "site_id": m.to_site_id,
            "batch_id": m.batch_id,
            "product_name": m.batch.product.name,
            "batch_number": m.batch.batch_number,
            "quantity": m.quantity,
            "moved_on": m.moved_on,
        }
        for m in rows
    ]


def confirm_transfer(user: User, movement_id: str, quantity: int) -> StockMovement | None:
    """Record that a transfer to `user` arrived (None if it is not theirs). A count that
    differs from what was sent is kept as said, for the coordinator to follow up."""
    movement = db.session.scalar(_transfers_to(user).where(StockMovement.id == movement_id))
    if movement is not None and movement.receipt_confirmed_at is None:
        movement.receipt_confirmed_at = utcnow()
        movement.receipt_quantity = quantity
        db.session.flush()
    return movement
