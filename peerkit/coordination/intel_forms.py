"""Forms for frontline intelligence: referral destinations and outcomes (Flask-WTF, CSRF)."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from ..clock import uk_today
from ..vocab import REFERRAL_KINDS, REFERRAL_OUTCOMES


class ReferralDestinationForm(FlaskForm):
    """A place the service refers people to."""

    name = StringField(
        _l("Name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("As peers know it: 'Northbridge Recovery Hub'."),
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(code, label) for code, label in REFERRAL_KINDS.items()],
        validators=[DataRequired()],
    )
    submit = SubmitField(_l("Add destination"))


class ReferralOutcomeForm(FlaskForm):
    """What came of an accepted referral."""

    outcome = RadioField(
        _l("Outcome"),
        choices=[SelectChoice(code, label) for code, label in REFERRAL_OUTCOMES.items()],
        validators=[DataRequired()],
    )
    on = DateField(_l("Known on"), validators=[DataRequired()], default=uk_today)
    submit = SubmitField(_l("Record outcome"))

    def validate_on(self, field):
        if field.data > uk_today():
            raise ValidationError(_("This date is in the future."))
