"""Who is asking: every sync call names a device by its bearer token."""
from functools import wraps

from flask import g, request

from ..extensions import db
from ..models import Device
from ..signing import read_device_token
from .errors import ApiError

FIELD_ROLES = ("peer", "pharmacy", "coordinator", "carrier")


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def current_device() -> Device:
    """The device behind this request's token, checked against its database row.

    The signature proves the token was issued here; the row says whether it still counts
    (revoked? re-issued? account disabled?), so a lost phone is locked out at once.
    """
    token = _bearer_token()
    if token is None:
        raise ApiError(401, "not_authenticated",
                       "Send the device token as 'Authorization: Bearer <token>'.")
    claims = read_device_token(token)
    if claims is None:
        raise ApiError(401, "invalid_token", "This device token is not valid: enrol again.")
    device_id, version = claims
    device = db.session.get(Device, device_id)
    if device is None:
        raise ApiError(401, "invalid_token", "This device is not known: enrol again.")
    if device.revoked_at is not None:
        raise ApiError(401, "device_revoked",
                       "This phone has been locked out by your coordinator. Its local "
                       "records will be deleted. Ask your coordinator if this is a mistake.",
                       wipe=True)
    if device.token_version != version:
        raise ApiError(401, "invalid_token", "This device token has been replaced: enrol again.")
    user = device.user
    if not user.active or user.role not in FIELD_ROLES:
        raise ApiError(403, "account_disabled",
                       "This account can no longer sync. Ask your coordinator.")
    return device


def device_required(view):
    """Run `view` only for a valid, unrevoked device; sets g.device and g.user."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        g.device = current_device()
        g.user = g.device.user
        return view(*args, **kwargs)

    wrapped.device_auth = True
    return wrapped
