"""What the sync API tells a phone, in the phone's language (docs/TRANSLATING.md, "The sync
API's messages").

Three kinds of text reach a phone:

1. Text written only for the answer, during the request (a conflict, an unknown site): it
   is a `gettext` call where it is written, so it is already in the request's language.
2. Text written at import time, in English: the schemas' own messages, marshmallow's
   defaults (listed below) and the API's error messages, each marked `N_` so `make
   messages` extracts it. `translate` / `translate_errors` put it into the request's
   language where the answer is built (the push's results, `_load`, `errors.render`), so
   the fast path (peerkit/api/fastload.py) and the schemas give the same English and are
   translated the same way.
3. Text that is stored as well as answered (a held record's reasons, the supplier's sign-off
   reason): stored in English, the coordinator's record, made from the templates below;
   each reason is translated on its own when answered, never parsed back out of a joined
   sentence.

`translate` knows a message either as an exact message id, or as one of `TEMPLATES` with
its values in place: "Batch PX1 is recalled." is `BATCH_RECALLED` with batch="PX1", and its
Welsh is the Welsh template with the same value. Text it does not know (already translated,
or a person's own words) is returned as it is. This module imports nothing of PeerKit's
but `peerkit.i18n`, so domain modules (peerkit/rules.py) can use it without loading the API.
"""

import re

from flask_babel import gettext

from .i18n import DEFAULT_LANGUAGE, current_language


def N_(message: str) -> str:  # noqa: N802  (the usual name of gettext's no-op marker)
    """Mark an English message for extraction (`pybabel` knows `N_`); it stays English
    until `translate` puts it into the language of the request that answers it."""
    return message


# Held records' reasons and the supplier's status: stored in English, answered translated.
HELD = N_("Kept, and held for your coordinator to review: %(reasons)s")
SITE_NOT_OURS = N_("Recorded at %(site)s, which is not one of your organisation's sites.")
SITE_CLOSED = N_("Recorded at %(site)s, which is closed.")
BATCH_OTHER_SERVICE = N_("Batch %(batch)s is another service's stock.")
BATCH_RECALLED = N_("Batch %(batch)s is recalled.")
BATCH_EXPIRED = N_("Batch %(batch)s expired on %(day)s.")
BELOW_LICENSED_AGE = N_(
    "%(product)s is licensed from age %(age)s; the recipient is in the band %(band)s."
)
SIGN_OFF_RAN_OUT = N_("The supplier sign-off ran out on %(day)s: a refresher is due.")
NO_NOTICE_IN_FORCE = N_(
    "No privacy notice of your service was in force on %(day)s: check what the person was told."
)
NOTICE_NOT_PUBLISHED = N_(
    "Privacy notice %(version)s is not one your service published: check what the person was told."
)
NOTICE_NOT_IN_FORCE = N_(
    "Privacy notice %(version)s was not the one in force on %(day)s (%(current)s was): "
    "check what the person was told."
)

# Marshmallow's own messages that the API's schemas can give, in its English: exact ids...
MARSHMALLOW_MESSAGES = (
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Invalid value."),
    N_("Invalid input type."),
    N_("Unknown field."),
    N_("Not a valid string."),
    N_("Not a valid utf-8 string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Number too large."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid UUID."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid URL."),
    N_("String does not match expected pattern."),
)
# ...and the ones with values (marshmallow writes them with str.format; these are the same
# sentences with gettext's named placeholders).
MARSHMALLOW_TEMPLATES = (
    N_("Must be one of: %(choices)s."),
    N_("Length must be between %(min)s and %(max)s."),
    N_("Length must be %(equal)s."),
    N_("Longer than maximum length %(max)s."),
    N_("Shorter than minimum length %(min)s."),
    N_("Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    N_("Must be greater than or equal to %(min)s."),
    N_("Must be less than or equal to %(max)s."),
)

# HELD is not among them: a held answer is made from its reasons, each translated alone.
TEMPLATES = (
    SITE_NOT_OURS,
    SITE_CLOSED,
    BATCH_OTHER_SERVICE,
    BATCH_RECALLED,
    BATCH_EXPIRED,
    BELOW_LICENSED_AGE,
    SIGN_OFF_RAN_OUT,
    NO_NOTICE_IN_FORCE,
    NOTICE_NOT_PUBLISHED,
    NOTICE_NOT_IN_FORCE,
    *MARSHMALLOW_TEMPLATES,
)
# Placeholders whose values are vocabulary labels (English ids too), translated with the
# sentence; every other value (a batch number, a site's name, a date) is kept as written.
LABEL_PLACEHOLDERS = frozenset({"band"})

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _pattern(template: str) -> re.Pattern:
    """The template as an anchored regex, each placeholder a non-greedy named group."""
    pieces = _PLACEHOLDER.split(template)
    # split alternates literal text and placeholder names: "a %(x)s b" -> ["a ", "x", " b"]
    regex = "".join(
        re.escape(piece) if index % 2 == 0 else f"(?P<{piece}>.+?)"
        for index, piece in enumerate(pieces)
    )
    return re.compile(regex, re.DOTALL)


_PATTERNS = tuple((template, _pattern(template)) for template in TEMPLATES)


def english(template: str, **values) -> str:
    """The English sentence of `template` with `values`: what is stored."""
    return template % values


def translate(message: str) -> str:
    """`message` (an English message id, or one of `TEMPLATES` filled in) in the request's
    language; anything else as it is."""
    if current_language() == DEFAULT_LANGUAGE or not message:
        return message
    translated = gettext(message)
    if translated != message:
        return translated
    for template, pattern in _PATTERNS:
        match = pattern.fullmatch(message)
        if match is not None:
            values = {
                name: gettext(value) if name in LABEL_PLACEHOLDERS else value
                for name, value in match.groupdict().items()
            }
            return gettext(template, **values)
    return message


def translate_errors(errors):
    """A `{"field": ["message"]}` answer (nested as marshmallow nests it: a list's items
    by index) with every message translated."""
    if isinstance(errors, dict):
        return {key: translate_errors(value) for key, value in errors.items()}
    if isinstance(errors, list):
        return [translate_errors(item) for item in errors]
    if isinstance(errors, str):
        return translate(errors)
    return errors
