"""Forms for privacy: notices, subject access and erasure, retention periods."""
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Regexp

from ..retention import MAX_YEARS, MIN_YEARS


class PrivacyNoticeForm(FlaskForm):
    """A new version of the service's privacy notice (published ones never change)."""

    version = StringField("Version label", validators=[
        DataRequired(), Length(max=20),
        Regexp(r"^[A-Za-z0-9._-]+$", message="Letters, digits, dots and dashes only, "
                                             "e.g. 2027-01.")],
        description="Phones record it with each consent, e.g. 2027-01.")
    text = TextAreaField("What recipients are told", validators=[
        DataRequired(), Length(max=5000)],
        description="Shown on the phone under \u201cWhat we tell them\u201d.")
    in_force_from = DateField("In force from", validators=[DataRequired()])
    submit = SubmitField("Publish this version")


class SubjectForm(FlaskForm):
    """The person's details, typed at the service: used for one request, never kept."""

    initials = StringField("Initials (first and last name)", validators=[
        DataRequired(), Length(max=4)], render_kw={"autocomplete": "off"})
    date_of_birth = DateField("Date of birth", validators=[DataRequired()],
                              render_kw={"autocomplete": "off"})
    sex = RadioField("Sex", choices=[SelectChoice("F", "Female"), SelectChoice("M", "Male"),
                                     SelectChoice("X", "Other or not said")],
                     validators=[DataRequired(message="Choose the sex.")])
    find = SubmitField("Show their records")
    export = SubmitField("Download their records (CSV)")
    erase = SubmitField("Erase their code everywhere")


class RetentionForm(FlaskForm):
    """An admin sets the area's retention periods."""

    supply_years = IntegerField("Supplies: free text and identifiers kept for (years)",
                                validators=[DataRequired(), NumberRange(MIN_YEARS, MAX_YEARS)])
    code_years = IntegerField("Recipient codes kept after their last supply for (years)",
                              validators=[DataRequired(), NumberRange(MIN_YEARS, MAX_YEARS)])
    submit = SubmitField("Save the periods")
