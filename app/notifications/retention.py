"""Notifications' part of the retention policy: the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_

from app.notifications.models import OutboxMessage
from app.security.retention import days, delete_batched, register_step


def outbox(now: datetime, batch: int) -> int:
    """Sent email after one period, email that was given up on after another."""
    sent = now - days("RETAIN_SENT_MAIL_DAYS")
    failed = now - days("RETAIN_FAILED_MAIL_DAYS")
    return delete_batched(OutboxMessage, or_(
        OutboxMessage.sent_at < sent,
        (OutboxMessage.sent_at.is_(None)) & (OutboxMessage.failed_at < failed)), batch)


def register() -> None:
    register_step("outbox", outbox)
