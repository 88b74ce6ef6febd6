"""Staff-assisted recovery: a worker who lost both password and phone gets back in.

A counsellor or admin of the worker's home centre checks who is asking (in person or by
phone), then issues a one-time code that the page shows once for the staff member to read
out; it is never sent anywhere, since the worker's number may be the very thing they lost.
Ten digits, 30 minutes, five tries, one active code per worker, stored only as
``Crypto.keyed_hash``. The worker types their login and the code and chooses a new
password. Issuing is audited against the worker, so it appears on *who opened my records*.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app import audit
from app.accounts import password_reset
from app.accounts.models import User
from app.accounts.phone_models import PhoneCode
from app.accounts.services import find_by_login
from app.domain import DomainError
from app.extensions import db
from app.security.crypto import get_crypto
from app.security.roles import Role
from app.types import utcnow

PURPOSE = "recovery"
LIFETIME = timedelta(minutes=30)
MAX_TRIES = 5
METHODS = ("in_person", "phone")


class RecoveryError(DomainError):
    """A recovery refused: unknown worker for this staff member, or a wrong/used code."""

    def __init__(self, message: object, field: str) -> None:
        super().__init__(message)
        self.field = field


NOT_YOURS = _l("No worker of your centre has this phone number or email. Please check it.")
WRONG = _l("This recovery code is not right, has expired or was already used. "
           "Please ask your centre for a new one.")


def _key(user: User) -> str:
    return get_crypto().blind_index("recovery", user.uid)


def _hash(key: str, code: str) -> str:
    return get_crypto().keyed_hash("staff-assisted-recovery", f"{key}:{code}").hex()


def _may_help(staff: User, worker: User) -> bool:
    """Admins, or counsellors and social workers of the worker's home centre."""
    if Role.ADMIN in staff.roles:
        return True
    from app.booking.models import centre_staff

    if worker.home_centre_id is None:
        return False
    return db.session.scalar(select(centre_staff.c.user_id).where(
        centre_staff.c.user_id == staff.id,
        centre_staff.c.centre_id == worker.home_centre_id)) is not None


def worker_for(staff: User, login: str) -> User:
    """The active worker with this login whom ``staff`` may help; RecoveryError otherwise
    (the same answer for "no such account" and "not your centre")."""
    worker = find_by_login(login or "")
    if (worker is None or not worker.is_active or worker.is_staff
            or not _may_help(staff, worker)):
        raise RecoveryError(NOT_YOURS, "login")
    return worker


def issue_code(staff: User, login: str, method: str, now: datetime | None = None) -> str:
    """A fresh code for the worker (any earlier one stops working); audited; commits."""
    if method not in METHODS:
        raise ValueError(method)
    worker = worker_for(staff, login)
    now = now or utcnow()
    key = _key(worker)
    db.session.execute(update(PhoneCode).where(PhoneCode.active_key == f"{PURPOSE}:{key}")
                       .values(active_key=None).execution_options(synchronize_session=False))
    code = f"{secrets.randbelow(10 ** 10):010d}"
    db.session.add(PhoneCode(purpose=PURPOSE, phone_index=key, address_hash="staff",
                             active_key=f"{PURPOSE}:{key}", code_hash=_hash(key, code),
                             created_at=now, expires_at=now + LIFETIME))
    audit.record(staff, "account.recovery_issued", worker, {"method": method})
    db.session.commit()
    return code


def redeem(login: str, code: str, now: datetime | None = None) -> str:
    """A password-reset token for the worker whose code this is; RecoveryError otherwise
    (a wrong try is counted and committed). Commits."""
    now = now or utcnow()
    worker = find_by_login(login or "")
    if worker is None or not worker.is_active:
        raise RecoveryError(WRONG, "code")
    key = _key(worker)
    row = db.session.scalar(select(PhoneCode).where(
        PhoneCode.active_key == f"{PURPOSE}:{key}").with_for_update())
    typed = "".join(ch for ch in (code or "") if ch.isdigit())
    if row is None or row.code_hash is None or row.expires_at <= now:
        raise RecoveryError(WRONG, "code")
    if not hmac.compare_digest(row.code_hash, _hash(key, typed)):
        row.attempts += 1
        if row.attempts >= MAX_TRIES:
            row.active_key = None
        audit.record(None, "account.recovery_wrong", worker)
        db.session.commit()
        raise RecoveryError(WRONG, "code")
    row.active_key = None
    row.used_at = now
    token = password_reset.issue_token(worker)
    audit.record(worker, "account.recovery_used", worker)
    db.session.commit()
    return token
