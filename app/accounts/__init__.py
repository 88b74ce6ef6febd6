"""Accounts: registration, sign-in and the person's own account page."""

from flask import Blueprint

bp = Blueprint("accounts", __name__, template_folder="templates", url_prefix="/account")

from app.accounts import (  # noqa: E402,F401  (routes register on import)
    credential_views,
    mfa_views,
    password_views,
    phone_views,
    privacy_views,
    recovery_views,
    views,
)
