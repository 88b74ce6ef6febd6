"""Queueing email and SMS in the caller's transaction, and sending what is due exactly once.

``enqueue`` (email) and ``enqueue_sms`` only add a row with its ``channel``: the message
exists if and only if the change that caused it committed, and nothing is lost when the
mail server or SMS provider is down. Each channel's sender is registered in
``app.notifications.channels``. ``send_due`` claims due
rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; a single conditional UPDATE on SQLite),
so several runners at once never send one message twice. A runner that dies after
sending but before marking leaves a claim that expires after ``lease``; that message may
then go out a second time, the unavoidable edge of at-least-once SMTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.accounts.models import User
from app.accounts.privacy import register_eraser
from app.extensions import add_as_written, db
from app.notifications.attachments import Attachment, CalendarAttachment
from app.notifications.channels import Sender, SendError, open_sender, register_sender
from app.notifications.email_sender import EmailSender
from app.notifications.models import OutboxMessage
from app.notifications.sms import TEMPLATES, open_sms_sender
from app.security.crypto import CryptoError
from app.types import new_uid, utcnow

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=15)


@dataclass
class SendReport:
    """What one ``send_due`` run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def enqueue(user: User, kind: str, *, subject: str, text: str, html: str | None = None,
            attachments: Iterable[Attachment | CalendarAttachment] = (),
            send_after: datetime | None = None,
            dedupe_key: str | None = None) -> OutboxMessage | None:
    """Add an email for ``user`` to the outbox; None when they have no email or it is queued.

    Call inside the transaction of the change the email reports; the caller commits. A
    calendar attachment is queued as its facts; the sender writes the file
    (app/notifications/attachments.py).
    """
    if not user.email:
        return None
    return _add(user, kind, "email", {
        "to": user.email, "subject": subject, "text": text, "html": html,
        "attachments": [a.stored() for a in attachments],
    }, send_after, dedupe_key)


def enqueue_sms(user: User, kind: str, *, template: str, params: Iterable[str],
                send_after: datetime | None = None,
                dedupe_key: str | None = None) -> OutboxMessage | None:
    """Add a template SMS for ``user``; None when they have no phone or it is queued.

    ``template`` is a key of ``app.notifications.sms.TEMPLATES``; the caller commits.
    """
    if template not in TEMPLATES:
        raise ValueError(f"unknown SMS template {template}")
    if not user.phone:
        return None
    return _add(user, kind, "sms", {"to": user.phone, "template": template,
                                    "params": [str(p) for p in params]},
                send_after, dedupe_key)


def enqueue_sms_to(phone: str, kind: str, *, template: str,
                   params: Iterable[str]) -> OutboxMessage:
    """A template SMS to a number that has no account yet (a sign-up code).

    The payload is sealed under the app's shared key, as there is no person's key.
    """
    if template not in TEMPLATES:
        raise ValueError(f"unknown SMS template {template}")
    message = OutboxMessage(user=None, kind=kind, channel="sms", send_after=utcnow())
    message.payload = {"to": phone, "template": template, "params": [str(p) for p in params]}
    db.session.add(message)
    return message


def _add(user: User, kind: str, channel: str, payload: dict, send_after: datetime | None,
         dedupe_key: str | None) -> OutboxMessage | None:
    """Add one sealed message with a single INSERT; None when its ``dedupe_key`` is taken.

    The ORM's unit of work (a flush, and for a keyed message a SELECT and a SAVEPOINT)
    cost a booking more CPU than anything else it did: the row is sealed exactly as
    before, written with one cached statement (``ON CONFLICT DO NOTHING`` on the unique
    key, so a racing runner's copy is skipped as the SAVEPOINT did), and handed back as
    a persistent instance without being read again.
    """
    now = utcnow()
    message = OutboxMessage(user=user, kind=kind, channel=channel, dedupe_key=dedupe_key,
                            send_after=send_after or now, created_at=now, attempts=0)
    message.payload = payload  # sealed under the person's key, bound to the row's uid
    row = {"uid": message.uid, "user_id": user.id, "kind": kind, "channel": channel,
           "dedupe_key": dedupe_key, "payload_ct": getattr(message, "payload_ct"),  # noqa: B009 (declared by Encrypted)
           "created_at": now, "send_after": message.send_after, "attempts": 0}
    new_id = db.session.execute(_insert_statement(bool(dedupe_key)), row).scalar()
    if new_id is None:
        return None  # the key is queued already (by us before, or by another runner)
    add_as_written(message, {**row, "id": new_id})  # persistent, nothing left to flush
    return message


_INSERTS: dict[tuple[str, bool], Any] = {}


def _insert_statement(keyed: bool) -> Any:
    """The outbox INSERT for this database, built and compiled once per process."""
    dialect = db.session.get_bind().dialect.name
    statement = _INSERTS.get((dialect, keyed))
    if statement is None:
        table = OutboxMessage.__table__
        build = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = build(table)
        if keyed:
            statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
        statement = statement.returning(table.c.id)
        _INSERTS[(dialect, keyed)] = statement
    return statement


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
                report: SendReport) -> tuple[list[tuple[int, int, str, dict]], bool]:
    """(id, attempts, channel, payload) of the claimed messages, and whether any was claimed.

    Messages whose recipient's key was destroyed cannot be read: they are given up.
    """
    batch, shredded = [], []
    for message in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.claim_token == token).order_by(OutboxMessage.id)
    ):
        try:
            batch.append((message.id, message.attempts, message.channel, message.payload))
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
        for channel in sorted({item[2] for item in batch}):
            _send_channel(channel, [item for item in batch if item[2] == channel], now,
                          report)


def _send_channel(channel: str, batch: list[tuple[int, int, str, dict]], now: datetime,
                  report: SendReport) -> None:
    """One channel's share of a batch over one sender; a failed connection retries all."""
    try:
        sender: Sender = open_sender(channel)
    except SendError as exc:
        for message_id, attempts, _channel, _payload in batch:
            _record_failure(message_id, attempts, now, str(exc), report)
        return
    with sender:
        for message_id, attempts, _channel, payload in batch:
            try:
                sender.send(payload)
            except SendError as exc:
                _record_failure(message_id, attempts, now, str(exc), report)
                continue
            _update(message_id, {"sent_at": utcnow(), "claim_token": None})
            report.sent += 1


def has_due(now: datetime | None = None) -> bool:
    """Whether anything is due: a cheap read, so a watching runner never writes idly."""
    found = db.session.scalar(select(OutboxMessage.id).where(_due(now or utcnow())).limit(1))
    db.session.commit()
    return found is not None


def watch(stop: Callable[[], bool], interval: float = 0.5, limit: int = 100,
          on_report: Callable[[SendReport], None] | None = None) -> None:
    """Send due messages as they appear (checked every ``interval`` s) until ``stop()``.

    Polling a single indexed read is cheap on both databases and works unchanged with
    several runners (claims keep them apart); a code reaches the provider within about
    ``interval`` seconds of the commit that queued it.
    """
    while not stop():
        if has_due():
            report = send_due(limit=limit)
            if on_report and (report.sent or report.retried or report.failed):
                on_report(report)
            continue
        time.sleep(interval)


def _drop_unsent(user: User) -> None:
    """Account deletion: mail not yet sent to the person is not sent any more."""
    db.session.execute(
        delete(OutboxMessage).where(OutboxMessage.user_id == user.id,
                                    OutboxMessage.sent_at.is_(None))
    )


def register() -> None:
    """The email and SMS senders, and account deletion dropping the person's unsent
    messages (called from create_app)."""
    register_sender("email", EmailSender)
    register_sender("sms", open_sms_sender)
    register_eraser(_drop_unsent)
