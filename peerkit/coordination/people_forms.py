"""Forms for people, organisations and sites over time (Flask-WTF, CSRF on every one)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


class EditPersonForm(FlaskForm):
    """A person's display name and, for coordinators, the organisation they belong to."""

    display_name = StringField(
        _l("Name (as colleagues know them)"), validators=[DataRequired(), Length(max=120)]
    )
    organisation_id = SelectField(
        _l("Organisation"),
        coerce=int,
        validators=[DataRequired()],
        description=_l(
            "Moving someone changes where their phone "
            "records from now on; what they recorded "
            "before stays with the organisation it was "
            "recorded in."
        ),
    )
    submit = SubmitField(_l("Save changes"))


class DeactivateForm(FlaskForm):
    """Someone has left: lock the account and its phones out."""

    reason = StringField(
        _l("Reason (optional)"),
        validators=[Optional(), Length(max=200)],
        description=_l(
            "E.g. 'Left the project, 3 May'. Seen by coordinators "
            "only; recorded against the phones locked out."
        ),
    )
    submit = SubmitField(_l("Deactivate this account"))


class RenameForm(FlaskForm):
    """A new name for an organisation or a site."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    submit = SubmitField(_l("Save name"))
