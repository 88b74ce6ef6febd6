"""Admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.accounts.forms import REQUIRED
from app.accounts.models import Role
from app.security.dates import in_service_years

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
    """A staff account: new (with a first password) or corrected (the password stays the
    person's own, so the edit page drops that field). Roles are held per centre: each
    choice is ``role:centre_id`` (see ``admin.services.parse_assignments``)."""

    name = StringField(_l("Name"), validators=[DataRequired(REQUIRED), Length(max=60)],
                       render_kw={"autocomplete": "off"})
    email = StringField(_l("Work email"), validators=[DataRequired(REQUIRED), Length(max=254)],
                        render_kw={"autocomplete": "off", "autocapitalize": "none"})
    phone = StringField(_l("Mobile number (optional)"), validators=[Optional(), Length(max=40)],
                        render_kw={"autocomplete": "off"})
    assignments = SelectMultipleField(
        _l("Roles at each centre"), choices=[], validate_choice=True,
        validators=[DataRequired(_l("Choose at least one role at a centre."))],
        option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
    )
    password = PasswordField(
        _l("First password"), validators=[DataRequired(REQUIRED)],
        description=_l("Give it to the person in private; at least 8 characters."),
        render_kw={"autocomplete": "new-password"},
    )


class StaffImportForm(FlaskForm):
    """A CSV of staff to check (dry run) and then import in one go."""

    csv_file = FileField(_l("CSV file (UTF-8): name, phone, email, roles, centres"))
    csv_text = TextAreaField(_l("Or paste the CSV here"), validators=[Optional()])
    confirm = BooleanField(_l("Import these staff and send their invitations"))
    # The confirm step names the checked file kept server-side (import_stash), not the file.
    stash = HiddenField(validators=[Optional(), Length(max=32)])


class AuditFilterForm(FlaskForm):
    """Filters for the audit log (a GET search: nothing changes, so no CSRF token)."""

    class Meta:
        csrf = False

    action = StringField(_l("Action starts with"), validators=[Optional(), Length(max=64)])
    target = StringField(_l("Record starts with"), validators=[Optional(), Length(max=80)])
    actor = StringField(_l("Person (id)"), validators=[Optional(), Length(max=32)])
    since = DateField(_l("From"), validators=[Optional(), in_service_years])
    until = DateField(_l("Until (inclusive)"), validators=[Optional(), in_service_years])


class RevealForm(FlaskForm):
    """Why an admin needs to know who an audit event is about (recorded with the event)."""

    reason = StringField(_l("Why do you need to know who this is?"), validators=[
        DataRequired(message=_l("Say why you need to know who this is (10 to 300 characters).")),
        Length(min=10, max=300,
               message=_l("Say why you need to know who this is (10 to 300 characters)."))])
