"""The one place a web view turns a refused domain action into a message on the next page."""

from __future__ import annotations

from typing import Any

from flask import flash

from app.domain import DomainError
from app.extensions import db


def show_refusal(exc: DomainError) -> None:
    """Undo what the refused action started and tell the reader why (already translated)."""
    db.session.rollback()
    flash(str(exc.message), "error")


def show_on_form(form: Any, exc: DomainError) -> None:
    """Undo the refused action and show its message(s) beside the form fields they name.

    A refusal names its fields in ``errors`` (field -> message) or ``field``; one that names
    none, or a field the form lacks, is shown as a notice (``show_refusal``) instead.
    """
    named: str | None = getattr(exc, "field", None)
    errors: dict[str, object] = getattr(exc, "errors", None) or (
        {named: exc.message} if named else {})
    fields = {name: getattr(form, name, None) for name in errors}
    if not fields or any(f is None for f in fields.values()):
        show_refusal(exc)
        return
    db.session.rollback()
    for name, message in errors.items():
        field: Any = fields[name]
        field.errors = [*field.errors, str(message)]
