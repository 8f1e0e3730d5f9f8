"""Sign-in throttling with Flask-Limiter, its counters kept in the app's own database.

Flask-Limiter's in-memory store counts per process, so four gunicorn workers (or four app
servers) would allow four times the limit. Keeping the counters in the one PostgreSQL
every app server already shares makes the limit hold across all of them, with no extra
service to run. `RATELIMIT_STORAGE_URI` can still point Flask-Limiter at Redis instead.
"""
import hashlib
import hmac
import random
import time

from flask import current_app, request
from limits.storage import Storage
from sqlalchemy import delete, select, text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .models import RateLimitCounter

STORAGE_URI = "peerkit-database://"

# Count failed sign-ins only: a person who signs in at once is not slowed down.
SIGN_IN_PER_ACCOUNT = "10 per 15 minutes"
SIGN_IN_PER_ADDRESS = "50 per 15 minutes"


def sign_in_failed(response) -> bool:
    """Flask-Limiter `deduct_when`: a successful sign-in redirects; anything else failed."""
    return response.status_code != 302


def _pseudonym(value: str) -> str:
    # Keys reach Flask-Limiter's log lines and the counter table: never in clear.
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:32]


def account_key() -> str:
    """The account being signed in to, however it is typed (pseudonymised)."""
    return "account:" + _pseudonym((request.form.get("username") or "").strip().lower()[:80])


def address_key() -> str:
    """The client address, behind a proxy see TRUSTED_PROXIES (pseudonymised)."""
    return "address:" + _pseudonym(request.remote_addr or "unknown")


_UPSERT = text("""
    INSERT INTO rate_limit_counter (key, count, expires_at) VALUES (:key, :amount, :expires)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN rate_limit_counter.expires_at <= :now
                   THEN :amount ELSE rate_limit_counter.count + :amount END,
      expires_at = CASE WHEN rate_limit_counter.expires_at <= :now
                        THEN :expires ELSE rate_limit_counter.expires_at END
    RETURNING count
""")


class DatabaseStorage(Storage):
    """A limits storage (fixed window) on the app's SQLAlchemy engine.

    Each update runs in its own short transaction, apart from the request's, so a count
    survives the request rolling back (as a failed sign-in does).
    """

    STORAGE_SCHEME = ["peerkit-database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self):
        return SQLAlchemyError

    @staticmethod
    def _hash(key: str) -> str:
        # Fixed length for the primary key, and no clear text for any other key function.
        return hashlib.sha256(key.encode()).hexdigest()

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with db.engine.begin() as conn:
            count = conn.execute(_UPSERT, {"key": self._hash(key), "amount": amount,
                                           "expires": now + expiry, "now": now}).scalar_one()
            if random.random() < 0.01:  # now and then, forget windows long gone
                conn.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at < now))
        return count

    def _row(self, key: str):
        with db.engine.connect() as conn:
            return conn.execute(select(RateLimitCounter.count, RateLimitCounter.expires_at)
                                .where(RateLimitCounter.key == self._hash(key))).first()

    def get(self, key: str) -> int:
        row = self._row(key)
        return row.count if row and row.expires_at > time.time() else 0

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        return row.expires_at if row and row.expires_at > time.time() else time.time()

    def check(self) -> bool:
        try:
            with db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def reset(self) -> int | None:
        with db.engine.begin() as conn:
            return conn.execute(delete(RateLimitCounter)).rowcount

    def clear(self, key: str) -> None:
        with db.engine.begin() as conn:
            conn.execute(delete(RateLimitCounter).where(RateLimitCounter.key == self._hash(key)))
