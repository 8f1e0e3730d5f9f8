"""The audit log reads as sentences, and every action the code records has one."""

import ast
import datetime as dt
from pathlib import Path

from sqlalchemy import select

import peerkit
from peerkit.audit_sentences import SENTENCES
from peerkit.extensions import db
from peerkit.models import Device
from peerkit.vocab import STOCK_MOVEMENT_KINDS

from .conftest import csrf_token_from

# The only action names built at run time, and every value their variable part takes.
TEMPLATED_ACTIONS = {
    "stock.{}": STOCK_MOVEMENT_KINDS,
    # peerkit/coordination/privacy_views.py: a look-up or a download.
    "subject_access.{}": ("look_up", "export"),
}
AUDITING_CALLS = {"record", "_audit_export"}


def _recorded_actions() -> set[str]:
    """Every action name passed to audit.record (or the monitoring export helper) in the code."""
    actions = set()
    for path in Path(peerkit.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in AUDITING_CALLS or (
                name == "record"
                and getattr(getattr(node.func, "value", None), "id", None) != "audit"
            ):
                continue
            first = node.args[0]
            if isinstance(first, ast.Name):  # the helper's own parameter, passed through
                continue
            if isinstance(first, ast.JoinedStr):
                template = "".join(
                    part.value if isinstance(part, ast.Constant) else "{}" for part in first.values
                )
                assert template in TEMPLATED_ACTIONS, (
                    f"{path.name}:{node.lineno}: action {template!r} is built at run time; "
                    "add it to TEMPLATED_ACTIONS with the values it takes"
                )
                actions |= {template.format(v) for v in TEMPLATED_ACTIONS[template]}
                continue
            literals = _literals(first)
            assert literals, f"{path.name}:{node.lineno}: the action name is not a literal"
            actions |= literals
    return actions


def _literals(expression) -> set[str]:
    """The names a literal, or a choice between literals (`"a" if x else "b"`), can give."""
    if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
        return {expression.value}
    if isinstance(expression, ast.IfExp):
        return _literals(expression.body) | _literals(expression.orelse)
    return set()


def test_every_action_the_code_records_has_a_sentence():
    actions = _recorded_actions()
    assert {
        "device.enrol",
        "device.replace",
        "device.revoke",
        "record.accept",
        "export.summary_csv",
        "stock.received",
    } <= actions  # the scan finds them
    missing = sorted(actions - set(SENTENCES))
    assert not missing, f"write a sentence in peerkit/audit_sentences.py for: {missing}"


def test_the_audit_log_reads_as_sentences_and_still_filters(client, auth, two_areas):
    north = two_areas.north
    auth.login("north-peer")
    token = csrf_token_from(client.get("/login"))
    client.post("/api/v1/devices", json={"label": "Pixel"}, headers={"X-CSRFToken": token})
    auth.logout()
    device_id = db.session.scalars(select(Device.id)).one()
    auth.login("north-coordinator")
    page = client.get("/coordination/devices")
    client.post(
        f"/coordination/devices/{device_id}/revoke",
        data={"reason": "lost", "csrf_token": csrf_token_from(page)},
    )
    log = client.get("/coordination/audit").get_data(as_text=True)
    assert "Test peer set up a phone (Pixel)" in log
    assert "Test coordinator locked out Test peer&#39;s phone (Pixel): lost" in log
    only_revokes = client.get("/coordination/audit?action=device.revoke").get_data(as_text=True)
    assert "locked out" in only_revokes and "set up a phone" not in only_revokes
    by_peer = client.get(f"/coordination/audit?user={north.peer.id}").get_data(as_text=True)
    assert "set up a phone" in by_peer and "locked out" not in by_peer
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    later = client.get(f"/coordination/audit?since={tomorrow}").get_data(as_text=True)
    assert "set up a phone" not in later and "Nothing recorded." in later
