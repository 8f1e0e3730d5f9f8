"""The field app (PWA) shell and its static files, served from pwa/."""
from flask import Blueprint

from .. import PROJECT_ROOT

bp = Blueprint(
    "field",
    __name__,
    static_folder=str(PROJECT_ROOT / "pwa"),
    static_url_path="/static",
)
