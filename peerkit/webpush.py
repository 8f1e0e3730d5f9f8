"""Web Push for red drug alerts: VAPID-signed, encrypted (aes128gcm) by pywebpush.

Keys come from the environment (`VAPID_PUBLIC_KEY`, `VAPID_PRIVATE_KEY`, `VAPID_SUBJECT`;
`flask peerkit vapid-keys` makes a pair). Without them nothing is pushed and alerts still
reach phones by pull. Sending happens after the alert is committed, never inside a
transaction: a slow push service must not hold database locks.
"""

import json

from cryptography.hazmat.primitives import serialization
from flask import current_app
from py_vapid import Vapid02, b64urlencode
from pywebpush import WebPushException, webpush
from sqlalchemy import select

from .extensions import db
from .models import AlertDelivery, DrugAlert, PushSubscription, utcnow

PUSH_TIMEOUT_SECONDS = 10
# How long a push service keeps trying a phone that is off: a day, like an alert's urgency.
PUSH_TTL_SECONDS = 24 * 3600


def configured() -> bool:
    """True when VAPID keys are set, so red alerts can be pushed."""
    config = current_app.config
    return bool(config.get("VAPID_PRIVATE_KEY") and config.get("VAPID_PUBLIC_KEY"))


def public_key() -> str | None:
    """The VAPID public key phones subscribe with, or None when push is not set up."""
    return current_app.config.get("VAPID_PUBLIC_KEY") if configured() else None


def new_keys() -> tuple[str, str]:
    """A fresh VAPID key pair, (public, private), base64url as the settings take them."""
    vapid = Vapid02()
    vapid.generate_keys()
    raw_public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    raw_private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    return b64urlencode(raw_public), b64urlencode(raw_private)


def message(alert: DrugAlert) -> str:
    """What the service worker shows: kept short (push services cap payloads at 4 KB)."""
    return json.dumps(
        {
            "alert_id": alert.id,
            "title": f"{alert.grading.upper()}: {alert.substance}"[:120],
            "body": f"{alert.area_description}. {alert.advice}"[:600],
        }
    )


def push_alert(alert: DrugAlert) -> int:
    """Push a red alert to every addressed phone that allows notifications; record each
    outcome on its delivery row (flushed; the caller commits). Returns how many went."""
    if alert.grading != "red" or not configured():
        return 0
    config = current_app.config
    rows = db.session.execute(
        select(AlertDelivery, PushSubscription)
        .join(PushSubscription, PushSubscription.device_id == AlertDelivery.device_id)
        .where(
            AlertDelivery.alert_id == alert.id,
            AlertDelivery.pushed_at.is_(None),
            PushSubscription.permission == "granted",
        )
    ).all()
    payload = message(alert)
    sent = 0
    for delivery, subscription in rows:
        try:
            webpush(
                {
                    "endpoint": subscription.endpoint,
                    "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
                },
                data=payload,
                vapid_private_key=config["VAPID_PRIVATE_KEY"],
                vapid_claims={"sub": config.get("VAPID_SUBJECT", "mailto:admin@localhost")},
                timeout=PUSH_TIMEOUT_SECONDS,
                ttl=PUSH_TTL_SECONDS,
            )
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            delivery.push_error = f"push service answered {status}" if status else "push failed"
            if status in (404, 410):  # the subscription is gone: stop pushing to it
                subscription.permission, subscription.endpoint = "default", None
            # Never the endpoint in a log line: it is a capability URL.
            current_app.logger.warning(
                "web push failed alert=%s device=%s status=%s", alert.id, delivery.device_id, status
            )
            continue
        delivery.pushed_at = utcnow()
        sent += 1
    db.session.flush()
    return sent
