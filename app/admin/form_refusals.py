"""Showing an admin rule's refusal on the form that asked for the change."""

from __future__ import annotations

from flask_wtf import FlaskForm

from app.admin.services import AdminError
from app.extensions import db
from app.refusals_shown import show_refusal


def refused_on_form(form: FlaskForm, exc: AdminError) -> None:
    """Undo the refused change; show each message beside its field, or as a notice."""
    fields = {name: getattr(form, name, None) for name in exc.errors}
    if not fields or any(f is None for f in fields.values()):
        show_refusal(exc)
        return
    db.session.rollback()
    for name, message in exc.errors.items():
        field = fields[name]
        field.errors = [*field.errors, str(message)]
