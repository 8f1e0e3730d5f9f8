"""Sign in, sign out, and the landing page that sends each role to its own area."""
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.routing import BuildError

from .. import audit, ratelimit
from ..extensions import db, limiter
from ..models import User
from . import bp
from ..signing import read_invitation
from .forms import LoginForm, LogoutForm, SetPasswordForm

# Where each role starts. An area that is not installed falls back to the landing page.
ROLE_HOME = {
    "peer": "field.app_shell",
    "pharmacy": "field.app_shell",
    "coordinator": "coordination.index",
    "admin": "coordination.index",
    "commissioner": "monitoring.dashboard",
}


def role_home_url(user: User) -> str | None:
    """The URL of `user`'s own area, if that area exists in this app."""
    try:
        return url_for(ROLE_HOME[user.role])
    except (KeyError, BuildError):
        return None


def _safe_next(target: str | None) -> str | None:
    """Only follow a `next` that stays on this site (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/")
def index():
    """Send a signed-in user to their area; everyone else to the sign-in page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    home = role_home_url(current_user)
    if home:
        return redirect(home)
    return render_template("auth/home.html", logout_form=LogoutForm())


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(ratelimit.SIGN_IN_PER_ACCOUNT, key_func=ratelimit.account_key, methods=["POST"],
               deduct_when=ratelimit.sign_in_failed)
@limiter.limit(ratelimit.SIGN_IN_PER_ADDRESS, key_func=ratelimit.address_key, methods=["POST"],
               deduct_when=ratelimit.sign_in_failed)
def login():
    """Check the username and password; the same message for every kind of failure."""
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        if user is not None and user.active and user.check_password(form.password.data):
            session.clear()  # a fresh session on sign-in: no fixation
            session.permanent = True
            login_user(user)
            audit.record("login", "user", user.id, user=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or role_home_url(user)
                            or url_for("auth.index"))
        current_app.logger.info("failed sign-in")
        flash("That username and password do not match an active account.", "error")
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out (POST with CSRF, so another site cannot sign you out)."""
    form = LogoutForm()
    if form.validate_on_submit():
        audit.record("logout", "user", current_user.id)
        db.session.commit()
        logout_user()
        session.clear()
        flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit(ratelimit.SIGN_IN_PER_ADDRESS, key_func=ratelimit.address_key, methods=["POST"])
def accept_invitation(token):
    """Set a first password from a one-time link; the link dies once used or after a week."""
    user = read_invitation(token, lambda user_id: db.session.get(User, user_id))
    if user is None:
        return render_template("errors.html", title="This link has expired or was used",
                               message="Ask your coordinator for a new set-up link."), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        user.session_version += 1
        audit.record("user.password_set", "user", user.id, user=user)
        db.session.commit()
        flash("Your password is set. Sign in to continue.", "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user), \
        (400 if form.errors else 200)
