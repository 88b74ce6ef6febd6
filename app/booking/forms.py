"""Forms of the booking pages; every one carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired


class ActionForm(FlaskForm):
    """A button that changes something (book, cancel, join, accept): only the CSRF token."""


class RescheduleForm(FlaskForm):
    """Pick another session of the same service."""

    session = SelectField(_l("New time"), coerce=int, validators=[InputRequired()],
                          validate_choice=True)
