"""The API's part in a person's data rights: their tokens in the copy, gone with the account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from app.accounts.models import User
from app.accounts.privacy import register_eraser, register_exporter
from app.api.models import ApiToken
from app.extensions import db


def export_tokens(user: User) -> list[dict[str, Any]]:
    """When each app token was made, used, and ended (never the token or its hash)."""
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.id)).all()
    return [{"created_at": r.created_at.isoformat(), "expires_at": r.expires_at.isoformat(),
             "last_used_at": r.last_used_at.isoformat() if r.last_used_at else None,
             "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None} for r in rows]


def delete_tokens(user: User) -> None:
    """Before the account goes: its tokens go too."""
    db.session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def register() -> None:
    """Plug the API into app/accounts/privacy.py."""
    register_exporter("api_tokens", export_tokens)
    register_eraser(delete_tokens)
