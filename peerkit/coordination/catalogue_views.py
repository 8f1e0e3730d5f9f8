"""The admin's product catalogue screen. Thin: form, operation, redirect (the request
boundary commits)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from ..auth.access import roles_required
from ..extensions import db
from ..models import Product
from ..vocab import PRODUCT_ROUTES
from . import bp, catalogue
from .forms import ProductForm


@bp.route("/products", methods=["GET", "POST"])
@roles_required("admin")
def products():
    """The catalogue: every product with its route, dose, pack and age; add one."""
    form = ProductForm()
    if form.validate_on_submit():
        try:
            product = catalogue.add_product(
                current_user,
                form.code.data,
                form.name.data,
                form.route.data,
                dose=form.dose.data,
                pack=form.pack.data,
                min_age=form.min_age.data,
                description=form.description.data,
            )
        except catalogue.CatalogueError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(error.message)
        else:
            flash(_("%(product)s added to the catalogue.", product=product.name), "info")
            return redirect(url_for("coordination.products"))
    return render_template(
        "coordination/products.html",
        form=form,
        routes=PRODUCT_ROUTES,
        products=catalogue.products(),
        retire_form=FlaskForm(),
    ), (400 if form.errors else 200)


@bp.post("/products/<int:product_id>/retire")
@roles_required("admin")
def retire_product(product_id):
    """Retire a product: no more deliveries of it; what is held still moves and counts."""
    product = db.session.get(Product, product_id)
    if product is None:
        abort(404)
    if not FlaskForm().validate_on_submit():  # a button: only its CSRF token to check
        flash(_("That form has expired: try again."), "error")
        return redirect(url_for("coordination.products"))
    catalogue.retire_product(current_user, product)
    flash(_("%(product)s is retired: it can no longer be booked in.", product=product.name), "info")
    return redirect(url_for("coordination.products"))
