"""Enrolling and revoking phones. The sync API and the coordination screens call these."""
from . import audit
from .extensions import db
from .models import Device, User, utcnow


def enrol_device(user: User, label: str = "") -> Device:
    """Register a new phone for `user` (flushes; the caller commits)."""
    device = Device(user=user, label=(label or "").strip()[:80])
    db.session.add(device)
    db.session.flush()
    audit.record("device.enrol", "device", device.id, user=user)
    return device


def revoke_device(device: Device, by: User, reason: str) -> None:
    """Lock a lost or retired phone out at once (flushes; the caller commits).

    The token version is bumped as well as the revocation stamped, so even a token for a
    later re-enrolment of the same row could never revive the old one. Records the phone
    had already sent stay.
    """
    _revoke(device, by, reason, "device.revoke")


SIGNED_OUT_REASON = "Signed out on the phone"


def sign_out_device(device: Device) -> None:
    """The person signed out on the phone: revoke it as a lock-out would (flushes).

    Audited under its own action, so a coordinator can tell a sign-out from a lock-out.
    """
    _revoke(device, device.user, SIGNED_OUT_REASON, "device.sign_out")


def _revoke(device: Device, by: User, reason: str, action: str) -> None:
    if device.revoked_at is None:
        device.revoked_at = utcnow()
        device.revoked_reason = (reason or "").strip()[:200] or "No reason given"
        device.revoked_by_id = by.id
        device.token_version += 1
        audit.record(action, "device", device.id, user=by)
    db.session.flush()
