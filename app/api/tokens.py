"""Issuing, checking and revoking API tokens. No request objects here.

A token reads ``xq_<prefix>_<secret>``: the prefix finds the row, the SHA-256 of the whole
token must match the stored hash (compared in constant time). The secret has 256 bits, so
a fast hash is enough; nothing that could open an account is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app import audit
from app.accounts.models import User
from app.api.models import ApiToken
from app.extensions import db
from app.types import utcnow

SCHEME = "xq"
PREFIX_BYTES = 6          # 12 hex characters
SECRET_BYTES = 32
TOUCH_EVERY = timedelta(minutes=5)  # last_used_at is written at most this often


@dataclass(frozen=True)
class Issued:
    """A new token: the secret is only ever shown here, once."""

    token: str
    row: ApiToken


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime(user: User) -> timedelta:
    """How long a token lives: shorter for staff, as their web sessions are."""
    config = current_app.config
    hours = config["API_STAFF_TOKEN_HOURS"] if user.is_staff else config["API_TOKEN_HOURS"]
    return timedelta(hours=int(hours))


def issue(user: User, now: datetime | None = None) -> Issued:
    """A new token for ``user`` (who has passed every sign-in check); audited."""
    now = now or utcnow()
    prefix = secrets.token_hex(PREFIX_BYTES)
    token = f"{SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    row = ApiToken(prefix=prefix, token_hash=_hash(token), user_id=user.id,
                   session_version=user.session_version or 1, created_at=now,
                   expires_at=now + lifetime(user))
    db.session.add(row)
    db.session.flush()
    audit.record(user, "api.token_issued", f"api_tokens:{row.id}")
    db.session.commit()
    return Issued(token, row)


def parse_prefix(token: str) -> str | None:
    """The lookup prefix of a well-formed token, else None."""
    parts = (token or "").split("_", 2)
    if len(parts) != 3 or parts[0] != SCHEME or len(parts[1]) != PREFIX_BYTES * 2:
        return None
    if not all(c in "0123456789abcdef" for c in parts[1]) or len(token) > 120:
        return None
    return parts[1]


def find(token: str, now: datetime | None = None) -> ApiToken | None:
    """The live token row for this bearer value, or None (unknown, expired, revoked, ended)."""
    prefix = parse_prefix(token)
    if prefix is None:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.prefix == prefix))
    now = now or utcnow()
    if row is None or not hmac.compare_digest(row.token_hash, _hash(token)):
        return None
    user = row.user
    if (row.revoked_at is not None or row.expires_at <= now or not user.is_active
            or row.session_version != (user.session_version or 1)):
        return None
    if user.is_staff and now - (row.last_used_at or row.created_at) > idle_limit():
        return None  # staff are signed out after a while without activity, as on the website
    return row


def idle_limit() -> timedelta:
    """Staff tokens lapse after this long unused (the web's staff idle limit)."""
    return current_app.config["STAFF_IDLE_TIMEOUT"] + TOUCH_EVERY


def touch(row: ApiToken, now: datetime | None = None) -> None:
    """Remember when the token was last used (coarsely, to spare a write per request)."""
    now = now or utcnow()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        db.session.execute(update(ApiToken).where(ApiToken.id == row.id)
                           .values(last_used_at=now).execution_options(
                               synchronize_session=False))
        db.session.commit()


def revoke(user: User, row: ApiToken, now: datetime | None = None) -> None:
    """End one token of ``user`` (signing out an app); audited."""
    row.revoked_at = now or utcnow()
    audit.record(user, "api.token_revoked", f"api_tokens:{row.id}")
    db.session.commit()
