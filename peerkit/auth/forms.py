"""Sign-in forms (Flask-WTF: every form carries a CSRF token)."""
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField("Username", validators=[DataRequired(), Length(max=80)],
                           render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Sign in")


class LogoutForm(FlaskForm):
    """Signing out is a POST with a CSRF token, so a link on another site cannot do it."""

    submit = SubmitField("Sign out")


class SetPasswordForm(FlaskForm):
    """Choosing a password from an invitation link."""

    password = PasswordField("New password", validators=[DataRequired(), Length(min=10, max=200)],
                             render_kw={"autocomplete": "new-password"},
                             description="At least 10 characters. A short sentence is easy to remember.")
    confirm = PasswordField("Type it again", validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Set password")
