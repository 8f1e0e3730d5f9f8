"""Sealing records in tests exactly as the phone does (docs/API.md, "Sealed records").

Independent of peerkit/sealing.py on purpose, apart from base64url: it follows the
contract the phone's WebCrypto code follows, so a server that drifted from it fails here.
"""

import json
import os

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from peerkit.sealing import b64url_decode, b64url_encode


def seal(
    record: dict,
    sealing_key: dict,
    *,
    kind: str | None = None,
    record_id: str | None = None,
    plaintext: bytes | None = None,
) -> dict:
    """`record` with its `data` replaced by `sealed`, sealed to `sealing_key`.

    `sealing_key` is what enrolment and pull publish ({"kid", "public_key"}). `kind` and
    `record_id` seal for another record than the envelope names (a relabelling attack);
    `plaintext` seals those bytes instead of the record's data.
    """
    server = ec.EllipticCurvePublicKey.from_encoded_point(
        ec.SECP256R1(), b64url_decode(sealing_key["public_key"])
    )
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    shared = ephemeral.exchange(ec.ECDH(), server)
    aes_key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"", info=b"peerkit-seal-v1").derive(
        shared
    )
    iv = os.urandom(12)
    additional = f"{kind or record['kind']}\n{record_id or record['id']}".encode()
    body = plaintext if plaintext is not None else json.dumps(record["data"]).encode()
    ct = AESGCM(aes_key).encrypt(iv, body, additional)
    epk = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    sealed = {
        "kid": sealing_key["kid"],
        "epk": b64url_encode(epk),
        "iv": b64url_encode(iv),
        "ct": b64url_encode(ct),
    }
    return {"kind": record["kind"], "id": record["id"], "sealed": sealed}
