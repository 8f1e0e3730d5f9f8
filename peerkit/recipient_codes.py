"""The recipient code, made on the server: a port of pwa/js/recipient-code.js.

Only the subject-access screen uses it (a person asks, at the service, what is held about
them): the initials, date of birth and sex are typed there, turned into the code here and
forgotten. tests/recipient_code_vectors.json holds fixed examples that both this port and
the phone's script must reproduce (tests/test_subject_access.py and
tests/browser/test_recipient_code_vectors.py).
"""

import hashlib
import re

ITERATIONS = 600_000  # as pwa/js/recipient-code.js: the cost of each guess is the protection
VERSION = "v2-"


class RecipientDetailsError(ValueError):
    """Details that cannot make a code, with the field it is about."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def _normalise(initials: str, dob: str, sex: str) -> str:
    letters = re.sub(r"[^A-Z]", "", (initials or "").upper())
    if len(letters) != 2:
        raise RecipientDetailsError("initials", "Enter two initials, first and last name.")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", dob or ""):
        raise RecipientDetailsError("date_of_birth", "Enter the date of birth.")
    if sex not in ("F", "M", "X"):
        raise RecipientDetailsError("sex", "Choose the sex.")
    return f"{letters}|{dob}|{sex}"


def recipient_code(salt: str, initials: str, dob: str, sex: str) -> str:
    """ "v2-" + 32 hex characters of PBKDF2-SHA-256(initials | dob | sex, salt, ITERATIONS)."""
    bits = hashlib.pbkdf2_hmac(
        "sha256", _normalise(initials, dob, sex).encode(), salt.encode(), ITERATIONS, dklen=16
    )
    return VERSION + bits.hex()


def legacy_recipient_code(salt: str, initials: str, dob: str, sex: str) -> str:
    """The version-1 code ("rc_" + 20 hex characters of SHA-256(salt | details)), to find
    a person's older records."""
    digest = hashlib.sha256(f"{salt}|{_normalise(initials, dob, sex)}".encode()).hexdigest()
    return "rc_" + digest[:20]


def codes_for(salt: str, initials: str, dob: str, sex: str) -> list[str]:
    """Every code this person's records may carry: the current one and the version 1."""
    return [
        recipient_code(salt, initials, dob, sex),
        legacy_recipient_code(salt, initials, dob, sex),
    ]
