"""The product catalogue: the admin screen, `flask peerkit product ...`, and retiring."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from peerkit.coordination import stock_ops
from peerkit.extensions import db
from peerkit.models import AuditEvent, Product, StockBatch
from peerkit.stock import in_hand

from . import api_helpers as h
from .conftest import csrf_token_from

NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()


def _receive(client, area, product_id, batch="NEW-1"):
    token = csrf_token_from(client.get("/coordination/stock"))
    return client.post(
        "/coordination/stock",
        data={
            "receive-product_id": product_id,
            "receive-batch_number": batch,
            "receive-expiry_date": NEXT_YEAR,
            "receive-quantity": 5,
            "receive-to": f"site:{area.sites.service.id}",
            "receive-submit": "Record delivery",
            "csrf_token": token,
        },
    )


def test_cli_adds_lists_and_retires_products_audited(runner, app):
    added = runner.invoke(
        args=[
            "peerkit",
            "product",
            "add",
            "nyxoid_3mg",
            "--name",
            "Example nasal 3 mg",
            "--route",
            "nasal",
            "--min-age",
            "18",
            "--dose",
            "One spray",
            "--pack",
            "Two sprays",
        ]
    )
    assert added.exit_code == 0, added.output
    product = db.session.scalar(select(Product).where(Product.code == "nyxoid_3mg"))
    assert (product.route, product.min_age, product.pack, product.active) == (
        "nasal",
        18,
        "Two sprays",
        True,
    )

    again = runner.invoke(
        args=["peerkit", "product", "add", "nyxoid_3mg", "--name", "x", "--route", "nasal"]
    )
    assert again.exit_code != 0 and "code: the catalogue already has" in again.output
    bad_route = runner.invoke(
        args=["peerkit", "product", "add", "pill", "--name", "x", "--route", "oral"]
    )
    assert bad_route.exit_code != 0 and "--route" in bad_route.output

    listing = runner.invoke(args=["peerkit", "product", "list"])
    assert "nyxoid_3mg" in listing.output and "18+" in listing.output
    assert "active" in listing.output

    retired = runner.invoke(args=["peerkit", "product", "retire", "nyxoid_3mg"])
    assert retired.exit_code == 0, retired.output
    db.session.expire_all()
    assert product.active is False
    assert "retired" in runner.invoke(args=["peerkit", "product", "list"]).output
    unknown = runner.invoke(args=["peerkit", "product", "retire", "nope"])
    assert unknown.exit_code != 0 and "No product with code 'nope'" in unknown.output
    actions = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_id == str(product.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["product.add", "product.retire"]


def test_admin_screen_adds_a_product_and_names_the_field_in_error(client, auth, two_areas):
    auth.login("north-admin")
    page = client.get("/coordination/products")
    assert page.status_code == 200 and b"Prenoxad" in page.data
    token = csrf_token_from(page)
    form = {
        "code": "ampoule_5",
        "name": "Ampoule kit (5 x 1 ml)",
        "route": "im",
        "dose": "1 ml into the muscle",
        "pack": "Five ampoules",
        "min_age": "",
        "description": "",
        "csrf_token": token,
    }
    assert client.post("/coordination/products", data=form).status_code == 302
    product = db.session.scalar(select(Product).where(Product.code == "ampoule_5"))
    assert product.min_age is None and product.pack == "Five ampoules"
    assert (
        db.session.scalar(select(AuditEvent).where(AuditEvent.action == "product.add")).user_id
        == two_areas.north.admin.id
    )

    duplicate = client.post("/coordination/products", data={**form, "name": "Other"})
    assert duplicate.status_code == 400
    assert b"the catalogue already has a product" in duplicate.data
    bad_age = client.post(
        "/coordination/products", data={**form, "code": "other", "min_age": "200"}
    )
    assert bad_age.status_code == 400 and b"between 0 and 120" in bad_age.data


def test_a_retired_product_is_not_booked_in_but_its_stock_still_moves_and_counts(
    client, auth, two_areas, app
):
    north = two_areas.north
    auth.login("north-coordinator")
    assert _receive(client, north, north.product.id, batch="NEW-1").status_code == 302
    batch = db.session.scalar(select(StockBatch).where(StockBatch.batch_number == "NEW-1"))
    auth.logout()

    auth.login("north-admin")
    token = csrf_token_from(client.get("/coordination/products"))
    response = client.post(
        f"/coordination/products/{north.product.id}/retire", data={"csrf_token": token}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert north.product.active is False
    assert b"Retired" in client.get("/coordination/products").data
    auth.logout()

    auth.login("north-coordinator")
    page = client.get("/coordination/stock").get_data(as_text=True)
    offered = re.search(r'<select[^>]*name="receive-product_id".*?</select>', page, re.S).group(0)
    assert f'value="{north.product.id}"' not in offered
    assert _receive(client, north, north.product.id, batch="NEW-2").status_code == 400
    # The operation itself refuses, with a message, whatever form calls it.
    with app.test_request_context():
        with pytest.raises(stock_ops.StockError, match="retired from the catalogue"):
            stock_ops.receive(
                north.coordinator,
                north.product.id,
                "NEW-2",
                dt.date.today() + dt.timedelta(days=300),
                3,
                f"site:{north.sites.service.id}",
            )
        db.session.rollback()
    assert db.session.scalar(select(StockBatch).where(StockBatch.batch_number == "NEW-2")) is None

    # Kits of it already held still reach a peer and are supplied; the supply counts.
    with app.test_request_context():
        stock_ops.move_out(
            north.coordinator,
            batch,
            2,
            f"site:{north.sites.service.id}",
            "transferred",
            f"user:{north.peer.id}",
        )
        db.session.commit()
    pushed = h.push(client, h.token_for(north.peer), [h.kit_supply(north, batch_id=batch.id)])
    assert pushed.json["results"][0]["status"] == "stored", pushed.json
    assert in_hand(user_id=north.peer.id) == {batch.id: 1}
    assert in_hand(site_id=north.sites.service.id) == {batch.id: 3}
