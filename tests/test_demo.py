"""The demo data: believable, loaded once, with working logins."""

from sqlalchemy import func, select

from peerkit.demo import DEMO_PASSWORD
from peerkit.extensions import db
from peerkit.models import KitSupply, User


def test_demo_loads_once_and_peers_out_supply_the_service(runner, client, app):
    result = runner.invoke(args=["peerkit", "load-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "peer1" in result.output and DEMO_PASSWORD in result.output
    users = db.session.scalar(select(func.count(User.id)))
    assert users == 16

    again = runner.invoke(args=["peerkit", "load-demo", "--if-empty"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert db.session.scalar(select(func.count(User.id))) == users

    by_channel = dict(
        db.session.execute(
            select(KitSupply.channel, func.sum(KitSupply.quantity)).group_by(KitSupply.channel)
        ).all()
    )
    assert by_channel["peer"] > 2 * by_channel["drug_service"]
    repeats = db.session.scalar(select(func.count()).where(KitSupply.supply_type == "repeat"))
    assert repeats > 0
    # Messy days too: a carrier, and a lapsed peer's supply held for the coordinator.
    assert "carrier1" in result.output
    held = db.session.scalars(select(KitSupply).where(KitSupply.review_status == "held")).all()
    assert [s.hold_reason.startswith("The supplier sign-off ran out") for s in held] == [True]


def test_demo_logins_work(runner, client):
    runner.invoke(args=["peerkit", "load-demo"])
    from .conftest import csrf_token_from

    token = csrf_token_from(client.get("/login"))
    response = client.post(
        "/login", data={"username": "commissioner", "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    assert "/login" not in response.headers["Location"]
