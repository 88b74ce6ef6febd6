"""Queueing email in the caller's transaction, and sending what is due exactly once.

``enqueue`` only adds a row: the email exists if and only if the change that caused it
committed, and nothing is lost when the mail server is down. ``send_due`` claims due
rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; a single conditional UPDATE on SQLite),
so several runners at once never send one message twice. A runner that dies after
sending but before marking leaves a claim that expires after ``lease``; that message may
then go out a second time, the unavoidable edge of at-least-once SMTP.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import cast

from flask import current_app
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import User
from app.accounts.privacy import register_eraser
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.security.crypto import CryptoError
from app.types import new_uid, utcnow

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=15)


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email, e.g. ``booking.ics`` as ``text/calendar``."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class SendReport:
    """What one ``send_due`` run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def enqueue(user: User, kind: str, *, subject: str, text: str, html: str | None = None,
            attachments: Iterable[Attachment] = (), send_after: datetime | None = None,
            dedupe_key: str | None = None) -> OutboxMessage | None:
    """Add an email for ``user`` to the outbox; None when they have no email or it is queued.

    Call inside the transaction of the change the email reports; the caller commits.
    """
    if not user.email:
        return None  # phone-only accounts: no SMS channel yet, the pages show everything
    if dedupe_key and db.session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    ):
        return None
    message = OutboxMessage(user=user, kind=kind, dedupe_key=dedupe_key,
                            send_after=send_after or utcnow())
    message.payload = {
        "to": user.email, "subject": subject, "text": text, "html": html,
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type,
             "data": a.data.decode("utf-8")} for a in attachments
        ],
    }
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None  # another runner queued the same dedupe_key first
    return message


def _due(now: datetime):
    return and_(
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.failed_at.is_(None),
        OutboxMessage.send_after <= now,
        or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - LEASE),
    )


def _claim(now: datetime, limit: int) -> str:
    """Mark up to ``limit`` due messages as ours; returns the claim token."""
    token = new_uid()
    due_ids = select(OutboxMessage.id).where(_due(now)).order_by(OutboxMessage.id).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        ids = db.session.scalars(due_ids.with_for_update(skip_locked=True)).all()
        target = OutboxMessage.id.in_(ids)
    else:
        # One statement: SQLite takes its write lock at once, so two runners queue up.
        target = OutboxMessage.id.in_(due_ids.scalar_subquery())
    db.session.execute(
        update(OutboxMessage).where(target, _due(now))
        .values(claimed_at=now, claim_token=token)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token


def _build(payload: dict) -> EmailMessage:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = payload["to"]
    email["Subject"] = payload["subject"]
    email["Message-ID"] = make_msgid(domain="xinqing")
    email.set_content(payload["text"])
    if payload.get("html"):
        email.add_alternative(payload["html"], subtype="html")
    for item in payload.get("attachments", []):
        maintype, _, subtype = item["content_type"].partition("/")
        subtype, *params = subtype.split(";")
        email.add_attachment(item["data"].encode("utf-8"), maintype=maintype,
                             subtype=subtype.strip(), filename=item["filename"])
        if params:
            part = cast("list[EmailMessage]", email.get_payload())[-1]
            for param in params:
                key, _, value = param.strip().partition("=")
                part.set_param(key, value)
    return email


def _connect() -> smtplib.SMTP:
    config = current_app.config
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=20,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=20)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


def _record_failure(message_id: int, attempts: int, now: datetime, error: str,
                    report: SendReport, *, final: bool = False) -> None:
    """Count a failed try: back off exponentially, or give up after MAX_ATTEMPTS."""
    attempts += 1
    values: dict = {"attempts": attempts, "last_error": error[:120], "claimed_at": None,
                    "claim_token": None}
    if final or attempts >= MAX_ATTEMPTS:
        values["failed_at"] = now
        report.failed += 1
    else:
        values["send_after"] = now + timedelta(minutes=2 ** attempts)
        report.retried += 1
    report.errors.append(error)
    _update(message_id, values)


def _update(message_id: int, values: dict) -> None:
    # A write as the first statement of its own transaction: on SQLite it waits for the
    # lock instead of failing, as upgrading a read transaction would under contention.
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                       .values(**values).execution_options(synchronize_session=False))
    db.session.commit()


def _open_batch(token: str, now: datetime,
                report: SendReport) -> tuple[list[tuple[int, int, dict]], bool]:
    """(id, attempts, payload) of the claimed messages, and whether any was claimed.

    Messages whose recipient's key was destroyed cannot be read: they are given up.
    """
    batch, shredded = [], []
    for message in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.claim_token == token).order_by(OutboxMessage.id)
    ):
        try:
            batch.append((message.id, message.attempts, message.payload))
        except CryptoError:
            shredded.append((message.id, message.attempts))
    db.session.commit()  # end the read before writing
    for message_id, attempts in shredded:
        _record_failure(message_id, attempts, now, "recipient's data key destroyed", report,
                        final=True)
    return batch, bool(batch or shredded)


def send_due(now: datetime | None = None, limit: int = 100) -> SendReport:
    """Send every due message once; failures are retried with back-off, then given up."""
    now = now or utcnow()
    report = SendReport()
    while True:
        batch, claimed = _open_batch(_claim(now, limit), now, report)
        if not claimed:
            return report
        try:
            smtp = _connect()
        except (OSError, smtplib.SMTPException) as exc:
            for message_id, attempts, _payload in batch:
                _record_failure(message_id, attempts, now, f"connect: {type(exc).__name__}",
                                report)
            return report
        with smtp:
            for message_id, attempts, payload in batch:
                try:
                    smtp.send_message(_build(payload))
                except (OSError, smtplib.SMTPException) as exc:
                    _record_failure(message_id, attempts, now, type(exc).__name__, report)
                    continue
                _update(message_id, {"sent_at": utcnow(), "claim_token": None})
                report.sent += 1


def _drop_unsent(user: User) -> None:
    """Account deletion: mail not yet sent to the person is not sent any more."""
    db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.user_id == user.id,
                                    OutboxMessage.sent_at.is_(None))
    )


def register() -> None:
    """Account deletion drops the person's unsent mail (called from create_app)."""
    register_eraser(_drop_unsent)
