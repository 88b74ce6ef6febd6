"""Forms of the counsellor's workspace (all with CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

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
    valid_from = DateField(_l("Starting on"), validators=[DataRequired()])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=60)])


class LeaveForm(FlaskForm):
    """Leave or a holiday: no sessions from the first day to the last (inclusive)."""

    first_day = DateField(_l("First day"), validators=[DataRequired()])
    last_day = DateField(_l("Last day"), validators=[DataRequired()])


class NoteForm(FlaskForm):
    """A private note on a session with one person."""

    body = TextAreaField(_l("Note"), validators=[DataRequired(), Length(max=10000)])


class ActionForm(FlaskForm):
    """A button: only the CSRF token."""


class ExtraHoursForm(FlaskForm):
    """One-off extra hours at a centre (e.g. an evening clinic)."""

    centre = SelectField(_l("Centre"), coerce=int, validators=[InputRequired()])
    service = SelectField(_l("Service"), coerce=int, validators=[InputRequired()])
    day = DateField(_l("Date"), validators=[DataRequired()])
    start = TimeField(_l("Start time"), validators=[DataRequired()])
    end = TimeField(_l("End time"), validators=[DataRequired()])
