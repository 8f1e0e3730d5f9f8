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
from limits import parse
from limits.storage import Storage
from sqlalchemy import delete, select, text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db
from .models import RateLimitCounter

STORAGE_URI = "peerkit-database://"

# Count failed sign-ins only: a person who signs in at once is not slowed down.
# The tight limit is per (account, address) pair, so someone guessing from their own
# address locks out only themselves, never the account's owner on another network. The
# per-account ceiling is much slower: it stops guessing spread over many addresses, and a
# coordinator can see and clear it for the people they manage (see `unlock`).
SIGN_IN_PER_PAIR = "10 per 15 minutes"
SIGN_IN_PER_ACCOUNT = "50 per day"
SIGN_IN_PER_ADDRESS = "50 per 15 minutes"
SIGN_IN_SCOPE = "auth.login"  # Flask-Limiter's scope for a route's own limits: its endpoint


def sign_in_failed(response) -> bool:
    """Flask-Limiter `deduct_when`: a successful sign-in redirects; anything else failed."""
    return response.status_code != 302


def _pseudonym(value: str) -> str:
    # Keys reach Flask-Limiter's log lines and the counter table: never in clear.
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()[:32]


def _account(username: str) -> str:
    return (username or "").strip().lower()[:80]


def account_key_for(username: str) -> str:
    """The per-account key of `username`, however it is typed (pseudonymised)."""
    return "account:" + _pseudonym(_account(username))


def account_key() -> str:
    """The account this request signs in to (Flask-Limiter key function)."""
    return account_key_for(request.form.get("username") or "")


def address_key() -> str:
    """The client address, behind a proxy see TRUSTED_PROXIES (pseudonymised)."""
    return "address:" + _pseudonym(request.remote_addr or "unknown")


def pair_key() -> str:
    """This account from this address (pseudonymised)."""
    return "pair:" + _pseudonym(
        _account(request.form.get("username") or "") + "|" + (request.remote_addr or "unknown")
    )


def _ceiling(user) -> tuple:
    from .extensions import limiter

    limit = parse(SIGN_IN_PER_ACCOUNT)
    return limiter.limiter, limit, (account_key_for(user.username), SIGN_IN_SCOPE)


def is_locked(user) -> bool:
    """True when `user`'s account has reached its per-account ceiling of failed sign-ins."""
    strategy, limit, identifiers = _ceiling(user)
    if isinstance(strategy.storage, DatabaseStorage):
        # Through the request's own session: on SQLite a second connection would wait
        # for the write lock this request's transaction holds.
        row = db.session.get(RateLimitCounter, DatabaseStorage._hash(limit.key_for(*identifiers)))
        return row is not None and row.expires_at > time.time() and row.count >= limit.amount
    return not strategy.test(limit, *identifiers)


def unlock(user) -> None:
    """Clear `user`'s per-account ceiling (a coordinator, once they know it is really them);
    in the request's transaction, so it lands with its audit record.

    The pair limits are left to expire: they hold back only the addresses that guessed.
    """
    strategy, limit, identifiers = _ceiling(user)
    if isinstance(strategy.storage, DatabaseStorage):
        db.session.execute(
            delete(RateLimitCounter).where(
                RateLimitCounter.key == DatabaseStorage._hash(limit.key_for(*identifiers))
            )
        )
    else:
        strategy.clear(limit, *identifiers)


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
            count = conn.execute(
                _UPSERT,
                {"key": self._hash(key), "amount": amount, "expires": now + expiry, "now": now},
            ).scalar_one()
            if random.random() < 0.01:  # now and then, forget windows long gone
                conn.execute(delete(RateLimitCounter).where(RateLimitCounter.expires_at < now))
        return count

    def _row(self, key: str):
        with db.engine.connect() as conn:
            return conn.execute(
                select(RateLimitCounter.count, RateLimitCounter.expires_at).where(
                    RateLimitCounter.key == self._hash(key)
                )
            ).first()

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
