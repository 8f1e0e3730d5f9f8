"""Routes of the field app."""

import hashlib
import json
from functools import lru_cache

from flask import Response, current_app, render_template, send_file

from ..api.auth import FIELD_ROLES
from ..auth.access import roles_required
from . import PWA_ROOT, bp

# Everything the app needs to start with no network, as URLs; the worker precaches these.
SHELL_FILES = {
    "/app": "index.html",
    "/manifest.webmanifest": "manifest.webmanifest",
    "/static/css/app.css": "css/app.css",
    "/static/css/field.css": "css/field.css",
    "/static/js/app.js": "js/app.js",
    "/static/js/update.js": "js/update.js",
    "/static/js/i18n.js": "js/i18n.js",
    "/static/i18n/cy.json": "i18n/cy.json",
    "/static/js/screens/shared.js": "js/screens/shared.js",
    "/static/js/screens/home.js": "js/screens/home.js",
    "/static/js/screens/record.js": "js/screens/record.js",
    "/static/js/screens/stock.js": "js/screens/stock.js",
    "/static/js/screens/attention.js": "js/screens/attention.js",
    "/static/js/screens/device.js": "js/screens/device.js",
    "/static/js/screens/locked-out.js": "js/screens/locked-out.js",
    "/static/js/db.js": "js/db.js",
    "/static/js/sync.js": "js/sync.js",
    "/static/js/forms.js": "js/forms.js",
    "/static/js/recipient-code.js": "js/recipient-code.js",
    "/static/js/returning.js": "js/returning.js",
    "/static/js/notifications.js": "js/notifications.js",
    "/static/js/vault.js": "js/vault.js",
    "/static/js/seal.js": "js/seal.js",
    "/static/js/lock.js": "js/lock.js",
    "/static/icons/icon.svg": "icons/icon.svg",
    "/static/icons/icon-192.png": "icons/icon-192.png",
    "/static/icons/icon-512.png": "icons/icon-512.png",
}


@lru_cache(maxsize=1)
def shell_version() -> str:
    """A hash of every shell file: a deploy that changes any of them changes the worker,
    so phones really update (and keep the old shell until they do)."""
    digest = hashlib.sha256()
    for url, path in sorted(SHELL_FILES.items()):
        digest.update(url.encode())
        digest.update((PWA_ROOT / path).read_bytes())
    return digest.hexdigest()[:16]


@bp.get("/app")
def app_shell():
    """The app shell (static; served from the worker's cache when offline)."""
    response = send_file(PWA_ROOT / "index.html", mimetype="text/html", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest, for installing to the home screen."""
    return send_file(
        PWA_ROOT / "manifest.webmanifest", mimetype="application/manifest+json", max_age=0
    )


@bp.get("/sw.js")
def service_worker():
    """The service worker, from the root so its scope covers /app and the API."""
    source = (PWA_ROOT / "sw.js").read_text()
    # PEERKIT_RELEASE lets a deploy force a new worker even if no shell file changed.
    version = shell_version() + current_app.config.get("PEERKIT_RELEASE", "")
    preamble = (
        f"const VERSION = {json.dumps(version)};\n"
        f"const PRECACHE = {json.dumps(sorted(SHELL_FILES))};\n"
    )
    response = Response(preamble + source, mimetype="text/javascript")
    # Browsers check for a new worker on each visit; never let a cache answer for it.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/app/enrol")
@roles_required(*FIELD_ROLES)
def enrol():
    """Online only: set this phone up for the signed-in account."""
    return render_template("field/enrol.html")
