"""Sealed records: what a phone queues is encrypted to the server's public key.

A phone seals each record before it queues it (docs/API.md, "Sealed records"): an ephemeral
P-256 key agreement with the server's newest sealing key, HKDF-SHA256, then AES-256-GCM
with the record's kind and id as additional data. Only the server, holding the private keys
from `FIELD_SEALING_KEYS`, can open it; someone who reads the phone's storage cannot.

Keys are rotatable: phones seal to the first key, the server opens with any of them, so a
record queued before a rotation still opens after it. Nothing here logs or echoes
plaintext, ciphertext or key material; error messages name the problem only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from flask_babel import gettext as _

HKDF_INFO = b"peerkit-seal-v1"
SEALED_FIELDS = ("kid", "epk", "iv", "ct")
POINT_BYTES = 65  # an uncompressed P-256 point: 0x04, x, y
IV_BYTES = 12
TAG_BYTES = 16
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
EXTENSION = "peerkit.sealing_keys"


class SealError(ValueError):
    """A sealed record that cannot be opened; the message is safe to show the phone, and in
    the request's language (a gettext call where it is raised)."""


def b64url_encode(data: bytes) -> str:
    """base64url without padding, as WebCrypto users write it."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The bytes of unpadded base64url `text`; ValueError if it is not that."""
    if not isinstance(text, str) or not _BASE64URL.fullmatch(text):
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error:
        raise ValueError("not base64url") from None


def public_point(public_key: ec.EllipticCurvePublicKey) -> bytes:
    """The 65-byte uncompressed point WebCrypto imports as a 'raw' P-256 key."""
    return public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def key_id(point: bytes) -> str:
    """The key id phones name: the first 16 hex digits of SHA-256 of the public point."""
    return hashlib.sha256(point).hexdigest()[:16]


@dataclass(frozen=True)
class SealingKey:
    """One of the server's sealing keys: its private half and the id phones know it by."""

    kid: str
    private_key: ec.EllipticCurvePrivateKey
    point: bytes

    def published(self) -> dict:
        """What phones are told: {"kid", "public_key"} (base64url of the 65-byte point)."""
        return {"kid": self.kid, "public_key": b64url_encode(self.point)}


def new_key() -> str:
    """A new sealing private key, as FIELD_SEALING_KEYS holds it (base64url PKCS#8 DER)."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    return b64url_encode(
        private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def load_key(text: str) -> SealingKey:
    """Read one key as FIELD_SEALING_KEYS holds it; ValueError if it is not a P-256 key."""
    try:
        private_key = serialization.load_der_private_key(b64url_decode(text.strip()), None)
    except (ValueError, TypeError):
        raise ValueError("not a base64url PKCS#8 private key") from None
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(
        private_key.curve, ec.SECP256R1
    ):
        raise ValueError("not a P-256 key")
    point = public_point(private_key.public_key())
    return SealingKey(key_id(point), private_key, point)


def load_keys(raw: str | list[str]) -> list[SealingKey]:
    """Every key of FIELD_SEALING_KEYS (a comma-separated string or a list), newest first.

    Raises RuntimeError naming which key is wrong (never its value), so a deployment with a
    mistyped key refuses to start rather than failing on the first sealed record.
    """
    texts = raw.split(",") if isinstance(raw, str) else list(raw)
    texts = [t.strip() for t in texts if t and t.strip()]
    if not texts:
        raise RuntimeError(
            "FIELD_SEALING_KEYS is empty. Make a key with `flask peerkit make-sealing-key`."
        )
    keys = []
    for position, text in enumerate(texts, start=1):
        try:
            keys.append(load_key(text))
        except ValueError as error:
            raise RuntimeError(
                f"FIELD_SEALING_KEYS key {position} is {error}. Each key must be the base64url "
                "of a P-256 PKCS#8 private key, as `flask peerkit make-sealing-key` prints "
                "it."
            ) from None
    return keys


def init_app(app) -> None:
    """Load the app's sealing keys once, at start-up (so a bad key stops the start)."""
    app.extensions[EXTENSION] = load_keys(app.config["FIELD_SEALING_KEYS"])


def current_keys() -> list[SealingKey]:
    """The running app's sealing keys, newest first."""
    return current_app.extensions[EXTENSION]


def published_key() -> dict:
    """The key phones seal to now (the newest), as enrolment and every pull give it."""
    return current_keys()[0].published()


def _refuse_duplicate_keys(pairs: list) -> dict:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise SealError(_("The opened record names a field twice: send each field once."))
    return result


def _field_bytes(sealed: dict, name: str) -> bytes:
    value = sealed.get(name)
    if not isinstance(value, str):
        raise SealError(
            _(
                "'%(name)s' is missing or not a string: a sealed record has kid, epk, iv and ct.",
                name=name,
            )
        )
    try:
        return b64url_decode(value)
    except ValueError:
        raise SealError(_("'%(name)s' is not base64url (without padding).", name=name)) from None


def open_sealed(keys: list[SealingKey], kind: str, record_id: str, sealed) -> dict:
    """The record's fields (what `data` would have been), from its sealed form.

    `kind` and `record_id` are the envelope's, exactly as sent: they are the additional
    data the phone sealed with, so a sealed body moved to another id or kind fails to open.
    Raises SealError with a plain message for anything that does not open.
    """
    if not isinstance(sealed, dict):
        raise SealError(_("A sealed record is an object with kid, epk, iv and ct."))
    unknown = sorted(set(sealed) - set(SEALED_FIELDS))
    if unknown:
        raise SealError(
            _(
                "Unknown field '%(name)s': a sealed record has kid, epk, iv and ct only.",
                name=unknown[0][:40],
            )
        )
    kid = sealed.get("kid")
    if not isinstance(kid, str):
        raise SealError(
            _("'kid' is missing or not a string: a sealed record has kid, epk, iv and ct.")
        )
    key = next((k for k in keys if k.kid == kid), None)
    if key is None:
        raise SealError(
            _(
                "Sealed to a key this server does not hold: the phone must sync to get the "
                "current key."
            )
        )
    epk, iv, ct = (_field_bytes(sealed, name) for name in ("epk", "iv", "ct"))
    if len(epk) != POINT_BYTES or epk[0] != 4:
        raise SealError(_("'epk' must be an uncompressed P-256 public key (65 bytes)."))
    if len(iv) != IV_BYTES:
        raise SealError(_("'iv' must be 12 bytes."))
    if len(ct) < TAG_BYTES:
        raise SealError(_("'ct' is too short to hold the 16-byte tag."))
    try:
        ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), epk)
    except ValueError:
        raise SealError(_("'epk' is not a point on P-256.")) from None
    shared = key.private_key.exchange(ec.ECDH(), ephemeral)
    aes_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=HKDF_INFO).derive(shared)
    try:
        plaintext = AESGCM(aes_key).decrypt(iv, ct, f"{kind}\n{record_id}".encode())
    except InvalidTag:
        raise SealError(
            _(
                "The sealed record does not open: it was sealed for another record "
                "or another key, or changed on the way."
            )
        ) from None
    try:
        data = json.loads(plaintext.decode("utf-8"), object_pairs_hook=_refuse_duplicate_keys)
    except SealError:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SealError(_("The opened record is not JSON.")) from None
    if not isinstance(data, dict):
        raise SealError(_("The opened record is not a JSON object of the record's fields."))
    return data


if __name__ == "__main__":
    # `python -m peerkit.sealing`: the first key for a server that cannot start without one.
    print(new_key())
