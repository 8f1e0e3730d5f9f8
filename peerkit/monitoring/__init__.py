"""The commissioner's monitoring view: dashboard, distribution log, exports, board report."""

from flask import Blueprint

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")

# After `bp`: these modules register their routes on it.
from . import claims_views, intel_views, views  # noqa: E402,F401
