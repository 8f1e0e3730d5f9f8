"""Coordination: the drug service's screens for its people, phones, alerts and audit log."""

from flask import Blueprint

bp = Blueprint("coordination", __name__, url_prefix="/coordination")

from . import (  # noqa: E402,F401  (register routes on bp)
    admin_views,
    alert_views,
    audit_views,
    catalogue_views,
    device_views,
    import_views,
    intel_views,
    overview_views,
    people_views,
    privacy_views,
    recall_views,
    review_views,
    setup_views,
    stock_views,
    training_views,
)
