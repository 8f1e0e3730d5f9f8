"""The commissioner's monitoring view: dashboard, distribution log, exports, board report."""
from flask import Blueprint

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")

from . import views  # noqa: E402,F401  (registers routes on bp)
from . import claims_views  # noqa: E402,F401
from . import intel_views  # noqa: E402,F401
