"""Coordination: the drug service's screens for its people, phones, alerts and audit log."""
from flask import Blueprint

bp = Blueprint("coordination", __name__, url_prefix="/coordination")

from . import views  # noqa: E402,F401  (registers routes on bp)
from . import catalogue_views  # noqa: E402,F401
from . import import_views  # noqa: E402,F401
