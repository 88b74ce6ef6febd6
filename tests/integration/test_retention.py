"""`flask retention run` removes what the policy no longer keeps, keeps the rest, can run
again (or twice at once) safely, and leaves an audit chain that still verifies."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text, update

from app import audit
from app.accounts.models import PasswordReset, RecoveryCode
from app.audit.models import AuditEvent, AuditHead
from app.audit.retention import audit_events
from app.booking.models import Booking, WaitlistEntry
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.services import enqueue
from app.screening.models import RiskItem, ScreeningResult
from app.security import retention
from app.security.models import DataKey, ServerSession
from app.security.session_store import record_key
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session
from tests.conftest import sqlalchemy_url
from tests.helpers import sign_in
from tests.integration.screening_helpers import answer

DAY = timedelta(days=1)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def h(n: int) -> bytes:
    return hashlib.sha256(str(n).encode()).digest()


def test_tokens_codes_and_mail_go_after_their_periods(app, worker):
    now = utcnow()
    db.session.add_all([
        PasswordReset(user_id=worker.id, token_hash=h(1), expires_at=now - 2 * DAY),
        PasswordReset(user_id=worker.id, token_hash=h(2), expires_at=now + DAY,
                      used_at=now - 2 * DAY),
        PasswordReset(user_id=worker.id, token_hash=h(3), expires_at=now + DAY),  # live
        RecoveryCode(user_id=worker.id, code_hash=h(4), used_at=now - 31 * DAY),
        RecoveryCode(user_id=worker.id, code_hash=h(5), used_at=now - DAY),
        RecoveryCode(user_id=worker.id, code_hash=h(6)),
    ])
    db.session.commit()
    worker.email = "li@example.com"
    messages = [enqueue(worker, "test", subject="s", text=f"t{n}") for n in range(4)]
    db.session.commit()
    messages[0].sent_at = now - 31 * DAY   # sent long ago: goes
    messages[1].sent_at = now - 29 * DAY   # sent recently: stays
    messages[2].failed_at = now - 91 * DAY  # given up long ago: goes
    db.session.commit()                     # messages[3]: still to send, stays
    counts = retention.run()
    assert counts["reset_tokens"] == 2
    assert counts["used_recovery_codes"] == 1
    assert counts["outbox"] == 2
    assert db.session.scalars(select(PasswordReset.token_hash)).all() == [h(3)]
    assert sorted(db.session.scalars(select(RecoveryCode.code_hash))) == sorted([h(5), h(6)])
    assert sorted(db.session.scalars(select(OutboxMessage.id))) == [messages[1].id,
                                                                    messages[3].id]
    again = retention.run()
    assert not any(again.values())


def test_periods_come_from_the_configuration(app, worker, monkeypatch):
    worker.email = "li@example.com"
    message = enqueue(worker, "test", subject="s", text="t")
    db.session.commit()
    message.sent_at = utcnow() - 8 * DAY
    db.session.commit()
    retention.run()
    assert count(OutboxMessage) == 1
    monkeypatch.setitem(app.config, "RETAIN_SENT_MAIL_DAYS", 7)
    assert retention.run()["outbox"] == 1


def test_cancelled_bookings_closed_waitlist_and_resolved_risks(app, worker, counsellor):
    centre = make_centre(services=[make_service()], staff=[counsellor])
    session = make_session(centre, centre.services[0], counsellor)
    now = utcnow()
    old_cancelled = Booking(session_id=session.id, user_id=worker.id, status="cancelled",
                            changed_at=now - 400 * DAY)
    new_cancelled = Booking(session_id=session.id, user_id=worker.id, status="late_cancelled",
                            changed_at=now - 10 * DAY)
    attended = Booking(session_id=session.id, user_id=worker.id, status="attended",
                       changed_at=now - 400 * DAY)
    db.session.add_all([old_cancelled, new_cancelled, attended,
                        WaitlistEntry(session_id=session.id, user_id=worker.id, position=1,
                                      status="left", created_at=now - 400 * DAY),
                        WaitlistEntry(session_id=session.id, user_id=worker.id, position=2,
                                      status="waiting", created_at=now - 400 * DAY)])
    old_risk = RiskItem(centre_id=centre.id, resolved_at=now - 1100 * DAY)
    open_risk = RiskItem(centre_id=centre.id)
    for item in (old_risk, open_risk):
        item.encryption_key(create=True)
        db.session.add(item)
    db.session.flush()
    old_risk.outcome = "called back"
    db.session.commit()
    old_key = old_risk.data_key_id
    counts = retention.run()
    assert counts["cancelled_bookings"] == 1
    assert counts["closed_waitlist"] == 1
    assert counts["resolved_risk_items"] == 1
    assert sorted(db.session.scalars(select(Booking.status))) == ["attended", "late_cancelled"]
    assert db.session.scalars(select(WaitlistEntry.status)).all() == ["waiting"]
    assert db.session.scalars(select(RiskItem.id)).all() == [open_risk.id]
    assert db.session.get(DataKey, old_key) is None  # crypto-shredded


def test_old_anonymous_results_and_expired_sessions(app, client, worker):
    answer(client, "gad7", [0] * 7, {"difficulty": 0})
    answer(client, "gad7", [1] * 7, {"difficulty": 0})
    old, new = db.session.scalars(select(ScreeningResult).order_by(ScreeningResult.id)).all()
    old.created_at -= 31 * DAY
    db.session.commit()
    sign_in(client, "13800138000")
    live = record_key(client.get_cookie("session").value)
    db.session.add(ServerSession(id="f" * 64, data=b"x", expires_at=utcnow() - DAY))
    db.session.commit()
    counts = retention.run()
    assert counts["anonymous_results"] == 1
    assert counts["expired_sessions"] == 1
    assert db.session.scalars(select(ScreeningResult.id)).all() == [new.id]
    assert db.session.scalars(select(ServerSession.id)).all() == [live]
    assert client.get("/account/").status_code == 200


def _events(monkeypatch, n: int, days_ago: int) -> None:
    moment = utcnow() - days_ago * DAY
    monkeypatch.setattr("app.audit.services.utcnow", lambda: moment)
    for i in range(n):
        audit.record(None, "test.old" if days_ago else "test.new", f"t:{i}")
    db.session.commit()
    monkeypatch.undo()


def test_old_audit_events_go_and_the_chain_still_verifies(app, monkeypatch):
    _events(monkeypatch, 7, days_ago=2200)
    _events(monkeypatch, 3, days_ago=0)
    removed = audit_events(utcnow(), batch=3)  # three batches of old events
    assert removed == 7
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert "test.old" not in actions
    assert actions.count("test.new") == 3
    assert actions.count("audit.pruned") == 3
    assert audit.verify().ok
    assert audit_events(utcnow(), batch=3) == 0
    cli = app.test_cli_runner()
    assert "intact" in cli.invoke(args=["audit", "verify"]).output


def test_cutting_the_front_by_hand_is_noticed(app, monkeypatch):
    _events(monkeypatch, 4, days_ago=2200)
    _events(monkeypatch, 4, days_ago=0)
    audit_events(utcnow(), batch=100)
    assert audit.verify().ok
    # Someone deletes the oldest remaining events and moves the anchor to cover it.
    first = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq).limit(1))
    db.session.execute(update(AuditHead).values(anchor_seq=first.seq, anchor_mac=first.mac))
    db.session.delete(first)
    db.session.commit()
    verdict = audit.verify()
    assert not verdict.ok
    assert verdict.problem == "deleted"


def test_every_package_has_its_steps_in_the_run_and_the_audit_pruning_comes_last(app):
    assert list(retention.STEPS) == [
        "anonymous_results", "expired_sessions", "reset_tokens", "phone_codes",
        "used_recovery_codes", "outbox", "cancelled_bookings", "closed_waitlist",
        "stray_photos", "staff_import_stashes", "resolved_risk_items", "audit_events"]


def test_sms_code_rows_go_after_two_days(app):
    from app.accounts import phone_codes
    from app.accounts.phone_models import PhoneCode

    phone_codes.request_code("13512345678", "register", "10.0.0.1", now=utcnow() - 3 * DAY)
    phone_codes.request_code("13512345679", "register", "10.0.0.1")
    assert retention.run()["phone_codes"] == 1
    assert len(db.session.scalars(select(PhoneCode)).all()) == 1


def test_cli_reports_each_step(app):
    result = app.test_cli_runner().invoke(args=["retention", "run"])
    assert result.exit_code == 0
    for step in retention.STEPS:
        assert f"{step}: 0 removed" in result.output
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.seq.desc())
                             .limit(1)) == "retention.run"


@pytest.mark.slow
def test_two_runs_at_once_remove_each_row_once(app, worker, monkeypatch):
    now = utcnow()
    db.session.add_all([PasswordReset(user_id=worker.id, token_hash=h(n),
                                      expires_at=now - 2 * DAY) for n in range(40)])
    db.session.commit()
    _events(monkeypatch, 20, days_ago=2200)
    results: list[dict[str, int] | str] = []

    def run() -> None:
        with app.app_context():
            try:
                results.append(retention.run(batch=7))
            except retention.BusyError:
                results.append("busy")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    runs = [r for r in results if isinstance(r, dict)]
    assert len(results) == 2
    assert sum(r["reset_tokens"] for r in runs) == 40
    assert sum(r["audit_events"] for r in runs) >= 20
    db.session.expire_all()
    assert count(PasswordReset) == 0
    assert audit.verify().ok


@pytest.mark.postgres
def test_a_second_run_on_postgresql_stands_aside(app):
    other = create_engine(sqlalchemy_url(app.config["SQLALCHEMY_DATABASE_URI"]))
    try:
        with other.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": retention.LOCK_KEY})
            result = app.test_cli_runner().invoke(args=["retention", "run"])
            assert "skipped" in result.output
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": retention.LOCK_KEY})
    finally:
        other.dispose()
