"""Signing in and out, and the role checks every view uses."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import views  # noqa: E402,F401  (registers routes on bp)
