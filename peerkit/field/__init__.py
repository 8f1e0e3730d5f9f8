"""The field app (PWA): its shell, service worker, manifest and the enrolment page.

The shell is static, the same bytes for everyone, so the service worker can precache it;
who is signed in and what they hold comes from the device's own storage and the pull API.
"""

from flask import Blueprint

from .. import resource_dir

PWA_ROOT = resource_dir("pwa")

bp = Blueprint("field", __name__, static_folder=str(PWA_ROOT), static_url_path="/static")

from . import views  # noqa: E402,F401  (registers routes on bp)
