"""Admin forms for the "1+N" network: centres, services, scheduled sessions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from app.accounts.forms import REQUIRED
from app.security.dates import in_service_years

CODE = Regexp(r"^[a-z0-9-]{2,40}$", message=_l("Lower-case letters, digits and hyphens."))
SERVICE_KINDS = [
    SelectChoice("individual", _l("Individual counselling")),
    SelectChoice("group", _l("Group stress relief")),
    SelectChoice("relaxation", _l("Relaxation training")),
    SelectChoice("assessment", _l("Assessment and career evaluation")),
    SelectChoice("lecture", _l("Public lecture")),
]

MODES = [
    SelectChoice("in_person", _l("In person at the centre")),
    SelectChoice("phone", _l("By phone")),
    SelectChoice("video", _l("By video")),
]


def _checkboxes(label: object) -> SelectMultipleField:
    return SelectMultipleField(label, coerce=int, choices=[], validate_choice=True,
                               option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False))


class CentreForm(FlaskForm):
    """A centre: the hub or a county centre under it."""

    code = StringField(_l("Code (used in web addresses)"),
                       validators=[DataRequired(REQUIRED), CODE])
    parent = SelectField(_l("Part of"), coerce=int, choices=[], validators=[InputRequired()])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(REQUIRED),
                                                           Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(REQUIRED),
                                                           Length(max=160)])
    region_zh = StringField(_l("Region (Chinese)"), validators=[DataRequired(REQUIRED),
                                                               Length(max=40)])
    region_en = StringField(_l("Region (English)"), validators=[DataRequired(REQUIRED),
                                                               Length(max=60)])
    address_zh = StringField(_l("Address (Chinese)"), validators=[DataRequired(REQUIRED),
                                                                 Length(max=200)])
    address_en = StringField(_l("Address (English)"), validators=[DataRequired(REQUIRED),
                                                                 Length(max=240)])
    phone = StringField(_l("Phone"), validators=[DataRequired(REQUIRED), Length(max=40)])
    hours_zh = StringField(_l("Opening hours (Chinese)"), validators=[DataRequired(REQUIRED),
                                                                     Length(max=200)])
    hours_en = StringField(_l("Opening hours (English)"), validators=[DataRequired(REQUIRED),
                                                                     Length(max=200)])
    directions_zh = TextAreaField(_l("How to get there (Chinese)"), validators=[Optional()])
    directions_en = TextAreaField(_l("How to get there (English)"), validators=[Optional()])
    active = BooleanField(_l("Open for booking"), default=True)
    services = _checkboxes(_l("Services offered"))
    staff = _checkboxes(_l("Staff working here"))


class ServiceForm(FlaskForm):
    """A service and its booking rules."""

    code = StringField(_l("Code (used in web addresses)"),
                       validators=[DataRequired(REQUIRED), CODE])
    kind = SelectField(_l("Kind"), choices=SERVICE_KINDS, validators=[InputRequired()])
    mode = SelectField(_l("How people meet"), choices=MODES, default="in_person")
    meeting_url_template = StringField(
        _l("Video meeting address (optional)"), validators=[Optional(), Length(max=300)],
        description=_l("For a self-hosted Jitsi Meet: https://meet.example.org/{room} "
                       "({room} becomes a new room for each session). Leave empty when "
                       "counsellors type each session's Tencent Meeting link."))
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(REQUIRED),
                                                           Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(REQUIRED),
                                                           Length(max=160)])
    description_zh = TextAreaField(_l("Description (Chinese)"), validators=[Optional()])
    description_en = TextAreaField(_l("Description (English)"), validators=[Optional()])
    duration_minutes = IntegerField(_l("Duration (minutes)"),
                                    validators=[InputRequired(), NumberRange(5, 480)])
    capacity = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(1, 500)])
    requires_confirmation = BooleanField(_l("A counsellor confirms each request"))
    cancellation_window_hours = IntegerField(_l("Free cancellation until (hours before)"),
                                             default=24,
                                             validators=[InputRequired(), NumberRange(0, 336)])
    min_notice_hours = IntegerField(_l("Minimum notice (hours)"), default=2,
                                    validators=[InputRequired(), NumberRange(0, 336)])
    horizon_days = IntegerField(_l("Bookable ahead (days)"), default=30,
                                validators=[InputRequired(), NumberRange(1, 365)])
    buffer_minutes = IntegerField(_l("Break between sessions (minutes)"), default=10,
                                  validators=[InputRequired(), NumberRange(0, 120)])
    active = BooleanField(_l("Open for booking"), default=True)


class ScheduleForm(FlaskForm):
    """One staff-scheduled session, e.g. a group, with its room and seats."""

    centre = SelectField(_l("Centre"), coerce=int, choices=[], validators=[InputRequired()])
    service = SelectField(_l("Service"), coerce=int, choices=[], validators=[InputRequired()])
    counsellor = SelectField(_l("Leader (counsellor or facilitator)"), coerce=int, choices=[],
                             validators=[InputRequired()],
                             description=_l("A facilitator leads group sessions, relaxation "
                                            "training and lectures at their own centres."))
    day = DateField(_l("Date"), validators=[DataRequired(REQUIRED), in_service_years])
    start = TimeField(_l("Start time"), validators=[DataRequired(REQUIRED)])
    room_id = SelectField(_l("Room"), coerce=int, choices=[], validators=[Optional()])
    room = StringField(_l("Other place (if not one of the rooms)"),
                       validators=[Optional(), Length(max=60)])
    room_en = StringField(_l("Room in English (optional)"),
                          validators=[Optional(), Length(max=60)])
    capacity = IntegerField(_l("Seats"), validators=[Optional(), NumberRange(1, 500)])


class ClosureForm(FlaskForm):
    """A centre shut for whole days (a public holiday, a typhoon day)."""

    centre = SelectField(_l("Centre"), coerce=int, choices=[], validators=[InputRequired()])
    first_day = DateField(_l("First day closed"),
                          validators=[DataRequired(REQUIRED), in_service_years])
    last_day = DateField(_l("Last day closed"),
                         validators=[DataRequired(REQUIRED), in_service_years])
    reason_zh = StringField(_l("Reason (Chinese)"), validators=[DataRequired(REQUIRED),
                                                               Length(max=120)])
    reason_en = StringField(_l("Reason (English)"), validators=[Optional(), Length(max=160)])


class ClosureEditForm(FlaskForm):
    """A closure's days and reason, corrected."""

    first_day = DateField(_l("First day closed"),
                          validators=[DataRequired(REQUIRED), in_service_years])
    last_day = DateField(_l("Last day closed"),
                         validators=[DataRequired(REQUIRED), in_service_years])
    reason_zh = StringField(_l("Reason (Chinese)"), validators=[DataRequired(REQUIRED),
                                                               Length(max=120)])
    reason_en = StringField(_l("Reason (English)"), validators=[Optional(), Length(max=160)])


class HolidayCalendarForm(FlaskForm):
    """Load a year's public holidays (a shipped calendar file) as closures."""

    calendar = SelectField(_l("Holiday calendar"), choices=[], validators=[InputRequired()])
    centre = SelectField(_l("Centre"), coerce=int, choices=[], validators=[InputRequired()])


class RoomForm(FlaskForm):
    """A room of a centre."""

    centre = SelectField(_l("Centre"), coerce=int, choices=[], validators=[InputRequired()])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(REQUIRED),
                                                           Length(max=60)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=60)])
    capacity = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(1, 500)])
    accessible = BooleanField(_l("Step-free access"))


EVENT_KINDS = [
    SelectChoice("lecture", _l("Public lecture")),
    SelectChoice("group", _l("Group stress relief")),
    SelectChoice("relaxation", _l("Relaxation training")),
    SelectChoice("family", _l("Parent and child activity")),
    SelectChoice("workshop", _l("Workshop at a workplace")),
]
EVENT_PLACES = [
    SelectChoice("centre", _l("At the centre")),
    SelectChoice("site", _l("At a workplace (address below)")),
    SelectChoice("online", _l("Online (link below)")),
]


class EventForm(FlaskForm):
    """A new event: its session (centre, service, leader, time, room) and public details."""

    kind = SelectField(_l("Kind"), choices=EVENT_KINDS, validators=[InputRequired()])
    title_zh = StringField(_l("Title (Chinese)"), validators=[DataRequired(REQUIRED),
                                                             Length(max=120)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=160)])
    description_zh = TextAreaField(_l("Description (Chinese)"),
                                   validators=[Optional(), Length(max=4000)])
    description_en = TextAreaField(_l("Description (English)"),
                                   validators=[Optional(), Length(max=4000)])
    speaker = StringField(_l("Speaker or facilitator (as shown)"),
                          validators=[Optional(), Length(max=120)])
    audience_zh = StringField(_l("Audience (Chinese)"), validators=[Optional(), Length(max=200)])
    audience_en = StringField(_l("Audience (English)"), validators=[Optional(), Length(max=200)])
    centre = SelectField(_l("Organising centre"), coerce=int, choices=[],
                         validators=[InputRequired()])
    service = SelectField(_l("Service"), coerce=int, choices=[], validators=[InputRequired()])
    leader = SelectField(_l("Leader (counsellor or facilitator)"), coerce=int, choices=[],
                         validators=[InputRequired()])
    place = SelectField(_l("Place"), choices=EVENT_PLACES, validators=[InputRequired()])
    room_id = SelectField(_l("Room"), coerce=int, choices=[], validators=[Optional()])
    site_zh = StringField(_l("Workplace address (Chinese)"),
                          validators=[Optional(), Length(max=200)])
    site_en = StringField(_l("Workplace address (English)"),
                          validators=[Optional(), Length(max=200)])
    online_url = StringField(_l("Link to join online"), validators=[Optional(), Length(max=300)])
    day = DateField(_l("Date"), validators=[DataRequired(REQUIRED), in_service_years])
    start = TimeField(_l("Start time"), validators=[DataRequired(REQUIRED)])
    capacity = IntegerField(_l("Places"), validators=[Optional(), NumberRange(1, 500)])
    opens_on = DateField(_l("Registration opens on"),
                         validators=[DataRequired(REQUIRED), in_service_years])
    closes_hours_before = IntegerField(_l("Registration closes (hours before the start)"),
                                       default=2, validators=[InputRequired(),
                                                              NumberRange(0, 336)])
    tags = StringField(_l("Topics (separated by commas)"),
                       validators=[Optional(), Length(max=200)])
