"""All signing in one place: one salt per purpose, keys rotatable.

Device tokens are signed, not encrypted: anyone holding one can read the device id and
version inside, which is harmless. What makes a token valid is the signature *and* the
device row (see peerkit.api.auth), so revoking a phone works at once.
"""

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

DEVICE_TOKEN_SALT = "peerkit.device-token"
INVITATION_SALT = "peerkit.invitation"
INVITATION_MAX_AGE = 7 * 24 * 3600  # seconds: a set-up link lasts a week
RECIPIENT_CODE_SALT = b"peerkit.recipient-code-salt"


def _device_serializer() -> URLSafeSerializer:
    # itsdangerous signs with the last key and accepts any of them: rotate by appending.
    return URLSafeSerializer(current_app.config["DEVICE_TOKEN_KEYS"], salt=DEVICE_TOKEN_SALT)


def make_device_token(device) -> str:
    """A bearer token naming the device and its current token version."""
    return _device_serializer().dumps({"d": device.id, "v": device.token_version})


def read_device_token(token: str) -> tuple[str, int] | None:
    """(device id, token version) from a genuine token, or None if it is not one."""
    try:
        payload = _device_serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict):
        return None
    device_id, version = payload.get("d"), payload.get("v")
    if not isinstance(device_id, str) or not isinstance(version, int):
        return None
    return device_id, version


def recipient_code_salt(area_id: int) -> str:
    """The salt phones of one commissioning area mix into recipient codes.

    The same in every phone of the area, so a person gets the same code wherever they
    are seen; different between areas, so codes cannot be joined across areas.
    """
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(
        key, RECIPIENT_CODE_SALT + b":" + str(area_id).encode(), hashlib.sha256
    ).hexdigest()


def _password_fingerprint(user) -> str:
    # Changes as soon as a password is set, so an invitation link works only once.
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def make_invitation(user) -> str:
    """A one-time, expiring token for setting up `user`'s password (instead of mailing one)."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)
    return serializer.dumps({"u": user.id, "f": _password_fingerprint(user)})


def read_invitation(token: str, load_user):
    """The user an unused, unexpired invitation is for, else None."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITATION_SALT)
    try:
        payload = serializer.loads(token, max_age=INVITATION_MAX_AGE)
    except BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        return None
    user = load_user(payload["u"])
    if user is None or not user.active or payload.get("f") != _password_fingerprint(user):
        return None
    return user
