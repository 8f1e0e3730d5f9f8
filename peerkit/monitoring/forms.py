"""The one thing a commissioner writes: the coverage denominator for their area."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class CoverageForm(FlaskForm):
    """Estimated opiate users in the commissioner's area for one calendar year."""

    year = IntegerField(_l("Year"), validators=[DataRequired(), NumberRange(2000, 2100)])
    estimated_opiate_users = IntegerField(
        _l("Estimated opiate users"),
        validators=[DataRequired(), NumberRange(1, 10_000_000)],
        description=_l("The published local estimate, e.g. from the national prevalence study."),
    )
    source = StringField(_l("Source"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Save estimate"))
