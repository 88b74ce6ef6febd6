"""Second factor for staff: TOTP (RFC 6238) with one-time recovery codes.

Staff (counsellors, social workers, admins) must enrol before their first session; a
worker may not, yet. Each code works once (the last accepted time step is kept), codes
from the neighbouring 30-second steps are accepted for clock drift, and recovery codes
are stored as keyed hashes, each usable once.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, select

from app import audit
from app.accounts.models import RecoveryCode, User
from app.extensions import db
from app.security.crypto import get_crypto
from app.types import utcnow

ISSUER = "Xinqing 心晴"
RECOVERY_CODES = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read aloud and typed by hand


def required(user: User) -> bool:
    """Staff must use a second factor; anyone who enrolled uses it too."""
    return user.mfa_enabled or (user.is_staff and current_app.config["STAFF_MFA_REQUIRED"])


def begin_setup(user: User) -> str:
    """A new secret for the person's authenticator app (not active until confirmed)."""
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.commit()
    return secret


def qr_code(user: User, secret: str) -> str:
    """The set-up QR code as an SVG data URI, made here (no outside service sees the secret)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email or user.uid, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=2)


def _accept_code(user: User, code: str) -> bool:
    """True for a current code not used before; remembers its step so it cannot be replayed."""
    code = "".join(ch for ch in code or "" if ch.isdigit())
    secret = user.totp_secret
    if len(code) != 6 or not secret:
        return False
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for drift in (0, -1, 1):
        moment = now + timedelta(seconds=30 * drift)
        step = totp.timecode(moment)
        if hmac.compare_digest(totp.at(moment), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return False
            user.totp_last_step = step
            return True
    return False


def confirm_setup(user: User, code: str) -> list[str] | None:
    """Activate the pending secret when ``code`` matches; returns fresh recovery codes."""
    if user.mfa_enabled or not _accept_code(user, code):
        db.session.rollback()
        return None
    user.totp_enabled_at = utcnow()
    codes = _new_recovery_codes(user)
    audit.record(user, "mfa.enrolled", user)
    db.session.commit()
    return codes


def verify(user: User, code: str) -> bool:
    """Check a sign-in code (or a recovery code); audits failures and recovery-code use.

    A full sign-in proves the person still has their authenticator, so it cancels an
    administrator's pending reset of it.
    """
    if user.mfa_enabled and _accept_code(user, code):
        _cancel_pending_reset(user)
        db.session.commit()
        return True
    if user.mfa_enabled and _use_recovery_code(user, code):
        audit.record(user, "mfa.recovery_code_used", user)
        _cancel_pending_reset(user)
        db.session.commit()
        return True
    db.session.rollback()
    audit.record(None, "mfa.failed", user)
    db.session.commit()
    return False


def _hash(code: str) -> bytes:
    normalised = "".join(ch for ch in code.lower() if ch.isalnum())
    return get_crypto().keyed_hash("recovery-code", normalised)


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(raw)))
    return codes


def _use_recovery_code(user: User, code: str) -> bool:
    row = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code or ""),
        RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = utcnow()
    return True


def _cancel_pending_reset(user: User) -> None:
    if user.mfa_reset_due_at is not None:
        user.mfa_reset_due_at = None
        audit.record(user, "mfa.reset_cancelled", user)


def apply_due_reset(user: User, now: datetime | None = None) -> bool:
    """Once an administrator's held reset is due, forget the authenticator and its recovery
    codes, so this sign-in sets up a new one; True when it did. Commits."""
    due = user.mfa_reset_due_at
    if due is None or due > (now or utcnow()):
        return False
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.mfa_reset_due_at = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(None, "mfa.reset_applied", user)
    db.session.commit()
    return True
