"""Forgotten passwords: a one-time link by email, valid for 30 minutes.

The answer to a request is the same whether or not the address has an account, so the
page cannot be used to find out who uses the service. Phone-only accounts prove their
number with an SMS code instead (app/accounts/phone_accounts.py), which opens the same
reset page through ``issue_token``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select, update

from app import audit
from app.accounts.models import PasswordReset, User
from app.accounts.services import AccountError, end_other_sessions, find_by_login
from app.extensions import db
from app.i18n import BABEL_CODES
from app.notifications.services import enqueue
from app.security.passwords import hash_password, password_problem
from app.types import utcnow

VALID_FOR = timedelta(minutes=30)


def _hash(token: str) -> bytes:
    # Tokens carry 256 random bits, so a plain hash is enough to make a stolen table useless.
    return hashlib.sha256(token.encode()).digest()


def request_reset(login: str, base_url: str) -> None:
    """Email a reset link when ``login`` is an account with an email; otherwise do nothing."""
    user = find_by_login(login)
    if user is None or not user.is_active or not user.email:
        return
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=_hash(token),
                                 expires_at=utcnow() + VALID_FOR))
    link = base_url.rstrip("/") + url_for("accounts.reset_link", token=token)
    with force_locale(BABEL_CODES.get(user.locale or "zh_CN", "zh_Hans_CN")):
        subject = _("Set a new Xinqing password")
        body = _("Someone (we hope you) asked to set a new password for your Xinqing account.\n\n"
                 "Open this link within 30 minutes to choose one:\n%(link)s\n\n"
                 "If it was not you, ignore this email: your password stays as it is.",
                 link=link)
    enqueue(user, "password_reset", subject=subject, text=body)
    audit.record(None, "account.password_reset_requested", user)
    db.session.commit()


def issue_token(user: User) -> str:
    """A reset token for ``user`` once they proved control of their number; caller commits."""
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=_hash(token),
                                 expires_at=utcnow() + VALID_FOR))
    audit.record(user, "account.password_reset_requested", user, {"by": "sms"})
    return token


INVITATION_VALID_FOR = timedelta(days=7)


def issue_invitation(user: User) -> str:
    """A week-long link for a new staff member to choose their first password (they pair
    their authenticator at the first sign-in after it); the caller audits and commits."""
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordReset(user_id=user.id, token_hash=_hash(token),
                                 expires_at=utcnow() + INVITATION_VALID_FOR))
    return token


def valid_reset(token: str) -> PasswordReset | None:
    """The unused, unexpired reset for ``token``."""
    reset = db.session.scalar(select(PasswordReset).where(
        PasswordReset.token_hash == _hash(token or "")))
    if reset is None or reset.used_at is not None or reset.expires_at < utcnow():
        return None
    return reset


def reset_password(token: str, new: str) -> User | None:
    """Set the new password; None when the link is unknown, used or expired."""
    reset = valid_reset(token)
    if reset is None:
        return None
    user = db.session.get_one(User, reset.user_id)
    problem = password_problem(new, avoid=tuple(v for v in (user.email, user.phone) if v))
    if problem:
        raise AccountError({"password": problem})
    user.password_hash = hash_password(new)
    end_other_sessions(user)
    # This link and any other open one for the person stop working.
    db.session.execute(update(PasswordReset).where(
        PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)
    ).values(used_at=utcnow()))
    audit.record(user, "account.password_reset", user)
    db.session.commit()
    return user
