"""The product catalogue: the naloxone products a deployment books in and supplies.

The catalogue is shared by every organisation of the deployment (a product is the same
product whichever service holds it); admins manage it, on the admin screen or with
`flask peerkit product add|list|retire`. Products are retired, never deleted: batches and
supplies point at them, and their history keeps counting.

Each function flushes and audits; the caller commits.
"""

import re

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from ..models import Product, User
from ..vocab import PRODUCT_ROUTES

PRODUCT_CODE = re.compile(r"^[a-z0-9_]{2,32}$")


class CatalogueError(ValueError):
    """A product change refused, with the field it is about."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def products() -> list[Product]:
    """The catalogue, active products first, each group by name."""
    return list(db.session.scalars(select(Product).order_by(Product.active.desc(), Product.name)))


def add_product(
    by: User | None,
    code: str,
    name: str,
    route: str,
    dose: str = "",
    pack: str = "",
    min_age: int | None = None,
    description: str = "",
) -> Product:
    """Add a product to the catalogue. `by` is the admin (None from the command line)."""
    code = (code or "").strip().lower()
    if not PRODUCT_CODE.match(code):
        raise CatalogueError("code", _("use 2-32 lower-case letters, digits or underscores."))
    if db.session.scalar(select(Product.id).where(Product.code == code)) is not None:
        raise CatalogueError(
            "code", _("the catalogue already has a product '%(code)s'.", code=code)
        )
    if not (name or "").strip():
        raise CatalogueError("name", _("give the product's name."))
    if route not in PRODUCT_ROUTES:
        raise CatalogueError(
            "route", _("choose one of %(routes)s.", routes=", ".join(PRODUCT_ROUTES))
        )
    if min_age is not None and not 0 <= min_age <= 120:
        raise CatalogueError("min_age", _("give an age in years between 0 and 120, or none."))
    product = Product(
        code=code,
        name=name.strip()[:120],
        route=route,
        description=(description or "").strip()[:200],
        dose=(dose or "").strip()[:200],
        pack=(pack or "").strip()[:200],
        min_age=min_age,
        active=True,
    )
    db.session.add(product)
    db.session.flush()
    audit.record("product.add", "product", product.id, user=by, code=code)
    return product


def retire_product(by: User | None, product: Product) -> Product:
    """Stop a product being booked in; its batches, stock and supplies stay and count."""
    if product.active:
        product.active = False
        db.session.flush()
        audit.record("product.retire", "product", product.id, user=by, code=product.code)
    return product


def product_by_code(code: str) -> Product | None:
    """The product with this code, if the catalogue has it."""
    return db.session.scalar(select(Product).where(Product.code == (code or "").strip().lower()))
