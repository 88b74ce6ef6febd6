"""Channel-neutral notices: a package says what happened once; each channel renders it.

A ``Notice`` carries the email rendering (subject, text, attachments) and the SMS
rendering (a template key and its link; no health information ever goes into an SMS).
``deliver`` queues one outbox row per channel the person has, in the caller's
transaction; a dedupe key names the notice and each channel's row gets its own suffix,
so ``drop_unsent(key)`` removes every channel's copy (e.g. a reminder of a cancelled
booking).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, or_

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.services import Attachment, enqueue, enqueue_sms

SMS_SUFFIX = "#sms"


@dataclass(frozen=True)
class Notice:
    """What one event tells one person, ready for every channel."""

    kind: str
    subject: str
    text: str
    link: str
    sms_template: str = "notice"  # "notice" or "reminder"
    attachments: Sequence[Attachment] = field(default_factory=tuple)


def deliver(user: User, notice: Notice, *, send_after: datetime | None = None,
            dedupe_key: str | None = None) -> list[OutboxMessage]:
    """Queue ``notice`` on each channel ``user`` has (email, SMS); the caller commits."""
    queued = [
        enqueue(user, notice.kind, subject=notice.subject, text=notice.text,
                attachments=notice.attachments, send_after=send_after, dedupe_key=dedupe_key),
        enqueue_sms(user, notice.kind, template=notice.sms_template, params=[notice.link],
                    send_after=send_after,
                    dedupe_key=dedupe_key + SMS_SUFFIX if dedupe_key else None),
    ]
    return [message for message in queued if message is not None]


def drop_unsent(dedupe_key: str) -> None:
    """Remove every channel's unsent, unclaimed copy of the notice named ``dedupe_key``."""
    db.session.execute(delete(OutboxMessage).where(
        or_(OutboxMessage.dedupe_key == dedupe_key,
            OutboxMessage.dedupe_key == dedupe_key + SMS_SUFFIX),
        OutboxMessage.sent_at.is_(None), OutboxMessage.claim_token.is_(None)))
