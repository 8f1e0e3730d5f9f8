"""What makes a password acceptable, following the NCSC's password guidance.

Length matters most (at least 10 characters, no composition rules such as "one digit and
one symbol", which push people to predictable patterns). On top of that, a password is
refused when it is on a list of passwords attackers try first, or when it contains the
username. The list (`peerkit/data/common-passwords.txt`) is the entries of 10 characters
or more from the 20,000 most common leaked passwords compiled by Royce Williams, as
shipped by Django (BSD licence); shorter ones are already refused by the length rule.
"""

from functools import cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 10
MAX_LENGTH = 200
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"


@cache
def _common() -> frozenset[str]:
    return frozenset(
        line.strip() for line in COMMON_PASSWORDS.read_text().splitlines() if line.strip()
    )


def password_problem(password: str, username: str) -> str | None:
    """Why `password` is not acceptable for `username`, in plain words; None when it is."""
    if len(password) < MIN_LENGTH:
        return _(
            "Use at least %(minimum)s characters. A short sentence is easy to remember.",
            minimum=MIN_LENGTH,
        )
    if len(password) > MAX_LENGTH:
        return _("Use at most %(maximum)s characters.", maximum=MAX_LENGTH)
    folded = password.lower()
    if folded in _common() or len(set(folded)) <= 2:
        return _(
            "That password is one of the first that attackers try. Choose something "
            "less common, such as three or four random words."
        )
    name = (username or "").strip().lower()
    if len(name) >= 3 and name in folded:
        return _("Your password must not contain your username: choose something else.")
    return None
