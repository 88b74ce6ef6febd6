"""The audit log: a chain that shows any edited, inserted or deleted event."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete, insert, select, update

from app import audit
from app.audit.models import AuditEvent
from app.extensions import db


@pytest.fixture
def five_events(app, worker):
    """Five events after the worker's registration (which wrote the first)."""
    for n in range(4):
        audit.record(worker, "test.event", f"thing:{n}", {"n": n})
    db.session.commit()
    return db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()


def test_intact_chain_verifies(five_events):
    verdict = audit.verify()
    assert verdict.ok
    assert verdict.events == 5
    assert [e.seq for e in five_events] == [1, 2, 3, 4, 5]
    assert all(e.prev_mac == p.mac for p, e in itertools.pairwise(five_events))


def test_events_name_people_by_random_id_only(five_events, worker):
    event = five_events[-1]
    assert event.actor == worker.uid
    assert str(worker.id) != event.actor
    assert "13800138000" not in repr(event.detail)


def test_edited_event_is_reported(five_events):
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(action="nothing"))
    db.session.commit()
    verdict = audit.verify()
    assert (verdict.problem, verdict.seq) == ("edited", 3)


def test_deleted_event_in_the_middle_is_reported(five_events):
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    db.session.commit()
    assert (audit.verify().problem, audit.verify().seq) == ("deleted", 2)


def test_deleted_last_event_is_reported(five_events):
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 5))
    db.session.commit()
    verdict = audit.verify()
    assert (verdict.problem, verdict.seq) == ("deleted", 5)


def test_event_inserted_past_the_tip_is_reported(five_events):
    last = five_events[-1]
    db.session.execute(insert(AuditEvent).values(
        seq=6, at=last.at, actor=None, action="forged", target=None, detail={},
        prev_mac=last.mac, mac="f" * 64))
    db.session.commit()
    verdict = audit.verify()
    assert (verdict.problem, verdict.seq) == ("inserted", 6)


def test_event_swapped_in_for_a_deleted_one_is_reported(five_events):
    victim = five_events[2]
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    db.session.execute(insert(AuditEvent).values(
        seq=3, at=victim.at, actor=None, action="forged", target=None, detail={},
        prev_mac=victim.prev_mac, mac=victim.mac))
    db.session.commit()
    verdict = audit.verify()
    assert (verdict.problem, verdict.seq) == ("inserted", 3)


def test_verify_command_exits_non_zero_on_a_broken_chain(app, five_events):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0
    assert "intact: 5 events" in ok.output
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == 4).values(target="x:1"))
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert "event 4 was edited" in broken.output


def test_event_rolls_back_with_the_action_it_records(app, worker):
    audit.record(worker, "test.rolled_back")
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "test.rolled_back")) is None
    audit.record(worker, "test.kept")
    db.session.commit()
    assert audit.verify().ok
