"""Rules for changing what proves who someone is: re-authentication, contact details,
the authenticator app and recovery codes. No request objects here."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.accounts import mfa
from app.accounts.contact import ContactError, normalise_email, normalise_phone
from app.accounts.models import RecoveryCode, User
from app.accounts.services import (
    DUPLICATE,
    AccountError,
    email_index,
    end_other_sessions,
    phone_index,
)
from app.extensions import db
from app.security.passwords import verify_password
from app.types import utcnow

WRONG_CODE = _l("That code did not work. Codes change every 30 seconds; try the newest one.")


def notify_security_change(user: User) -> None:
    """Email the person (at their current address) that sign-in details changed (ASVS 6.3.7)."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from app.i18n import BABEL_CODES
    from app.notifications.services import enqueue

    with force_locale(BABEL_CODES.get(user.locale or "zh_CN", "zh_Hans_CN")):
        subject = _("Your Xinqing sign-in details were changed")
        body = _("The contact details or the authenticator app of your Xinqing account were "
                 "just changed.\n\nIf that was you, there is nothing to do. If it was not, "
                 "contact your centre at once: someone may be using your account.")
    enqueue(user, "security_change", subject=subject, text=body)


def confirm_identity(user: User, password: str, code: str | None) -> None:
    """Check the password (and the second factor when enrolled); AccountError otherwise.

    Failures are audited like failed sign-ins, without what was typed.
    """
    errors: dict[str, object] = {}
    if not verify_password(user.password_hash, password or ""):
        errors["password"] = _l("That is not your current password.")
    elif user.mfa_enabled and not mfa.verify(user, code or ""):
        errors["code"] = WRONG_CODE
    if errors:
        audit.record(user, "reauth.failed", user, {"reason": next(iter(errors))})
        db.session.commit()
        raise AccountError(errors)
    audit.record(user, "reauth.succeeded", user)
    db.session.commit()


def checked_contact(user: User, email: str | None, phone: str | None
                    ) -> tuple[str | None, str | None, str | None, str | None]:
    """New contact details as (email, email index, phone, phone index), or AccountError.

    Staff keep an email (sign-in and resets); everyone keeps at least one way to sign in.
    Uniqueness is checked through the blind indexes here and again by the database.
    """
    errors: dict[str, object] = {}
    new_email = new_phone = None
    try:
        new_email = normalise_email(email) if email and email.strip() else None
    except ContactError as exc:
        errors["email"] = exc.message
    try:
        new_phone = normalise_phone(phone) if phone and phone.strip() else None
    except ContactError as exc:
        errors["phone"] = exc.message
    if not errors:
        if user.is_staff and not new_email:
            errors["email"] = _l("Staff accounts need an email address.")
        elif not new_email and not new_phone:
            errors["phone"] = _l("Keep at least a mobile number or an email to sign in with.")
    e_idx = email_index(new_email) if new_email else None
    p_idx = phone_index(new_phone) if new_phone else None
    for field, column, index in (("email", User.email_index, e_idx),
                                 ("phone", User.phone_index, p_idx)):
        if index and field not in errors and db.session.scalar(
                select(func.count()).select_from(User).where(column == index,
                                                             User.id != user.id)):
            errors[field] = DUPLICATE
    if errors:
        raise AccountError(errors)
    return new_email, e_idx, new_phone, p_idx


def set_contact(user: User, email: str | None, phone: str | None) -> list[str]:
    """Store checked contact details (see ``checked_contact``); returns the fields changed.

    The person hears about it at the address they had until now. The caller audits and
    commits.
    """
    new_email, e_idx, new_phone, p_idx = checked_contact(user, email, phone)
    changed = [f for f, old, new in (("email", user.email_index, e_idx),
                                     ("phone", user.phone_index, p_idx)) if old != new]
    if changed:
        notify_security_change(user)  # to the address it had until now
        user.email, user.email_index = new_email, e_idx
        user.phone, user.phone_index = new_phone, p_idx
    return changed


def change_contact(user: User, email: str | None, phone: str | None) -> list[str]:
    """Set new contact details; returns the fields that changed (audited, never the values)."""
    changed = set_contact(user, email, phone)
    if not changed:
        return []
    audit.record(user, "account.contact_changed", user, {"fields": changed})
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # someone took it between the check and the commit
        raise AccountError({changed[0]: DUPLICATE}) from None
    return changed


def unused_recovery_codes(user: User) -> int:
    """How many recovery codes the person can still use."""
    return int(db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0)


def new_recovery_codes(user: User) -> list[str]:
    """Replace every recovery code (the old ones stop working); shown once."""
    codes = mfa._new_recovery_codes(user)
    audit.record(user, "mfa.recovery_codes_renewed", user)
    db.session.commit()
    return codes


def replace_authenticator(user: User, secret: str, code: str) -> list[str] | None:
    """Switch to a new authenticator secret once ``code`` proves the app has it.

    The old secret keeps working until then; on success every recovery code is new and
    every other session of the person ends (the caller renews its own).
    """
    previous = (user.totp_secret, user.totp_enabled_at, user.totp_last_step)
    user.totp_secret, user.totp_last_step = secret, None
    if not mfa._accept_code(user, code):
        user.totp_secret, user.totp_enabled_at, user.totp_last_step = previous
        db.session.rollback()
        return None
    action = "mfa.reenrolled" if previous[1] else "mfa.enrolled"
    notify_security_change(user)
    user.totp_enabled_at = utcnow()
    codes = mfa._new_recovery_codes(user)
    end_other_sessions(user)
    audit.record(user, action, user)
    db.session.commit()
    return codes
