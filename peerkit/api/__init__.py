"""The field sync API (v1): device enrolment, push, pull, OpenAPI document.

Device-token (Bearer) authentication, not cookies, so it is exempt from form CSRF; the
one cookie-authenticated call (enrolment) checks the CSRF header itself.
"""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import alert_views, views  # noqa: E402,F401  (registers routes on bp)
