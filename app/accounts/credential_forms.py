"""Forms for confirming one's identity and changing contact details or the authenticator."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.accounts.forms import REQUIRED


class ConfirmIdentityForm(FlaskForm):
    """The password, and the authenticator code for people who use one."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(REQUIRED),
                                                              Length(max=1024)],
                             render_kw={"autocomplete": "current-password"})
    code = StringField(
        _l("Code from your authenticator app"), validators=[Optional(), Length(max=20)],
        description=_l("Or one of your recovery codes."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                   "autocapitalize": "none", "spellcheck": "false"},
    )


class ContactForm(FlaskForm):
    """New email and mobile number (either may be left empty, not both)."""

    email = StringField(_l("Email"), validators=[Optional(), Length(max=254)],
                        render_kw={"autocomplete": "email", "autocapitalize": "none",
                                   "spellcheck": "false"})
    phone = StringField(_l("Mobile number"), validators=[Optional(), Length(max=40)],
                        description=_l("A mainland mobile number (11 digits)."),
                        render_kw={"autocomplete": "tel", "inputmode": "tel"})


class EmptyForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
