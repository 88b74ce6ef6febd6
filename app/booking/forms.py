"""Forms of the booking pages; every one carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget


class ActionForm(FlaskForm):
    """A button that changes something (book, cancel, join, accept): only the CSRF token."""


class RescheduleForm(FlaskForm):
    """Pick another session of the same service."""

    session = SelectField(_l("New time"), coerce=int, validators=[InputRequired()],
                          validate_choice=True)


def _ticks(label: object) -> SelectMultipleField:
    return SelectMultipleField(label, choices=[], validate_choice=False,
                               option_widget=CheckboxInput(),
                               widget=ListWidget(prefix_label=False))


class ProfileForm(FlaskForm):
    """A counsellor's own profile; the service (app/booking/profiles.py) checks every value."""

    display_name = StringField(_l("Name workers see"), description=_l(
        "For example 林老师 or 林晓 (up to 40 characters)."))
    photo = FileField(_l("Photo (JPEG, PNG or WebP, at most 5 MB)"), description=_l(
        "We shrink it and remove its hidden details (camera, place) before anyone sees it."))
    remove_photo = BooleanField(_l("Remove my photo"))
    gender = SelectField(_l("Gender"), choices=[], validate_choice=False)
    specialties = _ticks(_l("What I help with"))
    languages = _ticks(_l("Languages and dialects I counsel in"))
    qualifications = _ticks(_l("Qualifications"))
    register_number = StringField(_l("Register number (registered psychologists and "
                                     "supervisors)"))
    intro_zh = TextAreaField(_l("Introduction in Chinese (up to 600 characters)"))
    intro_en = TextAreaField(_l("Introduction in English (up to 600 characters)"))


class SendBackForm(FlaskForm):
    """An admin declines a submitted profile, saying what should change."""

    note = TextAreaField(_l("What should change"), validators=[Length(max=300)])


class MeetingLinkForm(FlaskForm):
    """The counsellor types a video session's meeting link (checked by meetings.py)."""

    link = StringField(_l("Meeting link (https://…)"), validators=[Length(max=300)])


class FeedbackForm(FlaskForm):
    """Two optional questions after a session (checked by app/booking/feedback.py)."""

    rating = RadioField(_l("How helpful was this session for you?"), choices=[
        SelectChoice("5", _l("Very helpful")), SelectChoice("4", _l("Helpful")),
        SelectChoice("3", _l("Somewhat")), SelectChoice("2", _l("A little")),
        SelectChoice("1", _l("Not helpful"))], validate_choice=False)
    recommend = RadioField(_l("Would you recommend this service to a colleague or friend?"),
                           choices=[SelectChoice("yes", _l("Yes")),
                                    SelectChoice("unsure", _l("Not sure")),
                                    SelectChoice("no", _l("No"))], validate_choice=False)
