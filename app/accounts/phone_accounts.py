"""What a proven mobile number allows: a new worker account, a sign-in, a password reset."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.accounts import password_reset, services
from app.accounts.models import User
from app.accounts.phone_codes import WRONG, CodeError, account_for, verify_code
from app.accounts.services import AccountError
from app.extensions import db


def register_by_phone(phone: str, code: str, password: str, *, name: str | None,
                      locale: str | None, accepted_privacy_notice: bool) -> User:
    """Create a worker account for a number proven by its ``register`` code; commits.

    A proven number that already has an account is told so (only its holder sees this).
    """
    verify_code(phone, "register", code)
    if account_for(phone) is not None:
        raise AccountError({"code": _l("This mobile number already has an account. Please "
                                       "sign in, or set a new password if you forgot it.")})
    return services.register_worker(phone, password, name=name, locale=locale,
                                    accepted_privacy_notice=accepted_privacy_notice)


def sign_in_by_code(phone: str, code: str) -> User:
    """The worker whose number the ``login`` code proves (the caller starts the session)."""
    verify_code(phone, "login", code)
    user = account_for(phone)
    if user is None or user.is_staff:
        raise CodeError(WRONG)
    return user


def reset_by_code(phone: str, code: str) -> str:
    """A password-reset token for the account whose number the ``reset`` code proves;
    commits."""
    verify_code(phone, "reset", code)
    user = account_for(phone)
    if user is None:
        raise CodeError(WRONG)
    token = password_reset.issue_token(user)
    db.session.commit()
    return token
