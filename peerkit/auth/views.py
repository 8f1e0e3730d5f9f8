"""Sign in, sign out, and the landing page that sends each role to its own area."""

import functools
import secrets
from functools import cache
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select
from werkzeug.routing import BuildError
from werkzeug.security import check_password_hash, generate_password_hash

from .. import audit, i18n, ratelimit
from ..extensions import db, limiter
from ..models import User
from ..signing import read_invitation
from . import bp
from .forms import LanguageForm, LoginForm, LogoutForm, SetPasswordForm

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


@cache
@functools.cache
def _unknown_user_hash() -> str:
    """A hash of a random password, in the same scrypt format as real ones. Made once per
    process: an unknown name then costs exactly one check, as a known one does."""
    return generate_password_hash(secrets.token_urlsafe(16), method="scrypt")


def _safe_next(target: str | None) -> str | None:
    """Only follow a `next` that stays on this site (no open redirect), and never one
    holding a control character (a CR/LF would split the Location header)."""
    if not target or any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in target):
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):  # browsers read /\host as //host
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
@limiter.limit(
    ratelimit.SIGN_IN_PER_PAIR,
    key_func=ratelimit.pair_key,
    methods=["POST"],
    deduct_when=ratelimit.sign_in_failed,
)
@limiter.limit(
    ratelimit.SIGN_IN_PER_ACCOUNT,
    key_func=ratelimit.account_key,
    methods=["POST"],
    deduct_when=ratelimit.sign_in_failed,
)
@limiter.limit(
    ratelimit.SIGN_IN_PER_ADDRESS,
    key_func=ratelimit.address_key,
    methods=["POST"],
    deduct_when=ratelimit.sign_in_failed,
)
def login():
    """Check the username and password; the same message for every kind of failure."""
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data.strip()))
        # Always one slow hash check, so an unknown or inactive username takes as long to
        # refuse as a wrong password: timing tells nobody which usernames exist.
        if user is None:
            check_password_hash(_unknown_user_hash(), form.password.data)
        elif user.check_password(form.password.data) and user.active:
            session.clear()  # a fresh session on sign-in: no fixation
            session.permanent = True
            login_user(user)
            audit.record("login", "user", user.id, user=user)
            return redirect(
                _safe_next(request.args.get("next")) or role_home_url(user) or url_for("auth.index")
            )
        current_app.logger.info("failed sign-in")
        flash(_("That username and password do not match an active account."), "error")
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out (POST with CSRF, so another site cannot sign you out)."""
    form = LogoutForm()
    if form.validate_on_submit():
        audit.record("logout", "user", current_user.id)
        current_user.end_sessions()  # a copied cookie dies too, not only this browser's
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/invite", methods=["GET", "POST"])
@limiter.limit(ratelimit.SIGN_IN_PER_ADDRESS, key_func=ratelimit.address_key, methods=["POST"])
def accept_invitation():
    """Set a password from a one-time link; the link dies once used or after a week.

    The link is /invite#<token>: the token stays in the browser (a fragment is never sent),
    the page's script copies it into the form, and it arrives in the POST body. So no
    access log, proxy or Referer header ever holds it.
    """
    form = SetPasswordForm()
    if request.method == "GET":
        return render_template("auth/set_password.html", form=form, user=None)
    user = read_invitation(form.token.data or "", lambda user_id: db.session.get(User, user_id))
    if user is None:
        return render_template(
            "errors.html",
            title=_("This link has expired or was used"),
            message=_("Ask your coordinator for a new set-up link."),
        ), 404
    form.username = user.username  # a password must not contain it
    if form.validate_on_submit():
        user.set_password(form.password.data)
        user.end_sessions()
        audit.record("user.password_set", "user", user.id, user=user)
        flash(_("Your password is set. Sign in to continue."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user), 400


@bp.route("/language", methods=["POST"])
def choose_language():
    """Switch between English and Welsh: kept on the account when signed in, and in a
    cookie either way (so the sign-in page after signing out stays in that language)."""
    form = LanguageForm()
    back = _safe_next(form.next.data) or url_for("auth.index")
    if not form.validate_on_submit():
        return redirect(back)
    if current_user.is_authenticated:
        current_user.locale = form.language.data
    response = redirect(back)
    response.set_cookie(
        i18n.COOKIE,
        form.language.data,
        max_age=i18n.COOKIE_MAX_AGE,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", True),
        httponly=True,
        samesite="Lax",
    )
    return response
