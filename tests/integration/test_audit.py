"""The audit log: a chain that shows any edited, inserted or deleted event."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import delete, insert, select, update

from app import audit
from app.audit.models import CHAINS, GENESIS, AuditAnchor, AuditEvent, AuditHead
from app.audit.services import chain_of
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


def _in(chain: int | None):
    return AuditEvent.chain == chain if chain is not None else AuditEvent.chain.is_not(None)


def _edit(seq: int, chain: int | None = None) -> None:
    db.session.execute(update(AuditEvent).where(_in(chain), AuditEvent.link == seq)
                       .values(action="nothing"))


def _edit_detail(seq: int, chain: int | None = None) -> None:
    db.session.execute(update(AuditEvent).where(_in(chain), AuditEvent.link == seq)
                       .values(detail={"n": 99}, target="x:1"))


def _delete(seq: int, chain: int | None = None) -> None:
    db.session.execute(delete(AuditEvent).where(_in(chain), AuditEvent.link == seq))


def _insert(seq: int, chain: int | None = None) -> None:
    """Slip a forged event in at ``seq``: later events move up one, as a forger would do."""
    events = db.session.scalars(select(AuditEvent).where(_in(chain), AuditEvent.link >= seq)
                                .order_by(AuditEvent.link.desc())).all()
    chain = events[0].chain
    for event in events:  # one by one from the top, so the link stays unique throughout
        event.link += 1
        db.session.flush()
    previous = db.session.scalar(select(AuditEvent.mac).where(
        AuditEvent.chain == chain, AuditEvent.link == seq - 1))
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    db.session.execute(insert(AuditEvent).values(
        seq=last.seq + 1, chain=chain, link=seq, at=last.at, actor=None, action="forged",
        target=None, detail={}, prev_mac=previous or GENESIS, mac="f" * 64))


def _append(_seq: int) -> None:
    last = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
    db.session.execute(insert(AuditEvent).values(
        seq=last.seq + 1, chain=last.chain, link=last.link + 1, at=last.at, actor=None,
        action="forged", target=None, detail={}, prev_mac=last.mac, mac="f" * 64))


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
    chain = five_events[0].chain
    assert (f"audit log BROKEN: event {seq} was {how.split()[0]} in chain {chain}"
            in broken.output)


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
        seq=3, chain=victim.chain, link=victim.link, at=victim.at, actor=None,
        action="forged", target=None, detail={},
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


def test_a_system_event_on_someones_behalf_goes_in_their_chain_and_verifies(app):
    """An offer made because someone cancelled is written without an actor but in the
    canceller's chain (``chain_by``), which their own event already claimed."""
    canceller = _actor_in((chain_of(None) + 1) % CHAINS)
    audit.record(canceller, "booking.cancelled", "bookings:1")
    audit.record(None, "waitlist.offered", "sessions:1", chain_by=canceller)
    audit.record(None, "waitlist.lapsed", "sessions:1")
    db.session.commit()
    events = {e.action: e for e in db.session.scalars(select(AuditEvent)).all()}
    offered = events["waitlist.offered"]
    assert offered.actor is None
    assert offered.chain == events["booking.cancelled"].chain == chain_of(canceller)
    assert events["waitlist.lapsed"].chain == chain_of(None)
    assert audit.verify().ok
    db.session.execute(update(AuditEvent).where(AuditEvent.id == offered.id)
                       .values(target="sessions:2"))
    db.session.commit()
    assert not audit.verify().ok


def _actor_in(chain: int) -> str:
    """An actor id whose events go to ``chain``."""
    return next(f"actor-{n}" for n in itertools.count() if chain_of(f"actor-{n}") == chain)


@pytest.fixture
def every_chain(app):
    """Three events in every chain, written interleaved as busy writers would."""
    for n in range(3):
        for chain in range(CHAINS):
            audit.record(_actor_in(chain), "test.event", f"thing:{n}", {"n": n})
    db.session.commit()


def test_writers_spread_over_every_chain_and_each_verifies(every_chain):
    verdict = audit.verify()
    assert (verdict.ok, verdict.events) == (True, 3 * CHAINS)
    for chain in range(CHAINS):
        links = db.session.scalars(select(AuditEvent.link).where(AuditEvent.chain == chain)
                                   .order_by(AuditEvent.seq)).all()
        assert links == [1, 2, 3]
    seqs = db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.id)).all()
    assert seqs == sorted(seqs)
    assert len(set(seqs)) == 3 * CHAINS  # one order over all chains, for pages and exports


@pytest.mark.parametrize("chain", range(CHAINS))
@pytest.mark.parametrize("how", ["edited", "inserted", "deleted"])
def test_tampering_is_caught_in_every_chain(app, every_chain, chain, how):
    runner = app.test_cli_runner()
    TAMPERING[how](2, chain)
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"audit log BROKEN: event 2 was {how} in chain {chain}" in broken.output


def test_an_anchor_catches_a_chain_cut_back_with_its_head(app, every_chain):
    """Deleting a chain's newest events and rewinding its head row leaves no gap in the
    chain itself; the keyed anchor of the tips still notices."""
    runner = app.test_cli_runner()
    assert "audit anchor 1" in runner.invoke(args=["audit", "anchor"]).output
    assert audit.verify().ok
    victim = db.session.scalar(select(AuditEvent).where(AuditEvent.chain == 5,
                                                        AuditEvent.link == 2))
    db.session.execute(delete(AuditEvent).where(AuditEvent.chain == 5, AuditEvent.link >= 3))
    db.session.execute(update(AuditHead).where(AuditHead.id == 5)
                       .values(seq=2, last_mac=victim.mac))
    db.session.commit()
    verdict = audit.verify()
    assert (verdict.problem, verdict.seq, verdict.chain) == ("deleted", 3, 5)


def test_an_edited_anchor_is_caught(app, every_chain):
    audit.anchor()
    audit.record("someone", "later.event")
    db.session.commit()
    audit.anchor()
    db.session.execute(update(AuditAnchor).where(AuditAnchor.id == 1).values(heads=[]))
    db.session.commit()
    assert audit.verify().problem == "edited"
