"""The audit log: a chain that shows any edited, inserted or deleted event."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete, insert, select, update

from app import audit
from app.audit.models import GENESIS, AuditEvent
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


def _edit(seq: int) -> None:
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == seq).values(action="nothing"))


def _edit_detail(seq: int) -> None:
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == seq)
                       .values(detail={"n": 99}, target="x:1"))


def _delete(seq: int) -> None:
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq == seq))


def _insert(seq: int) -> None:
    """Slip a forged event in at ``seq``: later events move up one, as a forger would do."""
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.seq >= seq)
                                .order_by(AuditEvent.seq.desc())).all()
    for event in events:  # one by one from the top, so ``seq`` stays unique throughout
        event.seq += 1
        db.session.flush()
    previous = db.session.scalar(select(AuditEvent.mac).where(AuditEvent.seq == seq - 1))
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    db.session.execute(insert(AuditEvent).values(
        seq=seq, at=last.at, actor=None, action="forged", target=None, detail={},
        prev_mac=previous or GENESIS, mac="f" * 64))


def _append(_seq: int) -> None:
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    db.session.execute(insert(AuditEvent).values(
        seq=last.seq + 1, at=last.at, actor=None, action="forged", target=None, detail={},
        prev_mac=last.mac, mac="f" * 64))


TAMPERING = {"edited": _edit, "edited detail": _edit_detail, "deleted": _delete,
             "inserted": _insert}


@pytest.mark.parametrize("where", ["first", "middle", "last"])
@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_verify_command_reports_any_tampered_event(app, five_events, how, where):
    """`flask audit verify` names the first event edited, inserted or deleted, and exits 1."""
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert (ok.exit_code, ok.output.strip()) == (0, "audit log intact: 5 events")
    seq = {"first": 1, "middle": 3, "last": 5}[where]
    TAMPERING[how](seq)
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"audit log BROKEN: event {seq} was {how.split()[0]}" in broken.output


def test_event_appended_past_the_tip_is_reported(app, five_events):
    _append(6)
    db.session.commit()
    broken = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert "event 6 was inserted" in broken.output


def test_event_swapped_in_for_a_deleted_one_is_reported(five_events):
    victim = five_events[2]
    db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 3))
    db.session.execute(insert(AuditEvent).values(
        seq=3, at=victim.at, actor=None, action="forged", target=None, detail={},
        prev_mac=victim.prev_mac, mac=victim.mac))
    db.session.commit()
    verdict = audit.verify()
    assert (verdict.problem, verdict.seq) == ("inserted", 3)


def test_event_rolls_back_with_the_action_it_records(app, worker):
    audit.record(worker, "test.rolled_back")
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "test.rolled_back")) is None
    audit.record(worker, "test.kept")
    db.session.commit()
    assert audit.verify().ok
