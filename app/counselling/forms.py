"""Forms of the counsellor's workspace (all with CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from app.counselling.models import NOTE_MAX_CHARS
from app.counselling.services import note_too_long
from app.security.dates import in_service_years

WEEKDAYS = [(0, _l("Monday")), (1, _l("Tuesday")), (2, _l("Wednesday")), (3, _l("Thursday")),
            (4, _l("Friday")), (5, _l("Saturday")), (6, _l("Sunday"))]
WEEKDAY_CHOICES = [SelectChoice(str(n), label) for n, label in WEEKDAYS]


class AvailabilityForm(FlaskForm):
    """A weekly rule: at this centre, this service, on this weekday, between these hours."""

    centre = SelectField(_l("Centre"), coerce=int, validators=[InputRequired()])
    service = SelectField(_l("Service"), coerce=int, validators=[InputRequired()])
    weekday = SelectField(_l("Weekday"), coerce=int, choices=WEEKDAY_CHOICES,
                          validators=[InputRequired()])
    start = TimeField(_l("Start time"), validators=[DataRequired()])
    end = TimeField(_l("End time"), validators=[DataRequired()])
    valid_from = DateField(_l("Starting on"), validators=[DataRequired(), in_service_years])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=60)])
    room_en = StringField(_l("Room in English (optional)"),
                          validators=[Optional(), Length(max=60)])


class LeaveForm(FlaskForm):
    """Leave or a holiday: no sessions from the first day to the last (inclusive)."""

    first_day = DateField(_l("First day"), validators=[DataRequired(), in_service_years])
    last_day = DateField(_l("Last day"), validators=[DataRequired(), in_service_years])


class NoteForm(FlaskForm):
    """A private note on a session with one person."""

    body = TextAreaField(
        _l("Note"), validators=[DataRequired()],
        description=_l("Up to %(max)s characters.", max=f"{NOTE_MAX_CHARS:,}"),
        # maxlength stops typing at the limit without any script; the page's script
        # (static/js/polish.js) counts down, {left} being its number.
        render_kw={"maxlength": NOTE_MAX_CHARS, "data-counter": _l("{left} characters left")})

    def validate_body(self, field: TextAreaField) -> None:
        """Over the limit: say by how much, in the reader's language."""
        if field.data and len(field.data) > NOTE_MAX_CHARS:
            raise ValidationError(note_too_long(len(field.data)))


class ActionForm(FlaskForm):
    """A button: only the CSRF token."""


class ExtraHoursForm(FlaskForm):
    """One-off extra hours at a centre (e.g. an evening clinic)."""

    centre = SelectField(_l("Centre"), coerce=int, validators=[InputRequired()])
    service = SelectField(_l("Service"), coerce=int, validators=[InputRequired()])
    day = DateField(_l("Date"), validators=[DataRequired(), in_service_years])
    start = TimeField(_l("Start time"), validators=[DataRequired()])
    end = TimeField(_l("End time"), validators=[DataRequired()])


def _pairs(pairs: list) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


CHOOSE = SelectChoice("", _l("Choose"))
ATTEMPT_CHOICES = _pairs([("no_answer", _l("No answer")), ("left_message", _l("Left a message")),
                          ("wrong_number", _l("Wrong number"))])
REFERRAL_CHOICES = _pairs([("hospital", _l("Hospital (emergency, psychology or psychiatry)")),
                           ("hotline_12356", _l("12356 hotline")), ("police", _l("Police (110)"))])
OUTCOME_CHOICES = _pairs([
    ("supported", _l("Reached and supported; no further follow-up needed")),
    ("session_booked", _l("Reached; a counselling session is booked")),
    ("referred", _l("Reached and referred")),
    ("declined", _l("Reached; the person declined help")),
    ("unreachable", _l("Not reachable after repeated attempts")),
    ("other", _l("Other (see the note)"))])


class RiskStepForm(FlaskForm):
    """One follow-up step on a risk item: which step, and what it needs.

    Choices are checked by app/counselling/risk_queue.record_step, which says what is
    missing for the chosen step.
    """

    kind = RadioField(_l("Step"), choices=_pairs([
        ("attempted", _l("I tried to reach the person")),
        ("reached", _l("I reached the person")),
        ("referred", _l("I referred the person")),
        ("closed", _l("Close the item with an outcome"))]), validate_choice=False)
    result = SelectField(_l("What happened"), choices=[CHOOSE, *ATTEMPT_CHOICES],
                         validate_choice=False)
    next_try = StringField(_l("Try again at (Beijing time)"), validators=[Length(max=20)],
                           render_kw={"type": "datetime-local"})
    referred_to = SelectField(_l("Referred to"), choices=[CHOOSE, *REFERRAL_CHOICES],
                              validate_choice=False)
    outcome = SelectField(_l("Outcome"), choices=[CHOOSE, *OUTCOME_CHOICES],
                          validate_choice=False)
    note = TextAreaField(_l("Note (only counsellors of this centre can read it)"),
                         validators=[Length(max=4000)])


class ExperienceForm(FlaskForm):
    """Two optional questions when a course of care has ended (app/counselling/courses.py)."""

    helped = RadioField(_l("Overall, how much did counselling help you?"), choices=[
        SelectChoice("5", _l("A great deal")), SelectChoice("4", _l("Quite a lot")),
        SelectChoice("3", _l("Somewhat")), SelectChoice("2", _l("A little")),
        SelectChoice("1", _l("Not at all"))], validate_choice=False)
    recommend = RadioField(_l("Would you recommend this service to a colleague or friend?"),
                           choices=[SelectChoice("yes", _l("Yes")),
                                    SelectChoice("unsure", _l("Not sure")),
                                    SelectChoice("no", _l("No"))], validate_choice=False)
    share = BooleanField(_l("Let my counsellor see my answers"), default=False,
                         description=_l("Optional. If you leave this off, your answers are "
                                        "only counted without your name."))
