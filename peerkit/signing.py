"""All signing in one place: one salt per purpose, keys rotatable.

Device tokens are signed, not encrypted: anyone holding one can read the device id and
version inside, which is harmless. What makes a token valid is the signature *and* the
device row (see peerkit.api.auth), so revoking a phone works at once.
"""
import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

DEVICE_TOKEN_SALT = "peerkit.device-token"
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
    return hmac.new(key, RECIPIENT_CODE_SALT + b":" + str(area_id).encode(),
                    hashlib.sha256).hexdigest()
