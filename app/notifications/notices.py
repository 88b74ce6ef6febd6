"""Channel-neutral notices: a package says what happened once; each channel renders it.

A ``Notice`` carries the email rendering (subject, text, attachments) and the SMS
rendering (a template key and its link; no health information ever goes into an SMS).
``deliver`` queues one outbox row per channel the person has, in the caller's
transaction; a dedupe key names the notice and each channel's row gets its own suffix,
so ``drop_unsent(key)`` removes every channel's copy (e.g. a reminder of a cancelled
booking).

The person's preferences choose among their channels (an essential notice still goes
out on a channel they have if they turned all off), non-essential reminders respect the
opt-out, and no SMS goes out in the quiet hours (22:00-08:00 Asia/Shanghai by default)
unless the notice is urgent; one-time codes do not pass through here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import BindParameter, Delete, and_, bindparam, delete, or_

from app.accounts.models import User
from app.extensions import db
from app.notifications.attachments import Attachment, CalendarAttachment
from app.notifications.models import OutboxMessage
from app.notifications.services import enqueue, enqueue_sms
from app.types import utcnow

SMS_SUFFIX = "#sms"


@dataclass(frozen=True)
class Notice:
    """What one event tells one person, ready for every channel."""

    kind: str
    subject: str
    text: str
    link: str
    sms_template: str = "notice"  # a key of app.notifications.sms.TEMPLATES
    attachments: Sequence[Attachment | CalendarAttachment] = field(default_factory=tuple)
    sms_params: Sequence[str] | None = None  # default: the link alone
    essential: bool = True  # False: a reminder the person may opt out of
    urgent: bool = False  # True: sent in the quiet hours too (urgent safety contact)
    # When the notice is useless (e.g. a waiting-list offer lapses): an SMS held for the
    # quiet hours that would arrive less than an hour before this goes out at once.
    act_by: datetime | None = None


def after_quiet_hours(at: datetime) -> datetime:
    """``at``, or the end of the SMS quiet hours when ``at`` falls inside them."""
    config = current_app.config
    start, end = int(config["SMS_QUIET_START_HOUR"]), int(config["SMS_QUIET_END_HOUR"])
    if start == end:
        return at
    local = at.astimezone(ZoneInfo(config["SMS_QUIET_TIMEZONE"]))
    quiet = (local.hour >= start or local.hour < end) if start > end \
        else start <= local.hour < end
    if not quiet:
        return at
    morning = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if morning <= local:
        morning += timedelta(days=1)
    return morning.astimezone(at.tzinfo)


def channels_for(user: User, notice: Notice) -> list[str]:
    """The channels this notice goes out on for this person, by their preferences."""
    if not notice.essential and not user.reminders_wanted:
        return []
    has = [c for c, contact in (("email", user.email), ("sms", user.phone)) if contact]
    wanted = [c for c in has if (user.notify_email if c == "email" else user.notify_sms)]
    return wanted or (has if notice.essential else [])


def deliver(user: User, notice: Notice, *, send_after: datetime | None = None,
            dedupe_key: str | None = None) -> list[OutboxMessage]:
    """Queue ``notice`` on each channel ``user`` has and wants; the caller commits."""
    queued: list[OutboxMessage | None] = []
    channels = channels_for(user, notice)
    if "email" in channels:
        queued.append(enqueue(user, notice.kind, subject=notice.subject, text=notice.text,
                              attachments=notice.attachments, send_after=send_after,
                              dedupe_key=dedupe_key))
    if "sms" in channels:
        at = send_after or utcnow()
        held = at if notice.urgent else after_quiet_hours(at)
        if notice.act_by is not None and held > notice.act_by - timedelta(hours=1):
            held = at
        queued.append(enqueue_sms(
            user, notice.kind, template=notice.sms_template,
            params=list(notice.sms_params) if notice.sms_params is not None else [notice.link],
            send_after=held,
            dedupe_key=dedupe_key + SMS_SUFFIX if dedupe_key else None))
    return [message for message in queued if message is not None]


def drop_unsent(dedupe_key: str) -> None:
    """Remove every channel's unsent, unclaimed copy of the notice named ``dedupe_key``,
    and its variants (``key#...``, e.g. the 2 h reminder beside the 24 h one)."""
    db.session.execute(_drop_unsent(), {"key": dedupe_key, "variants_from": dedupe_key + "#",
                                        "variants_to": dedupe_key + "$"})


_DROP_UNSENT: dict[str, Delete] = {}


def _drop_unsent() -> Delete:
    """The DELETE of ``drop_unsent``, built once per database (every cancel runs it).

    The variants ``key#...`` are exactly the keys from ``key#`` up to, not including,
    ``key$`` ("$" follows "#") in byte order: a range an index serves even in a prepared
    statement's generic plan, where ``LIKE :pattern`` read every unsent row of the outbox
    (bench/README.md Step 13c). PostgreSQL's pattern operators compare bytes, through the
    ``varchar_pattern_ops`` index (models.py); SQLite compares text bytewise anyway.
    """
    dialect = db.session.get_bind().dialect.name
    statement = _DROP_UNSENT.get(dialect)
    if statement is None:
        key = OutboxMessage.dedupe_key
        low: BindParameter[str] = bindparam("variants_from", type_=key.type)
        high: BindParameter[str] = bindparam("variants_to", type_=key.type)
        variants = (and_(key.op("~>=~", is_comparison=True)(low),
                         key.op("~<~", is_comparison=True)(high))
                    if dialect == "postgresql" else and_(key >= low, key < high))
        statement = delete(OutboxMessage).where(
            or_(key == bindparam("key"), variants),
            OutboxMessage.sent_at.is_(None), OutboxMessage.claim_token.is_(None))
        _DROP_UNSENT[dialect] = statement
    return statement
