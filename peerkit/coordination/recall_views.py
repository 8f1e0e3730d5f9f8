"""A manufacturer's recall, entered by product and batch number.

Coordinators recall across their commissioning area (a recall names the manufacturer's
batch, which several services may hold); admins across every area. Flagging batches
touches no health record, so admins may do it; the trace of supplies stays with
coordinators (the batch page).
"""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import roles_required
from ..extensions import db
from ..models import Product
from . import bp, stock_ops
from .forms import RecallByNumberForm


@bp.route("/recall", methods=["GET", "POST"])
@roles_required("coordinator", "admin")
def recall_by_number():
    """Recall a manufacturer's batch wherever it is held (area, or everywhere for admins)."""
    form = RecallByNumberForm()
    form.product_id.choices = [
        (p.id, p.name) for p in db.session.scalars(select(Product).order_by(Product.name))
    ]
    if form.validate_on_submit():
        flagged = stock_ops.recall_by_number(
            current_user, form.product_id.data, form.batch_number.data, form.reason.data
        )
        batch = form.batch_number.data.strip()
        everywhere = current_user.role == "admin"
        if flagged and everywhere:
            flash(
                _(
                    "Batch %(batch)s is recalled at %(n)s service(s) in every area. Phones flag "
                    "it at their next sync.",
                    batch=batch,
                    n=flagged,
                ),
                "info",
            )
        elif flagged:
            flash(
                _(
                    "Batch %(batch)s is recalled at %(n)s service(s) in your area. Phones flag "
                    "it at their next sync.",
                    batch=batch,
                    n=flagged,
                ),
                "info",
            )
        elif everywhere:
            flash(
                _(
                    "No service in any area has booked in batch %(batch)s of that product. "
                    "Nothing was changed.",
                    batch=batch,
                ),
                "error",
            )
        else:
            flash(
                _(
                    "No service in your area has booked in batch %(batch)s of that product. "
                    "Nothing was changed.",
                    batch=batch,
                ),
                "error",
            )
        return redirect(url_for("coordination.recall_by_number"), 303)
    return render_template("coordination/recall.html", form=form), (400 if form.errors else 200)
