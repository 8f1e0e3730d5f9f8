"""Enrolling, replacing and revoking phones. The sync API and the coordination screens call
these."""

import hashlib

from sqlalchemy import select

from . import audit
from .extensions import db
from .models import Device, User, utcnow

REPLACED_REASON = "Replaced: this browser was set up again"


def installation_hash(installation_id: str) -> str:
    """What is stored of a browser's installation id: its SHA-256, never the id itself."""
    return hashlib.sha256(installation_id.encode()).hexdigest()


def enrol_device(user: User, label: str = "", installation_id: str | None = None) -> Device:
    """Register a new phone for `user` (flushes; the caller commits).

    With an `installation_id` (the browser's long-lived cookie), every earlier device set up
    in the same browser, whoever set it up, is retired: that browser now holds only the new
    token, so the old rows could never sync again and would count as phones in use.
    """
    digest = installation_hash(installation_id) if installation_id else None
    device = Device(user=user, label=(label or "").strip()[:80], installation_hash=digest)
    db.session.add(device)
    db.session.flush()
    audit.record("device.enrol", "device", device.id, user=user)
    if digest:
        earlier = db.session.scalars(
            select(Device).where(
                Device.installation_hash == digest,
                Device.id != device.id,
                Device.replaced_by_id.is_(None),
            )
        ).all()
        for old in earlier:
            _retire(old, user, REPLACED_REASON)
            old.replaced_by_id = device.id
            audit.record("device.replace", "device", old.id, user=user, replaced_by=device.id)
    db.session.flush()
    return device


def _retire(device: Device, by: User, reason: str) -> bool:
    """Stamp a device revoked (token version bumped); False if it already was."""
    if device.revoked_at is not None:
        return False
    device.revoked_at = utcnow()
    device.revoked_reason = (reason or "").strip()[:200] or "No reason given"
    device.revoked_by_id = by.id
    device.token_version += 1
    return True


def revoke_device(device: Device, by: User, reason: str) -> None:
    """Lock a lost or retired phone out at once (flushes; the caller commits).

    The token version is bumped as well as the revocation stamped, so even a token for a
    later re-enrolment of the same row could never revive the old one. Records the phone
    had already sent stay.
    """
    if _retire(device, by, reason):
        audit.record("device.revoke", "device", device.id, user=by)
    db.session.flush()


SIGNED_OUT_REASON = "Signed out on the phone"


def sign_out_device(device: Device) -> None:
    """The person signed out on the phone: revoke it as a lock-out would (flushes).

    Audited under its own action, so a coordinator can tell a sign-out from a lock-out.
    """
    if _retire(device, device.user, SIGNED_OUT_REASON):
        audit.record("device.sign_out", "device", device.id, user=device.user)
    db.session.flush()
