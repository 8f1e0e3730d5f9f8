"""Languages: English (the source) and Welsh, with Flask-Babel (docs/TRANSLATING.md).

The language of a request is, in order: the signed-in account's choice (`User.locale`), the
choice remembered in a cookie (someone not signed in who pressed "Cymraeg"), the browser's
Accept-Language among English and Welsh, else English; under /api/ the Accept-Language
(the field app's own choice) comes first. Dates and numbers are formatted
for the UK in both (locales en_GB and cy_GB; messages come from the `cy` catalogue).

English strings are the message ids, so English needs no catalogue. The Welsh catalogue's
compiled .mo is not kept in git: `make messages` and the install step build it, and
`init_app` rebuilds it when it is missing or older than its .po, so the app never runs with
a stale one (a read-only install, like the Docker image, compiles it at build time).
"""

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, has_request_context, request
from flask_babel import Babel, get_locale
from flask_login import current_user

from . import vocab

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# The languages offered: code kept on the account and in the cookie -> Babel locale.
LANGUAGES = {"en": "en_GB", "cy": "cy_GB"}
# Each language's name in itself, as the switcher shows it.
LANGUAGE_NAMES = {"en": "English", "cy": "Cymraeg"}
DEFAULT_LANGUAGE = "en"
COOKIE = "peerkit_language"
COOKIE_MAX_AGE = 365 * 24 * 3600

babel = Babel()


def chosen_language() -> str:
    """The language code ("en"/"cy") of this request: account, cookie, browser, English.

    Under /api/ the request's Accept-Language comes first: the field app sends the language
    chosen on the phone, which may differ from the account's (docs/API.md).
    """
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if request.path.startswith("/api/"):
        asked = request.accept_languages.best_match(list(LANGUAGES))
        if asked is not None:
            return asked
    if current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    remembered = request.cookies.get(COOKIE)
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(list(LANGUAGES), default=DEFAULT_LANGUAGE)


def select_locale() -> str:
    """Flask-Babel's locale selector: the Babel locale of `chosen_language()`."""
    return LANGUAGES[chosen_language()]


def current_language() -> str:
    """The language code of the locale in force ("cy" inside `force_locale("cy_GB")`)."""
    locale = get_locale()
    return (
        locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT_LANGUAGE
    )


def html_lang() -> str:
    """The BCP 47 tag for `<html lang>`: "en-GB" or "cy-GB"."""
    return LANGUAGES[current_language()].replace("_", "-")


def compile_catalogues(directory: Path = TRANSLATIONS, force: bool = False) -> list[Path]:
    """Compile every messages.po under `directory` whose .mo is missing or older (all of
    them with `force`); returns the .mo files written. Fuzzy entries are left out, as
    gettext would. Each .mo is written beside a temporary name and renamed, so several
    workers starting at once never read half a file."""
    written = []
    for po_path in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parent.parent.name)
        handle, temporary = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        with os.fdopen(handle, "wb") as mo_file:
            write_mo(mo_file, catalogue)
        os.replace(temporary, mo_path)
        written.append(mo_path)
    return written


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with the UK locales and make templates aware of the language."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LANGUAGES[DEFAULT_LANGUAGE])
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/London")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    compile_catalogues()
    babel.init_app(app, locale_selector=select_locale)
    # {% trans %} blocks collapse their whitespace, as `pybabel extract` (babel.cfg) does,
    # so a block's rendered id is the id in the catalogue.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(
        html_lang=html_lang,
        current_language=current_language,
        language_names=LANGUAGE_NAMES,
        vocab_label=vocab_label,
    )


def vocab_label(vocabulary: str, code: str | None) -> str:
    """The label of a stored `code` of `vocabulary` ("roles": peerkit.vocab.ROLES) in the
    request's language; an unknown code is shown as it is, never hidden."""
    return str(getattr(vocab, vocabulary.upper(), {}).get(code, code or ""))
