"""Proving a mobile number with a one-time SMS code (sign-up, sign-in, password reset).

Six digits, five minutes, five tries, one active code per number and purpose, stored only
as ``Crypto.keyed_hash``. ``request_code`` answers the same whether or not the number has
an account (no SMS is sent where none is due, but the request still counts), so the pages
cannot be used to find out who uses the service.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app import audit
from app.accounts.contact import normalise_phone
from app.accounts.models import User
from app.accounts.phone_limits import TOO_MANY, CodeLimitError, check
from app.accounts.phone_models import PhoneCode
from app.accounts.services import phone_index
from app.domain import DomainError
from app.extensions import db
from app.notifications.services import enqueue_sms, enqueue_sms_to
from app.security.crypto import get_crypto
from app.types import utcnow

PURPOSES = ("register", "login", "reset")
LIFETIME = timedelta(minutes=5)
MAX_TRIES = 5


class CodeError(DomainError):
    """The code is wrong, expired or used up (one message for all: nothing revealed)."""


WRONG = _l("This code is not right or has expired. Please check it or ask for a new one.")


def _hash(purpose: str, p_idx: str, code: str) -> str:
    return get_crypto().keyed_hash("sms-code", f"{purpose}:{p_idx}:{code}").hex()


def address_hash(address: str) -> str:
    """A keyed hash of the client address: limits count per address without keeping it."""
    return get_crypto().blind_index("sms-address", address or "-")


def account_for(phone: str) -> User | None:
    """The active account with this verified-format number, if any."""
    user = db.session.scalar(select(User).where(User.phone_index == phone_index(phone)))
    return user if user is not None and user.is_active else None


def _due_sms(purpose: str, user: User | None) -> bool:
    """Whether this request gets a real SMS (otherwise it is only counted)."""
    if purpose == "register":
        return True  # verified first; an existing account is told after the proof
    if user is None:
        return False
    if purpose == "login":
        return not user.is_staff  # staff sign in with password and authenticator
    return True


def request_code(raw_phone: str, purpose: str, address: str,
                 now: datetime | None = None) -> str:
    """Queue a code for ``raw_phone`` if one is due; returns the normalised number.

    Raises ContactError for a number that is not a mainland mobile and CodeLimitError
    (audited) when a limit is reached; commits.
    """
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    phone = normalise_phone(raw_phone)
    now = now or utcnow()
    p_idx, a_hash = phone_index(phone), address_hash(address)
    broken = check(p_idx, a_hash, now)
    if broken:
        audit.record(None, "sms_code.refused", None, {"purpose": purpose, "limit": broken})
        db.session.commit()
        raise CodeLimitError(TOO_MANY)
    user = account_for(phone)
    # The previous code for this number and purpose stops working.
    db.session.execute(update(PhoneCode).where(PhoneCode.active_key == f"{purpose}:{p_idx}")
                       .values(active_key=None).execution_options(synchronize_session=False))
    code = f"{secrets.randbelow(10 ** 6):06d}"
    due = _due_sms(purpose, user)
    db.session.add(PhoneCode(
        purpose=purpose, phone_index=p_idx, address_hash=a_hash,
        active_key=f"{purpose}:{p_idx}" if due else None,
        code_hash=_hash(purpose, p_idx, code) if due else None,
        created_at=now, expires_at=now + LIFETIME))
    if due:
        minutes = str(int(LIFETIME.total_seconds() // 60))
        if user is not None:
            enqueue_sms(user, f"code.{purpose}", template="code", params=[code, minutes])
        else:
            enqueue_sms_to(phone, f"code.{purpose}", template="code", params=[code, minutes])
    audit.record(None, "sms_code.requested", user, {"purpose": purpose})
    db.session.commit()
    return phone


def verify_code(phone: str, purpose: str, code: str, now: datetime | None = None) -> None:
    """Use up the active code if ``code`` matches; CodeError otherwise (a try is counted).

    The caller commits together with what the proof allows (the account, the sign-in).
    """
    now = now or utcnow()
    p_idx = phone_index(phone)
    row = db.session.scalar(select(PhoneCode).where(
        PhoneCode.active_key == f"{purpose}:{p_idx}").with_for_update())
    typed = "".join(ch for ch in (code or "") if not ch.isspace())
    if row is None or row.code_hash is None or row.expires_at <= now:
        raise CodeError(WRONG)
    if not hmac.compare_digest(row.code_hash, _hash(purpose, p_idx, typed)):
        row.attempts += 1
        if row.attempts >= MAX_TRIES:
            row.active_key = None
        audit.record(None, "sms_code.wrong", None, {"purpose": purpose})
        db.session.commit()
        raise CodeError(WRONG)
    row.active_key = None
    row.used_at = now

