"""Who is asking: every sync call names a device by its bearer token."""

import datetime as dt
from functools import wraps

from flask import current_app, g, request
from sqlalchemy.orm import joinedload

from ..api_messages import N_
from ..devices import SIGNED_OUT_REASON
from ..extensions import db
from ..models import Device, User, utcnow
from ..signing import read_device_token
from .errors import ApiError

FIELD_ROLES = ("peer", "pharmacy", "coordinator", "carrier")


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _silent_too_long(device: Device) -> bool:
    # A token unused for months is more likely a lost phone's than a working one's.
    days = current_app.config["DEVICE_TOKEN_MAX_SILENCE_DAYS"]
    last = device.last_seen_at or device.enrolled_at
    return last is not None and utcnow() - last > dt.timedelta(days=days)


def current_device(allow_locked_out: bool = False) -> Device:
    """The device behind this request's token, checked against its database row.

    The signature proves the token was issued here; the row says whether it still counts
    (revoked? re-issued? account disabled?), so a lost phone is locked out at once.
    `allow_locked_out` lets a locked-out phone (or a deactivated account's) through, for
    the one thing it may still do: hand over its unsent records, which are held.
    """
    token = _bearer_token()
    if token is None:
        raise ApiError(
            401,
            "not_authenticated",
            N_("Send the device token as 'Authorization: Bearer <token>'."),
        )
    claims = read_device_token(token)
    if claims is None:
        raise ApiError(401, "invalid_token", N_("This device token is not valid: enrol again."))
    device_id, version = claims
    # The person and their organisation come with the device: every endpoint reads them.
    device = db.session.get(
        Device, device_id, options=[joinedload(Device.user).joinedload(User.organisation)]
    )
    if device is None:
        raise ApiError(401, "invalid_token", N_("This device is not known: enrol again."))
    if allow_locked_out and locked_out_reason(device) and device.user.role in FIELD_ROLES:
        return device
    if device.revoked_at is not None:
        raise ApiError(401, "device_revoked", revoked_message(device), wipe=True)
    if device.token_version != version:
        raise ApiError(
            401, "invalid_token", N_("This device token has been replaced: enrol again.")
        )
    if _silent_too_long(device):
        raise ApiError(
            401,
            "device_expired",
            N_(
                "This phone has not synced for a long time, so it must be set up "
                "again: sign in on it and enrol. Records waiting on it are kept."
            ),
        )
    user = device.user
    if not user.active or user.role not in FIELD_ROLES:
        raise ApiError(
            403, "account_disabled", N_("This account can no longer sync. Ask your coordinator.")
        )
    return device


# English, as every ApiError message: translated where the answer is built (api_messages).
REVOKED_MESSAGE = N_(
    "This phone has been locked out by your coordinator. Records not yet "
    "sent are sent first and kept for review; then PeerKit's data on this "
    "phone is deleted. Ask your coordinator if this is a mistake."
)


SIGNED_OUT_MESSAGE = N_(
    "This phone was signed out of PeerKit. Records not yet sent are sent "
    "first and kept for review; then PeerKit's data on this phone is "
    "deleted. Sign in again to use it."
)


def revoked_message(device: Device) -> str:
    """What a revoked phone is told: a sign-out on the phone is not a coordinator's lock-out."""
    return SIGNED_OUT_MESSAGE if device.revoked_reason == SIGNED_OUT_REASON else REVOKED_MESSAGE


def locked_out_reason(device: Device) -> str | None:
    """Why records from this device are held regardless of content (English, as stored),
    or None."""
    if device.replaced_by_id is not None:
        # The browser was set up again: its old token should be gone, so a record sent
        # with it is checked by a person, like a locked-out phone's.
        return N_("Sent from a phone that has been set up again since.")
    if device.revoked_at is not None and device.revoked_reason == SIGNED_OUT_REASON:
        return N_("Sent from a phone after it was signed out.")
    if device.revoked_at is not None:
        return N_("Sent from a locked-out phone.")
    if not device.user.active:
        return N_("Sent by a deactivated account.")
    return None


def device_required(view=None, *, allow_locked_out: bool = False):
    """Run `view` only for a valid device; sets g.device and g.user.

    With `allow_locked_out`, a revoked phone or deactivated account gets through too (the
    view must check `locked_out_reason(g.device)`).
    """
    if view is None:
        return lambda v: device_required(v, allow_locked_out=allow_locked_out)

    @wraps(view)
    def wrapped(*args, **kwargs):
        g.device = current_device(allow_locked_out)
        g.user = g.device.user
        return view(*args, **kwargs)

    wrapped.device_auth = True
    return wrapped
