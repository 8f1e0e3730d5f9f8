"""Settings, read from environment variables with safe defaults.

Production needs `DATABASE_URL`, `SECRET_KEY` and `FIELD_SEALING_KEYS` (and
`DEVICE_TOKEN_KEYS` if device tokens should survive a `SECRET_KEY` rotation). `PEERKIT_DEV=1`
(set by `make run`) allows a generated secret key and sealing key kept under instance/ and
cookies over plain http on loopback.
"""

import datetime as dt
import os
import secrets
from pathlib import Path


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(raw: str) -> str:
    """Point plain postgres URLs at the psycopg 3 driver this project installs."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def _dev_secret_key(instance_path: Path) -> str:
    """A random key kept in instance/, so a developer's sessions survive restarts."""
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def dev_sealing_key(instance_path: Path) -> str:
    """A sealing key kept in instance/, so records phones sealed survive a restart.

    Written under a temporary name and linked into place, so two processes starting at
    once (test workers) end up with the same key, never a half-written one.
    """
    # Not imported at the top: `python -m peerkit.sealing` must be the module's first import.
    from .sealing import new_key

    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "field_sealing_key"
    if not key_file.exists():
        draft = instance_path / f"field_sealing_key.{os.getpid()}"
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            out.write(new_key())
        try:
            os.link(draft, key_file)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return key_file.read_text().strip()


# Where set-up links are emailed from (peerkit/emails.py). No MAIL_SERVER: a development
# server prints them on its console; a production one refuses to send.
MAIL_SETTINGS = (
    "MAIL_SERVER",
    "MAIL_PORT",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "MAIL_DEFAULT_SENDER",
)


# VAPID keys (base64url, as `flask peerkit vapid-keys` prints them) and the contact the
# push services may write to (mailto: or https:).
VAPID_SETTINGS = ("VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT")


def from_environment(instance_path: Path) -> dict:
    """Build the Flask config mapping from the environment."""
    dev = _flag("PEERKIT_DEV", False)
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if not dev:
            raise RuntimeError(
                "SECRET_KEY is not set. Set it to a long random value in production, "
                "or PEERKIT_DEV=1 for a local development server."
            )
        secret_key = _dev_secret_key(instance_path)
    sealing_keys = os.environ.get("FIELD_SEALING_KEYS", "").strip()
    if not sealing_keys:
        if not dev:
            raise RuntimeError(
                "FIELD_SEALING_KEYS is not set. Phones seal records to this server's key: "
                "make one with `python -m peerkit.sealing` (or `flask peerkit "
                "make-sealing-key`) and set it, or PEERKIT_DEV=1 for a local development "
                "server."
            )
        sealing_keys = dev_sealing_key(instance_path)
    default_db = "sqlite:///" + str(instance_path / "peerkit.db")
    # Old keys stay valid for verification after a rotation: newest last, comma-separated.
    device_keys = [k for k in os.environ.get("DEVICE_TOKEN_KEYS", "").split(",") if k]
    return {
        "SECRET_KEY": secret_key,
        "DEVICE_TOKEN_KEYS": device_keys or [secret_key],
        # Private keys that open sealed records: newest FIRST (phones seal to it), all accepted.
        "FIELD_SEALING_KEYS": [k.strip() for k in sealing_keys.split(",") if k.strip()],
        "SQLALCHEMY_DATABASE_URI": database_url(os.environ.get("DATABASE_URL", default_db)),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", not dev),
        "PEERKIT_DEV": dev,
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "LOG_FORMAT": "json" if os.environ.get("LOG_FORMAT", "").lower() == "json" else "text",
        **{name: os.environ[name] for name in MAIL_SETTINGS if os.environ.get(name)},
        **({"MAIL_PORT": int(os.environ["MAIL_PORT"])} if os.environ.get("MAIL_PORT") else {}),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _flag("MAIL_USE_SSL", False),
        "DEVICE_TOKEN_MAX_SILENCE_DAYS": int(os.environ.get("DEVICE_TOKEN_MAX_SILENCE_DAYS", "90")),
        # Web Push for red drug alerts (docs/ALERTS.md): without the keys, alerts go by pull only.
        **{name: os.environ[name] for name in VAPID_SETTINGS if os.environ.get(name)},
        **(
            {"RATELIMIT_STORAGE_URI": os.environ["RATELIMIT_STORAGE_URI"]}
            if os.environ.get("RATELIMIT_STORAGE_URI")
            else {}
        ),
    }


class BaseConfig:
    """Defaults that hold everywhere; the environment and tests override on top."""

    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "peerkit_session"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = dt.timedelta(hours=8)
    # Set the session cookie only when the session changes. Refreshing it on every
    # response lets a slow response (a file the service worker precaches) put back an
    # older cookie after a newer one, losing e.g. the CSRF token a page just received.
    SESSION_REFRESH_EACH_REQUEST = False
    WTF_CSRF_TIME_LIMIT = 3600
    # Responses compressed by Flask-Compress, brotli first, gzip for anything older; HTML
    # only for the static app shell (see peerkit.compress_response).
    COMPRESS_REGISTER = False
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
    ]
    COMPRESS_MIN_SIZE = 500
    COMPRESS_STREAMS = False
    # Sync API limits (see docs/API.md).
    SYNC_MAX_BATCH = 500
    SYNC_MAX_BODY_BYTES = 2 * 1024 * 1024
    PULL_PAGE_SIZE = 500
    # A phone silent this long must enrol again (a lost phone's token dies on its own).
    DEVICE_TOKEN_MAX_SILENCE_DAYS = 90
