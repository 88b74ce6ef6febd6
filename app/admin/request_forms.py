"""Admin forms answering an enterprise's event request."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.accounts.forms import REQUIRED
from app.admin.network_forms import EVENT_KINDS


class AcceptRequestForm(FlaskForm):
    """The event the centre schedules at the enterprise's site."""

    kind = SelectField(_l("Kind"), choices=EVENT_KINDS, validators=[InputRequired()])
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(REQUIRED),
                                                             Length(max=120)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=160)])
    leader = SelectField(_l("Leader (counsellor or facilitator)"), coerce=int, choices=[],
                         validators=[InputRequired()])
    speaker = StringField(_l("Speaker or facilitator (as shown)"),
                          validators=[Optional(), Length(max=120)])
    day = DateField(_l("Date"), validators=[DataRequired(REQUIRED)])
    start = TimeField(_l("Start time"), validators=[DataRequired(REQUIRED)])
    capacity = IntegerField(_l("Places"), validators=[Optional(), NumberRange(1, 500)])
    closes_hours_before = IntegerField(_l("Registration closes (hours before the start)"),
                                       default=2, validators=[InputRequired(),
                                                              NumberRange(0, 336)])


class DeclineRequestForm(FlaskForm):
    """Why the centre cannot hold the event (the requester reads it)."""

    reason = TextAreaField(_l("Reason (the requester reads it)"),
                           validators=[DataRequired(REQUIRED), Length(max=300)])
