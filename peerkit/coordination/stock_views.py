"""The service's stock: kits by holder and batch, deliveries, transfers, write-offs, an
amnesty swap, and one batch's supplies for a recall."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import roles_required
from ..clock import format_uk_date, uk_today
from ..extensions import db
from . import bp, queries, stock_ops
from .forms import AmnestyForm, MoveStockForm, RecallForm, ReceiveStockForm


def _stock_forms():
    batches = queries.service_batches(current_user)
    places = stock_ops.holders(current_user)
    # Kits can still come back from a closed site or someone who has left, not go to them.
    sources = stock_ops.holders(current_user, with_leavers=True)
    receive = ReceiveStockForm(prefix="receive")
    receive.product_id.choices = [(p.id, p.name) for p in queries.active_products()]
    receive.to.choices = [p for p in places if p[0].startswith("site:")]
    move = MoveStockForm(prefix="move")
    move.batch_id.choices = [
        (
            b.id,
            _(
                "%(product)s %(batch)s (expires %(day)s)",
                product=b.product.name,
                batch=b.batch_number,
                day=format_uk_date(b.expiry_date),
            ),
        )
        for b in batches
    ]
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
        form = (
            receive
            if "receive-submit" in request.form
            else amnesty
            if "amnesty-submit" in request.form
            else move
        )
        if form.validate_on_submit():
            try:
                if form is amnesty:
                    stock_ops.amnesty(
                        current_user,
                        form.holder.data,
                        stock_ops.service_batch(current_user, form.old_batch_id.data),
                        stock_ops.service_batch(current_user, form.new_batch_id.data),
                        form.new_from.data,
                        form.quantity.data,
                    )
                elif form is receive:
                    stock_ops.receive(
                        current_user,
                        form.product_id.data,
                        form.batch_number.data,
                        form.expiry_date.data,
                        form.quantity.data,
                        form.to.data,
                    )
                else:
                    batch = stock_ops.service_batch(current_user, form.batch_id.data)
                    stock_ops.move_out(
                        current_user,
                        batch,
                        form.quantity.data,
                        form.source.data,
                        form.kind.data,
                        form.destination.data if form.kind.data == "transferred" else None,
                    )
                flash(_("Stock updated."), "info")
                return redirect(url_for("coordination.stock"))
            except stock_ops.StockError as error:
                db.session.rollback()
                flash(str(error), "error")
                status = 409
        else:
            status = 400
    today = uk_today()
    return render_template(
        "coordination/stock.html",
        table=queries.stock_table(holders, batches, today),
        batches=batches,
        receive=receive,
        move=move,
        amnesty=amnesty,
        today=today,
    ), status


@bp.route("/batches/<int:batch_id>", methods=["GET", "POST"])
@roles_required("coordinator")
def batch_detail(batch_id):
    """One batch: every supply of it (for a recall), and the recall itself."""
    batch = stock_ops.service_batch(current_user, batch_id)
    form = RecallForm()
    if form.validate_on_submit():
        services = stock_ops.recall_by_number(
            current_user, batch.product_id, batch.batch_number, form.reason.data
        )
        flash(
            _(
                "Batch %(batch)s is recalled at %(n)s service(s) of the area. Phones flag it "
                "at their next sync.",
                batch=batch.batch_number,
                n=services,
            ),
            "info",
        )
        return redirect(url_for("coordination.batch_detail", batch_id=batch.id))
    return render_template(
        "coordination/batch.html",
        batch=batch,
        form=form,
        supplies=stock_ops.recall_trace(current_user, batch),
    ), (400 if form.errors else 200)
