"""Sign-in forms (Flask-WTF: every form carries a CSRF token)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, EqualTo, Length, ValidationError

from ..i18n import LANGUAGES
from .passwords import MAX_LENGTH, MIN_LENGTH, password_problem


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(max=80)],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Sign in"))


class LanguageForm(FlaskForm):
    """The switcher on every page ("English | Cymraeg"): a POST with a CSRF token, so a
    link on another site cannot change anyone's language. `next` is where to go back to."""

    language = StringField(validators=[DataRequired(), AnyOf(list(LANGUAGES))])
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Signing out is a POST with a CSRF token, so a link on another site cannot do it."""

    submit = SubmitField(_l("Sign out"))


class SetPasswordForm(FlaskForm):
    """Choosing a password from an invitation link. Set `username` before validating."""

    username = ""
    # Filled in by pwa/js/invite.js from the address's fragment, which never reaches a
    # server or its access log; posted in the body, which is not logged either.
    token = HiddenField(
        validators=[DataRequired(message=_l("Open the set-up link you were given."))]
    )
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired()],  # length: validate_password
        render_kw={
            "autocomplete": "new-password",
            "minlength": MIN_LENGTH,
            "maxlength": MAX_LENGTH,
        },
        description=_l(
            "At least %(minimum)s characters, not a common "
            "password, not your username. A short sentence "
            "or three random words are easy to remember.",
            minimum=MIN_LENGTH,
        ),
    )
    confirm = PasswordField(
        _l("Type it again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Set password"))

    def validate_password(self, field):
        """Refuse common passwords and the username, saying why (NCSC guidance)."""
        problem = password_problem(field.data or "", self.username)
        if problem:
            raise ValidationError(problem)
