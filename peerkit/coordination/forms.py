"""Coordinator forms (Flask-WTF, CSRF on every one)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..clock import uk_today
from ..vocab import ALERT_GRADINGS, ALERT_SCOPES, ORGANISATION_KINDS, PRODUCT_ROUTES, SITE_TYPES


class RevokeDeviceForm(FlaskForm):
    """Lock out a lost or stolen phone."""

    reason = StringField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("E.g. 'Lost on the bus, 3 May'. Seen by coordinators only."),
    )
    submit = SubmitField(_l("Lock this phone out"))


def _optional_id(value):
    """A chosen id, or None for "none chosen" (a service alert needs no commissioner)."""
    return int(value) if value not in (None, "", "None") else None


class DrugAlertForm(FlaskForm):
    """A local drug-information warning for every phone of the service."""

    substance = StringField(_l("Substance"), validators=[DataRequired(), Length(max=120)])
    area_description = StringField(
        _l("Area"),
        validators=[DataRequired(), Length(max=200)],
        description=_l("Where, in words people know: 'Town centre, NB1'."),
    )
    description = TextAreaField(
        _l("What is happening"), validators=[DataRequired(), Length(max=2000)]
    )
    advice = TextAreaField(_l("Advice to pass on"), validators=[DataRequired(), Length(max=2000)])
    grading = RadioField(
        _l("Grading"),
        choices=[SelectChoice(code, label) for code, label in ALERT_GRADINGS.items()],
        default="amber",
        validators=[DataRequired()],
    )
    days = IntegerField(
        _l("Show on phones for (days)"), default=14, validators=[DataRequired(), NumberRange(1, 90)]
    )
    scope = RadioField(
        _l("Send to"),
        choices=[SelectChoice(code, label) for code, label in ALERT_SCOPES.items()],
        default="service",
        validators=[DataRequired()],
    )
    # For an area-wide alert: the commissioner who agreed (choices set by the view), and how.
    agreed_by = SelectField(
        _l("Commissioner who agreed"), coerce=_optional_id, choices=[], validate_choice=False
    )
    agreement_note = StringField(
        _l("How they agreed"),
        validators=[Length(max=300)],
        description=_l("E.g. 'By phone, 30/11, 14:10'."),
    )
    # The field reports this alert is made from (comma-separated ids, from the triage list).
    report_ids = HiddenField()
    submit = SubmitField(_l("Send alert to phones"))

    def validate_agreed_by(self, field):
        agreed = {c.value for c in field.choices if c.value != ""}
        if self.scope.data == "area" and field.data not in agreed:
            raise ValidationError(
                _(
                    "An alert to the whole area needs the commissioner's "
                    "agreement: say which commissioner agreed."
                )
            )

    def validate_agreement_note(self, field):
        if self.scope.data == "area" and not (field.data or "").strip():
            raise ValidationError(_("Say how the commissioner agreed (when, by what means)."))


class SignOffForm(FlaskForm):
    """Sign off a person's supplier training and competency."""

    trained_on = DateField(_l("Supplier training completed on"), validators=[DataRequired()])
    assessed_on = DateField(_l("Competency assessed on"), validators=[DataRequired()])
    submit = SubmitField(_l("Sign off"))

    def validate_assessed_on(self, field):
        if field.data > uk_today():
            raise ValidationError(_("The assessment date cannot be in the future."))
        if self.trained_on.data and field.data < self.trained_on.data:
            raise ValidationError(_("Assess competency after the training, not before."))


class ReceiveStockForm(FlaskForm):
    """A delivery of naloxone from the supplier."""

    product_id = SelectField(_l("Product"), coerce=int, validators=[DataRequired()])
    batch_number = StringField(_l("Batch number"), validators=[DataRequired(), Length(max=40)])
    expiry_date = DateField(_l("Expiry date"), validators=[DataRequired()])
    quantity = IntegerField(_l("Kits"), validators=[DataRequired(), NumberRange(1, 10_000)])
    to = SelectField(_l("Delivered to"), validators=[DataRequired()])
    submit = SubmitField(_l("Record delivery"))

    def validate_expiry_date(self, field):
        if field.data <= uk_today():
            raise ValidationError(_("This batch has already expired: do not take it into stock."))


class MoveStockForm(FlaskForm):
    """Kits moving between holders, or leaving stock."""

    batch_id = SelectField(_l("Batch"), coerce=int, validators=[DataRequired()])
    source = SelectField(_l("From"), validators=[DataRequired()])
    kind = RadioField(
        _l("What is happening"),
        default="transferred",
        choices=[
            SelectChoice("transferred", _l("Transfer to someone or somewhere")),
            SelectChoice("returned", _l("Returned to the service (e.g. amnesty)")),
            SelectChoice("expired", _l("Expired")),
            SelectChoice("destroyed", _l("Destroyed or damaged")),
        ],
        validators=[DataRequired()],
    )
    destination = SelectField(_l("To (transfers only)"))
    quantity = IntegerField(_l("Kits"), validators=[DataRequired(), NumberRange(1, 10_000)])
    submit = SubmitField(_l("Record"))

    def validate_destination(self, field):
        if self.kind.data == "transferred" and not field.data:
            raise ValidationError(_("Say where the kits are going."))


class RecallForm(FlaskForm):
    """Recall a batch."""

    reason = StringField(_l("Reason for the recall"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Recall this batch"))


class ProductForm(FlaskForm):
    """A product for the catalogue (admins only)."""

    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Regexp(
                r"^[a-z0-9_]{2,32}$", message=_l("2-32 lower-case letters, digits or underscores.")
            ),
        ],
        description=_l("Short and stable, e.g. 'nyxoid'. Phones and exports use it."),
    )
    name = StringField(_l("Name as on the pack"), validators=[DataRequired(), Length(max=120)])
    route = SelectField(
        _l("Route"),
        validators=[DataRequired()],
        choices=[SelectChoice(code, label) for code, label in PRODUCT_ROUTES.items()],
    )
    dose = StringField(
        _l("Dose"), validators=[Length(max=200)], description=_l("One dose and when to repeat it.")
    )
    pack = StringField(
        _l("Pack"), validators=[Length(max=200)], description=_l("What one kit holds.")
    )
    min_age = IntegerField(
        _l("Licensed minimum age (years)"),
        validators=[Optional(), NumberRange(0, 120)],
        description=_l("Leave empty if there is none."),
    )
    description = StringField(_l("Description"), validators=[Length(max=200)])
    submit = SubmitField(_l("Add product"))


class ImportPeopleForm(FlaskForm):
    """A CSV of people the service has already trained and signed off."""

    csv_file = FileField(
        _l("CSV file"), validators=[FileAllowed(["csv"], _l("Choose a .csv file."))]
    )
    # After a clean dry run the page carries the checked file, so importing it needs no
    # second upload (and imports exactly what was checked).
    csv_text = HiddenField()
    check = SubmitField(_l("Check the file (dry run)"))
    confirm = SubmitField(_l("Import these people"))


class NewPersonForm(FlaskForm):
    """A peer volunteer, pharmacy staff or carrier account, set up by invitation link."""

    display_name = StringField(
        _l("Name (as colleagues know them)"), validators=[DataRequired(), Length(max=120)]
    )
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Length(3, 80),
            Regexp(r"^[a-z0-9._-]+$", message=_l("Lower-case letters, digits, dots, dashes.")),
        ],
    )
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])
    role = RadioField(
        _l("Role"),
        default="peer",
        choices=[
            SelectChoice("peer", _l("Peer volunteer")),
            SelectChoice("pharmacy", _l("Pharmacy staff")),
            SelectChoice("carrier", _l("Partner agency carrier (holds kits, does not supply)")),
        ],
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Create and get a set-up link"))


class OrganisationForm(FlaskForm):
    """An organisation in the admin's commissioning area."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    kind = RadioField(
        _l("Kind"),
        validators=[DataRequired()],
        choices=[
            SelectChoice(code, label)
            for code, label in ORGANISATION_KINDS.items()
            if code != "commissioning_area"
        ],
    )
    managed_by_id = SelectField(_l("Run by (drug service)"), coerce=int)
    submit = SubmitField(_l("Add organisation"))


class SiteForm(FlaskForm):
    """A place kits are held or handed out."""

    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[DataRequired()])
    name = StringField(_l("Site name"), validators=[DataRequired(), Length(max=120)])
    site_type = SelectField(
        _l("Kind of site"),
        validators=[DataRequired()],
        choices=[SelectChoice(code, label) for code, label in SITE_TYPES.items()],
    )
    postcode_district = StringField(
        _l("Postcode district"), validators=[DataRequired(), Length(max=8)]
    )
    submit = SubmitField(_l("Add site"))


class CoordinatorForm(FlaskForm):
    """A coordinator account for a drug service (admins only)."""

    display_name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    username = StringField(
        _l("Username"), validators=[DataRequired(), Length(3, 80), Regexp(r"^[a-z0-9._-]+$")]
    )
    email = StringField(
        _l("Their own email address"),
        validators=[
            DataRequired(),
            Length(max=254),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message=_l("Enter an email address like name@example.org."),
            ),
        ],
        description=_l("Their set-up link goes here, to them only: you will not see it."),
        render_kw={"autocomplete": "off", "type": "email"},
    )
    organisation_id = SelectField(_l("Drug service"), coerce=int, validators=[DataRequired()])
    submit = SubmitField(_l("Create and email a set-up link"))


class AmnestyForm(FlaskForm):
    """Old kits handed back and swapped for new ones, in one step."""

    holder = SelectField(_l("Who is swapping kits"), validators=[DataRequired()])
    old_batch_id = SelectField(_l("Old batch handed back"), coerce=int, validators=[DataRequired()])
    new_batch_id = SelectField(_l("New batch given"), coerce=int, validators=[DataRequired()])
    new_from = SelectField(_l("New kits taken from"), validators=[DataRequired()])
    quantity = IntegerField(_l("Kits swapped"), validators=[DataRequired(), NumberRange(1, 1000)])
    submit = SubmitField(_l("Record the swap"))


class ReviewForm(FlaskForm):
    """Accept or reject a held record. A rejection needs its reason."""

    note = StringField(
        _l("Note or reason"),
        validators=[Length(max=300)],
        description=_l(
            "Required to reject. Seen by coordinators only; no names or health details."
        ),
    )
    accept = SubmitField(_l("Accept: count it"))
    reject = SubmitField(_l("Reject: keep it, never count it"))


class ConsentWithdrawalForm(FlaskForm):
    """A person withdraws consent at the service: the recipient code is made in the
    browser from what they say, so initials and date of birth never reach the server."""

    recipient_codes = StringField(
        validators=[
            DataRequired(
                message=_l(
                    "The code could not be made in this browser: check the "
                    "initials, date of birth and sex."
                )
            ),
            Regexp(r"^[A-Za-z0-9_-]{6,64}(,[A-Za-z0-9_-]{6,64}){0,3}$"),
        ]
    )
    withdrawn_on = DateField(_l("Date they withdrew"), validators=[DataRequired()])
    submit = SubmitField(_l("Record the withdrawal"))


class RecallByNumberForm(FlaskForm):
    """A manufacturer's recall names a product and batch number, whoever holds it."""

    product_id = SelectField(_l("Product"), coerce=int, validators=[DataRequired()])
    batch_number = StringField(
        _l("Manufacturer's batch number"), validators=[DataRequired(), Length(max=40)]
    )
    reason = StringField(
        _l("Reason (as the recall notice says)"), validators=[DataRequired(), Length(max=200)]
    )
    submit = SubmitField(_l("Recall this batch everywhere in the area"))
