"""Forms for privacy: notices, subject access and erasure, retention periods."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Regexp

from ..retention import MAX_YEARS, MIN_YEARS


class PrivacyNoticeForm(FlaskForm):
    """A new version of the service's privacy notice (published ones never change)."""

    version = StringField(
        _l("Version label"),
        validators=[
            DataRequired(),
            Length(max=20),
            Regexp(
                r"^[A-Za-z0-9._-]+$",
                message=_l("Letters, digits, dots and dashes only, e.g. 2027-01."),
            ),
        ],
        description=_l("Phones record it with each consent, e.g. 2027-01."),
    )
    text = TextAreaField(
        _l("What recipients are told"),
        validators=[DataRequired(), Length(max=5000)],
        description=_l("Shown on the phone under \u201cWhat we tell them\u201d."),
    )
    in_force_from = DateField(_l("In force from"), validators=[DataRequired()])
    submit = SubmitField(_l("Publish this version"))


class SubjectForm(FlaskForm):
    """The person's details, typed at the service: used for one request, never kept."""

    initials = StringField(
        _l("Initials (first and last name)"),
        validators=[DataRequired(), Length(max=4)],
        render_kw={"autocomplete": "off"},
    )
    date_of_birth = DateField(
        _l("Date of birth"), validators=[DataRequired()], render_kw={"autocomplete": "off"}
    )
    sex = RadioField(
        _l("Sex"),
        choices=[
            SelectChoice("F", _l("Female")),
            SelectChoice("M", _l("Male")),
            SelectChoice("X", _l("Other or not said")),
        ],
        validators=[DataRequired(message=_l("Choose the sex."))],
    )
    find = SubmitField(_l("Show their records"))
    export = SubmitField(_l("Download their records (CSV)"))
    erase = SubmitField(_l("Erase their code everywhere"))


class RetentionForm(FlaskForm):
    """An admin sets the area's retention periods."""

    supply_years = IntegerField(
        _l("Supplies: free text and identifiers kept for (years)"),
        validators=[DataRequired(), NumberRange(MIN_YEARS, MAX_YEARS)],
    )
    code_years = IntegerField(
        _l("Recipient codes kept after their last supply for (years)"),
        validators=[DataRequired(), NumberRange(MIN_YEARS, MAX_YEARS)],
    )
    submit = SubmitField(_l("Save the periods"))
