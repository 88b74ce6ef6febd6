"""Email leaves through the outbox: once, only after the change commits, never lost."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text, update

from app.accounts.models import User
from app.extensions import db
from app.notifications import services as outbox
from app.notifications.models import OutboxMessage
from app.types import utcnow

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def mei(make_user) -> User:
    return make_user(login="mei@example.com", name="梅")


def queue(user, n=1, **kwargs):
    for i in range(n):
        outbox.enqueue(user, "test", subject=f"预约确认 {i}", text=f"您好 {i}", **kwargs)
    db.session.commit()


def test_queued_email_is_sent_once_with_its_attachment(app, smtp_server, mei):
    queue(mei, html="<p>您好</p>", attachments=[
        outbox.Attachment("booking.ics", "text/calendar; method=REQUEST", ICS.encode())])
    assert smtp_server.messages == []  # nothing leaves before the runner
    report = outbox.send_due()
    assert report.sent == 1
    assert outbox.send_due().sent == 0
    [email] = smtp_server.messages
    assert email["To"] == "mei@example.com"
    assert email["Subject"] == "预约确认 0"
    assert email.get_body(("plain",)).get_content().strip() == "您好 0"
    [ics] = list(email.iter_attachments())
    assert ics.get_filename() == "booking.ics"
    assert ics.get_content_type() == "text/calendar"
    assert ics.get_param("method") == "REQUEST"
    assert "BEGIN:VCALENDAR" in ics.get_content()


def test_outbox_rows_hold_no_address_or_text_in_clear(app, mei):
    queue(mei)
    row = db.session.execute(text("SELECT * FROM outbox_messages")).one()
    blob = repr(tuple(row))
    assert "mei@example.com" not in blob
    assert "预约确认".encode() not in b"".join(v for v in row if isinstance(v, bytes))


def test_email_rolled_back_with_its_change_is_never_sent(app, smtp_server, mei):
    outbox.enqueue(mei, "test", subject="s", text="t")
    db.session.rollback()
    assert outbox.send_due().sent == 0
    assert smtp_server.messages == []


def test_dedupe_key_queues_a_reminder_only_once(app, mei):
    for _ in range(3):
        outbox.enqueue(mei, "reminder", subject="s", text="t", dedupe_key="reminder:1:24h")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_dedupe_key_returns_the_queued_row_once_and_none_after(app, mei):
    first = outbox.enqueue(mei, "reminder", subject="s", text="t", dedupe_key="k:1")
    assert first is not None
    assert first.id
    assert first.payload["subject"] == "s"
    assert outbox.enqueue(mei, "reminder", subject="s", text="t", dedupe_key="k:1") is None
    db.session.commit()
    assert db.session.get(OutboxMessage, first.id).payload["text"] == "t"


def test_drop_unsent_takes_the_key_and_its_variants_and_nothing_like_them(app, mei):
    from app.notifications.notices import drop_unsent

    keys = ["r_1%:a", "r_1%:a#2h", "r_1%:a#sms", "rX1%:a#2h", "r_1Z:a#2h", "r_1%:ab"]
    for key in keys:
        outbox.enqueue(mei, "reminder", subject="s", text="t", dedupe_key=key)
    db.session.commit()
    drop_unsent("r_1%:a")
    db.session.commit()
    left = set(db.session.scalars(select(OutboxMessage.dedupe_key)))
    assert left == {"rX1%:a#2h", "r_1Z:a#2h", "r_1%:ab"}


def test_drop_unsent_finds_its_rows_by_key_and_never_reads_the_whole_outbox(app, mei):
    """Every cancel drops its booking's reminders, and the outbox grows with every booking
    until retention runs: a scan made each cancel dearer as it grew (bench/README.md Step
    13c). On PostgreSQL the plan checked is a prepared statement's generic one (psycopg
    prepares a statement after a few runs), with sequential scans priced out."""
    from sqlalchemy import event

    from app.notifications.notices import drop_unsent

    # The outbox as in service: many unsent messages, and the planner's statistics of them.
    outbox.enqueue(mei, "reminder", subject="s", text="t", dedupe_key="reminder:x:1")
    db.session.execute(text(
        "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 400) "
        "INSERT INTO outbox_messages (uid, user_id, kind, channel, dedupe_key, payload_ct, "
        "created_at, send_after, attempts) SELECT 'copy' || n, user_id, kind, channel, "
        "dedupe_key || ':' || n, payload_ct, created_at, send_after, 0 "
        "FROM outbox_messages, g"))
    db.session.commit()
    sent: list[tuple[str, dict]] = []

    def catch(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", catch)
    try:
        drop_unsent("reminder:ab'c:1")
    finally:
        event.remove(db.engine, "before_cursor_execute", catch)
    db.session.rollback()
    ((statement, parameters),) = [(s, p) for s, p in sent if s.startswith("DELETE")]
    conn = db.session.connection()
    conn.exec_driver_sql("ANALYZE outbox_messages")  # on this connection: SQLite reloads
    if db.engine.dialect.name == "sqlite":
        steps = [row[-1] for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters)]
        reads = [step for step in steps if step.startswith(("SCAN", "SEARCH"))]
    else:
        names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", statement)))
        numbered = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m[1]) + 1}", statement)
        values = ", ".join("'" + str(parameters[n]).replace("'", "''").replace("%", "%%") + "'"
                           for n in names)  # literals: EXECUTE's arguments are not bound
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
        conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        conn.exec_driver_sql("PREPARE xq_drop_unsent AS " + numbered)
        steps = [row[0] for row in conn.exec_driver_sql(
            f"EXPLAIN EXECUTE xq_drop_unsent({values})")]
        conn.exec_driver_sql("DEALLOCATE xq_drop_unsent")
        reads = [step.strip() for step in steps if "Seq Scan" in step or "Index Cond" in step]
    db.session.rollback()
    assert reads, steps
    assert all("dedupe_key" in step and "SCAN" not in step and "Seq Scan" not in step
               for step in reads), steps


def test_future_email_waits_until_due(app, smtp_server, mei):
    queue(mei, send_after=utcnow() + timedelta(hours=2))
    assert outbox.send_due().sent == 0
    assert outbox.send_due(now=utcnow() + timedelta(hours=3)).sent == 1


def test_phone_only_person_gets_no_email_and_no_error(app, worker):
    assert outbox.enqueue(worker, "test", subject="s", text="t") is None


def test_mail_server_down_keeps_the_message_and_retries_later(app, mei):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens on port 1
    queue(mei)
    report = outbox.send_due()
    assert (report.sent, report.retried) == (0, 1)
    message = db.session.scalar(select(OutboxMessage))
    assert message.attempts == 1
    assert message.sent_at is None
    assert message.send_after > utcnow()
    assert "ConnectionRefusedError" in message.last_error


def test_retry_after_the_server_is_back(app, smtp_server, mei):
    queue(mei)
    db.session.execute(update(OutboxMessage).values(attempts=3, last_error="timeout"))
    db.session.commit()
    assert outbox.send_due().sent == 1
    assert len(smtp_server.messages) == 1


def test_shredded_recipient_is_given_up_not_retried(app, smtp_server, mei):
    queue(mei)
    key_id = mei.data_key_id
    db.session.execute(update(User).values(data_key_id=None))
    db.session.execute(text("DELETE FROM data_keys WHERE id = :id"), {"id": key_id})
    db.session.commit()
    db.session.expire_all()
    report = outbox.send_due()
    assert (report.sent, report.failed) == (0, 1)
    assert smtp_server.messages == []


def test_concurrent_runners_send_each_message_exactly_once(app, smtp_server, mei):
    queue(mei, n=30)
    results = []

    def runner() -> None:
        with app.app_context():
            results.append(outbox.send_due(limit=4).sent)
            db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(results) == 30
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == sorted(f"预约确认 {i}" for i in range(30))


def test_outbox_send_command(app, smtp_server, mei):
    queue(mei, n=2)
    result = app.test_cli_runner().invoke(args=["outbox", "send"])
    assert result.exit_code == 0
    assert "sent 2" in result.output


def test_a_message_queued_again_after_its_copy_was_dropped_is_kept(app, mei):
    """Changing a reminder drops the unsent copy (one DELETE, behind the ORM's back) and
    queues a new one; SQLite gives the new row the id of the dropped one when it was the
    newest, while a partly loaded copy (the history page's reminders) is still held."""
    from sqlalchemy.orm import load_only

    from app.notifications.notices import drop_unsent

    queue(mei, dedupe_key="reminder:phq9")
    [held] = db.session.scalars(select(OutboxMessage).options(
        load_only(OutboxMessage.uid, OutboxMessage.dedupe_key, OutboxMessage.send_after)))
    drop_unsent("reminder:phq9")
    queue(mei, dedupe_key="reminder:phq9")
    db.session.expire_all()
    [kept] = db.session.scalars(select(OutboxMessage))
    assert kept.uid != held.uid
    assert kept.dedupe_key == "reminder:phq9"
