"""Accounts' part of the retention policy: used or expired reset links, used recovery codes,
and the SMS code rows (the request log of the code limits)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_

from app.accounts.models import PasswordReset, RecoveryCode
from app.accounts.phone_models import PhoneCode
from app.security.retention import days, delete_batched, register_step


def reset_tokens(now: datetime, batch: int) -> int:
    """Password-reset links used or expired more than the period ago."""
    cutoff = now - days("RETAIN_RESET_TOKENS_DAYS")
    return delete_batched(PasswordReset, or_(PasswordReset.used_at < cutoff,
                                             PasswordReset.expires_at < cutoff), batch)


def used_recovery_codes(now: datetime, batch: int) -> int:
    """Recovery codes used more than the period ago (kept a while for the audit trail)."""
    cutoff = now - days("RETAIN_USED_RECOVERY_CODES_DAYS")
    return delete_batched(RecoveryCode, RecoveryCode.used_at < cutoff, batch)


def phone_codes(now: datetime, batch: int) -> int:
    """SMS code rows older than the period (longer than the longest code limit, a day)."""
    cutoff = now - days("RETAIN_PHONE_CODES_DAYS")
    return delete_batched(PhoneCode, PhoneCode.created_at < cutoff, batch)


def register() -> None:
    register_step("reset_tokens", reset_tokens)
    register_step("phone_codes", phone_codes)
    register_step("used_recovery_codes", used_recovery_codes)
