"""The one place a web view turns a refused domain action into a message on the next page."""

from __future__ import annotations

from flask import flash

from app.domain import DomainError
from app.extensions import db


def show_refusal(exc: DomainError) -> None:
    """Undo what the refused action started and tell the reader why (already translated)."""
    db.session.rollback()
    flash(str(exc.message), "error")
