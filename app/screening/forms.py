"""Screening forms. Questionnaire answers are read by views.parse_answers (items vary)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from app.screening.profile import AGE_BANDS, SECTORS

PREFER_NOT = SelectChoice("", _l("Prefer not to say"))


def _choices(pairs: list) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class ConsentForm(FlaskForm):
    """Agree to health-data processing, or continue without saving."""


class ProfileForm(FlaskForm):
    """Optional coarse profile for statistics."""

    age_band = SelectField(_l("Age"), choices=[PREFER_NOT, *_choices(AGE_BANDS)],
                           validators=[Optional()])
    sector = SelectField(_l("Type of work"), choices=[PREFER_NOT, *_choices(SECTORS)],
                         validators=[Optional()])
    centre = SelectField(_l("Your nearest centre"), choices=[], validators=[Optional()])


class RetrieveForm(FlaskForm):
    """Enter a retrieval code."""

    code = StringField(_l("Your result code"), validators=[
        DataRequired(_l("Please enter your code.")), Length(max=40)])


class ContactForm(FlaskForm):
    """Ask a counsellor to get in touch."""

    centre = SelectField(_l("Which centre should contact you?"), choices=[],
                         validators=[DataRequired(_l("Please choose a centre."))])
    phone = StringField(_l("Phone number"), validators=[Optional(), Length(max=30)])
    use_account = BooleanField(_l("Use the phone number or email of my account"))
    best_time = RadioField(_l("Best time to call"), default="any", choices=_choices([
        ("morning", _l("Morning")), ("afternoon", _l("Afternoon")),
        ("evening", _l("Evening")), ("any", _l("Any time"))]))


class ShareForm(FlaskForm):
    """Toggle sharing of one result (the button says which way)."""


class ReminderForm(FlaskForm):
    """Ask to be reminded to repeat a questionnaire."""

    weeks = RadioField(_l("Remind me in"), default="4", choices=_choices([
        ("2", _l("2 weeks")), ("4", _l("4 weeks"))]))


class CancelForm(FlaskForm):
    """Cancel a reminder."""
