"""Monthly pharmacy claims: kits each pharmacy supplied in a calendar month, for paying
pharmacies per kit under the local commissioning agreement.

Built on `metrics.scoped_supplies` with the same `Filters` the dashboard takes (the
pharmacy as `organisation_id`, the month as the period), so a statement agrees with the
dashboard filtered to that pharmacy and month by construction, and any rule about which
supplies count (scope, review status) reaches claims without a change here.

A statement holds no personal data: no recipient codes, categories or areas, and no
names of the staff who supplied. Counts are exact (they are what the pharmacy is paid
for); the statement stays between the commissioner and the pharmacy.
"""

import datetime as dt
from dataclasses import dataclass, field

from flask import abort
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..models import KitSupply, Organisation, Product, Site, StockBatch
from ..scoping import visible_organisation_ids
from .filters import Filters
from .metrics import scoped_supplies


def parse_month(raw: str | None, today: dt.date) -> dt.date:
    """The first day of the month "YYYY-MM" (default: last month, the one usually
    claimed); 400 for anything else."""
    if not raw:
        return (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    try:
        return dt.datetime.strptime(raw, "%Y-%m").date()
    except ValueError:
        abort(400)


def month_filters(month: dt.date, organisation_id: int | None = None) -> Filters:
    """The dashboard's filters for one calendar month (and one pharmacy)."""
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return Filters(
        start=month, end=following - dt.timedelta(days=1), organisation_id=organisation_id
    )


def _pharmacies(user):
    return select(Organisation).where(
        Organisation.kind == "pharmacy", Organisation.id.in_(visible_organisation_ids(user))
    )


def pharmacy(user, organisation_id: int) -> Organisation:
    """A pharmacy in `user`'s area, or 404 (another area's, or not a pharmacy)."""
    found = db.session.scalar(_pharmacies(user).where(Organisation.id == organisation_id))
    if found is None:
        abort(404)
    return found


def overview(user, month: dt.date) -> list[dict]:
    """Every pharmacy in scope with its supplies and kits in the month (0 if none)."""
    per_organisation = scoped_supplies(
        select(KitSupply.organisation_id, func.count(), func.sum(KitSupply.quantity)).group_by(
            KitSupply.organisation_id
        ),
        user,
        month_filters(month),
    )
    counts = {
        org_id: (supplies, int(kits))
        for org_id, supplies, kits in db.session.execute(per_organisation)
    }
    return [
        dict(
            pharmacy=org, supplies=counts.get(org.id, (0, 0))[0], kits=counts.get(org.id, (0, 0))[1]
        )
        for org in db.session.scalars(_pharmacies(user).order_by(Organisation.name))
    ]


@dataclass
class Statement:
    """One pharmacy's claim for one month: a line per supply date, site, product and batch,
    the kits per product, and the total."""

    pharmacy: Organisation
    month: dt.date
    filters: Filters
    # supplied_on, site, product, batch, supplies, kits
    lines: list = field(default_factory=list)
    products: list = field(default_factory=list)  # product, supplies, kits
    supplies: int = 0
    kits: int = 0


def statement(user, organisation: Organisation, month: dt.date) -> Statement:
    """The claims statement of `organisation` (a pharmacy in scope) for `month`."""
    f = month_filters(month, organisation.id)
    rows = db.session.execute(
        scoped_supplies(
            select(
                KitSupply.supplied_on,
                Site.name,
                Product.name,
                StockBatch.batch_number,
                func.count(),
                func.sum(KitSupply.quantity),
            )
            .join(Site, Site.id == KitSupply.site_id)
            .join(Product, Product.id == KitSupply.product_id)
            .join(StockBatch, StockBatch.id == KitSupply.batch_id)
            .group_by(KitSupply.supplied_on, Site.name, Product.name, StockBatch.batch_number)
            .order_by(KitSupply.supplied_on, Site.name, Product.name, StockBatch.batch_number),
            user,
            f,
        )
    ).all()
    result = Statement(pharmacy=organisation, month=month, filters=f)
    by_product: dict[str, dict] = {}
    for supplied_on, site, product, batch, supplies, kits in rows:
        kits = int(kits)
        result.lines.append(
            dict(
                supplied_on=supplied_on,
                site=site,
                product=product,
                batch=batch,
                supplies=supplies,
                kits=kits,
            )
        )
        total = by_product.setdefault(product, dict(product=product, supplies=0, kits=0))
        total["supplies"] += supplies
        total["kits"] += kits
    result.products = sorted(by_product.values(), key=lambda p: p["product"])
    result.supplies = sum(p["supplies"] for p in result.products)
    result.kits = sum(p["kits"] for p in result.products)
    return result


CSV_HEADER = [
    _l("Pharmacy"),
    _l("Claim month"),
    _l("Line"),
    _l("Date of supply"),
    _l("Site"),
    _l("Product"),
    _l("Batch"),
    _l("Supplies"),
    _l("Kits"),
]


def csv_rows(s: Statement):
    """The statement as CSV rows: a line per supply date, site, product and batch, then a
    total per product, then the total ("Line" says which)."""
    month = s.month.strftime("%m/%Y")
    name = s.pharmacy.name
    for line in s.lines:
        yield [
            name,
            month,
            "supply",
            line["supplied_on"],
            line["site"],
            line["product"],
            line["batch"],
            line["supplies"],
            line["kits"],
        ]
    for product in s.products:
        yield [
            name,
            month,
            "product total",
            None,
            None,
            product["product"],
            None,
            product["supplies"],
            product["kits"],
        ]
    yield [name, month, "total", None, None, None, None, s.supplies, s.kits]
