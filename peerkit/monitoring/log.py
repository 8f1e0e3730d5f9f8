"""The distribution log: the kit supplies behind every figure, pseudonymous.

Recipient codes are never shown or exported: repeat counting uses each supply's
`supply_type`, not the codes, and a code is the one field that could be reversed to
initials and a date of birth (docs/SECURITY.md). The supply itself still counts (it
happened), whatever the recipient's consent; see docs/MONITORING.md.

By default the log lists the counted supplies, the ones behind the figures; asked for
held or rejected ones (`Filters.review`) it lists those with the reason and the review
note, so the commissioner can see what is pending and what was turned down.
"""

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..clock import uk_datetime
from ..extensions import db
from ..models import KitSupply, Organisation, Product, Site
from ..vocab import (
    AGE_BANDS,
    CHANNELS,
    RECIPIENT_CATEGORIES,
    REPEAT_REASONS,
    SUPPLY_TRAINING,
    SUPPLY_TYPES,
)
from .filters import Filters, week_start
from .metrics import scoped_supplies

REVIEW_STATUSES = {
    "counted": _l("Counted"),
    "held": _l("Held for review"),
    "rejected": _l("Rejected"),
}

PAGE_SIZE = 50


def _statement(user, f: Filters):
    return scoped_supplies(
        select(KitSupply, Site.name, Organisation.name, Product.name)
        .join(Site, Site.id == KitSupply.site_id)
        .join(Organisation, Organisation.id == KitSupply.organisation_id)
        .join(Product, Product.id == KitSupply.product_id)
        .order_by(KitSupply.supplied_on.desc(), KitSupply.received_at.desc(), KitSupply.id),
        user,
        f,
    )


def _row(supply: KitSupply, site: str, organisation: str, product: str) -> dict:
    received = uk_datetime(supply.received_at)
    return dict(
        id=supply.id,
        supplied_on=supply.supplied_on,
        week=week_start(supply.supplied_on),
        channel=CHANNELS.get(supply.channel, supply.channel),
        organisation=organisation,
        site=site,
        product=product,
        quantity=supply.quantity,
        recipient_category=RECIPIENT_CATEGORIES.get(supply.recipient_category),
        age_band=AGE_BANDS.get(supply.age_band, ""),
        supply_type=SUPPLY_TYPES.get(supply.supply_type),
        repeat_reason=REPEAT_REASONS.get(supply.repeat_reason, ""),
        training=SUPPLY_TRAINING.get(supply.training, supply.training),
        area=supply.area,
        referral_offered=supply.referral_offered,
        referral_accepted=supply.referral_accepted,
        received=received,
        review_status=REVIEW_STATUSES.get(supply.review_status, supply.review_status),
        hold_reason=supply.hold_reason or "",
        review_note=supply.review_note or "",
        reviewed=uk_datetime(supply.reviewed_at),
        late=received is not None and (received.date() - supply.supplied_on) > dt.timedelta(days=2),
    )


def count(user, f: Filters) -> int:
    """How many supplies match."""
    inner = _statement(user, f).order_by(None).subquery()
    return db.session.scalar(select(func.count()).select_from(inner))


def page(user, f: Filters, number: int) -> list[dict]:
    """One page of the log, newest event first."""
    statement = _statement(user, f).limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)
    return [_row(*row) for row in db.session.execute(statement)]


def every_row(user, f: Filters):
    """Every matching supply, in log order, streamed for the CSV export."""
    for row in db.session.execute(_statement(user, f).execution_options(yield_per=1000)):
        yield _row(*row)
