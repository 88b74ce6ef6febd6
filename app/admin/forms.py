"""Admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, SelectChoice, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.accounts.forms import REQUIRED
from app.accounts.models import Role

ROLE_LABELS = {
    Role.WORKER: _l("Worker"),
    Role.COUNSELLOR: _l("Counsellor"),
    Role.SOCIAL_WORKER: _l("Social worker"),
    Role.ADMIN: _l("Administrator"),
    Role.FACILITATOR: _l("Facilitator or volunteer"),
}


STAFF_ROLE_CHOICES = [SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()
                      if r != Role.WORKER]


class StaffForm(FlaskForm):
    """A new staff account."""

    email = StringField(_l("Work email"), validators=[DataRequired(REQUIRED), Length(max=254)],
                        render_kw={"autocomplete": "off", "autocapitalize": "none"})
    phone = StringField(_l("Mobile number (optional)"), validators=[Optional(), Length(max=40)],
                        render_kw={"autocomplete": "off"})
    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=60)],
                       render_kw={"autocomplete": "off"})
    roles = SelectMultipleField(
        _l("Roles"),
        choices=STAFF_ROLE_CHOICES,
        validators=[DataRequired(_l("Choose at least one role."))],
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
    )
    password = PasswordField(
        _l("First password"), validators=[DataRequired(REQUIRED)],
        description=_l("Give it to the person in private; at least 8 characters."),
        render_kw={"autocomplete": "new-password"},
    )


class StaffEditForm(FlaskForm):
    """Corrections to an existing staff account (its password stays the person's own)."""

    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=60)],
                       render_kw={"autocomplete": "off"})
    email = StringField(_l("Work email"), validators=[DataRequired(REQUIRED), Length(max=254)],
                        render_kw={"autocomplete": "off", "autocapitalize": "none"})
    phone = StringField(_l("Mobile number (optional)"), validators=[Optional(), Length(max=40)],
                        render_kw={"autocomplete": "off"})
    roles = SelectMultipleField(
        _l("Roles"), choices=STAFF_ROLE_CHOICES,
        validators=[DataRequired(_l("Choose at least one role."))],
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
    )
    centres = SelectMultipleField(
        _l("Centres"), coerce=int, choices=[], validate_choice=True,
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
    )


class AuditFilterForm(FlaskForm):
    """Filters for the audit log (a GET search: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    action = StringField(_l("Action starts with"), validators=[Optional(), Length(max=64)])
    target = StringField(_l("Record starts with"), validators=[Optional(), Length(max=80)])
    actor = StringField(_l("Person (id)"), validators=[Optional(), Length(max=32)])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until (inclusive)"), validators=[Optional()])


class RevealForm(FlaskForm):
    """Why an admin needs to know who an audit event is about (recorded with the event)."""

    reason = StringField(_l("Why do you need to know who this is?"), validators=[
        DataRequired(message=_l("Say why you need to know who this is (10 to 300 characters).")),
        Length(min=10, max=300,
               message=_l("Say why you need to know who this is (10 to 300 characters)."))])
