"""Account forms. Field rules live in services; forms only check presence and length."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

REQUIRED = _l("This field is required.")


class LoginForm(FlaskForm):
    """Sign in with an email or mobile number."""

    login = StringField(
        _l("Mobile number or email"), validators=[DataRequired(REQUIRED), Length(max=254)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(REQUIRED), Length(max=1024)],
        render_kw={"autocomplete": "current-password"},
    )


class RegisterForm(FlaskForm):
    """A worker's own account."""

    login = StringField(
        _l("Mobile number or email"), validators=[DataRequired(REQUIRED), Length(max=254)],
        description=_l("A mainland mobile number (11 digits) or an email address. "
                       "We use it only to sign you in and to send your booking messages."),
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    name = StringField(
        _l("What should we call you? (optional)"), validators=[Optional(), Length(max=60)],
        description=_l("A nickname is fine."), render_kw={"autocomplete": "nickname"},
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(REQUIRED)],
        description=_l("At least 8 characters. A short sentence is easy to remember."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    accept_privacy = BooleanField(
        _l("I have read the privacy notice and agree that my account data is processed as it "
           "describes."),
    )


class CodeForm(FlaskForm):
    """A six-digit code from the authenticator app (or, at sign-in, a recovery code)."""

    code = StringField(
        _l("Code"), validators=[DataRequired(REQUIRED), Length(max=20)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                   "autocapitalize": "none", "spellcheck": "false"},
    )


class ForgotPasswordForm(FlaskForm):
    """Ask for a reset link."""

    login = StringField(
        _l("Email"), validators=[DataRequired(REQUIRED), Length(max=254)],
        render_kw={"autocomplete": "email", "autocapitalize": "none", "spellcheck": "false"},
    )


class ResetPasswordForm(FlaskForm):
    """Choose a new password from a reset link."""

    password = PasswordField(
        _l("New password"), validators=[DataRequired(REQUIRED)],
        description=_l("At least 8 characters. A short sentence is easy to remember."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(REQUIRED), EqualTo("password", _l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )


class ChangePasswordForm(ResetPasswordForm):
    """A new password, confirmed with the current one (asked first)."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(REQUIRED)],
                            render_kw={"autocomplete": "current-password"})


class DeleteAccountForm(FlaskForm):
    """Deleting the account: the password, and an explicit yes."""

    password = PasswordField(_l("Your password"), validators=[DataRequired(REQUIRED)],
                             render_kw={"autocomplete": "current-password"})
    confirm = BooleanField(
        _l("I understand that my account and everything in it will be deleted for good."),
        validators=[DataRequired(_l("Please tick the box to confirm."))],
    )


class PhoneForm(FlaskForm):
    """A mainland mobile number to send a one-time code to."""

    phone = StringField(
        _l("Mobile number"), validators=[DataRequired(REQUIRED), Length(max=32)],
        description=_l("An 11-digit mainland mobile number. We send it a 6-digit code."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )


class SmsCodeForm(FlaskForm):
    """The six-digit code from the SMS."""

    code = StringField(
        _l("Code from the SMS"), validators=[DataRequired(REQUIRED), Length(max=12)],
        description=_l("6 digits, valid for 5 minutes."),
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                   "autocapitalize": "none", "spellcheck": "false"},
    )


class PhoneRegisterForm(SmsCodeForm):
    """A worker's own account on a number proven by its code."""

    name = RegisterForm.name
    password = RegisterForm.password
    confirm = RegisterForm.confirm
    accept_privacy = RegisterForm.accept_privacy


class NotificationsForm(FlaskForm):
    """Channels and reminders the person wants."""

    notify_sms = BooleanField(_l("Messages by SMS"))
    notify_email = BooleanField(_l("Messages by email"))
    reminders_wanted = BooleanField(
        _l("Reminders (the day before a session, and to repeat a questionnaire)"))
