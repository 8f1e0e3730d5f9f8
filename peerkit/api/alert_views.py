"""Sync API routes for alerts: a phone's notification subscription and its alert receipts.

Thin, like peerkit/api/views.py: parse, authorise (device token), call peerkit.alerts,
answer (the request boundary commits).
"""

from flask import g, jsonify

from .. import alerts
from . import bp
from .auth import device_required
from .schemas import AlertReceiptSchema, PushSubscriptionSchema
from .views import _json_body, _load

SMALL_BODY_BYTES = 8192


@bp.put("/push-subscription")
@device_required
def push_subscription():
    """The phone's answer to "allow notifications?", with its Web Push subscription."""
    body = _load(PushSubscriptionSchema(), _json_body(SMALL_BODY_BYTES))
    alerts.save_subscription(g.device, body["permission"], body["endpoint"], body["keys"])
    return jsonify({"permission": body["permission"]})


@bp.post("/alert-receipts")
@device_required
def alert_receipt():
    """The phone received an alert (by push or pull), or its person opened it."""
    body = _load(AlertReceiptSchema(), _json_body(SMALL_BODY_BYTES))
    delivery = alerts.record_receipt(g.device, body["alert_id"], body["event"])
    return jsonify(
        {
            "alert_id": delivery.alert_id,
            "received": delivery.received_at is not None,
            "opened": delivery.opened_at is not None,
        }
    )
