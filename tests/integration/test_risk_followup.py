"""The counsellor's side of the safety loop: due times, steps, escalation, erasure."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.booking.models import Centre, CentreKind
from app.counselling import risk_queue
from app.counselling.due import configured, due_at
from app.counselling.risk_models import RiskStep
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.screening.models import RiskItem
from app.security.models import DataKey
from app.security.shredding import listed
from app.types import utcnow
from tests.helpers import PASSWORD, submit, text
from tests.integration.screening_helpers import PHQ9_CRISIS, answer, make_centre

EN = {"Accept-Language": "en"}


def make_hub(code: str, *staff) -> Centre:
    hub = make_centre(code, *staff)
    hub.kind = CentreKind.HUB
    db.session.commit()
    return hub


def open_item(centre: Centre, *, triage: str = "standard", age: timedelta = timedelta(0),
              user=None, phone: str = "13912345678") -> RiskItem:
    """An item opened through the one opening path, ``age`` ago."""
    item = RiskItem(centre_id=centre.id, triage=triage, opened_at=utcnow() - age,
                    user_id=user.id if user else None)
    item.contact = {"phone": phone, "email": "", "best_time": "any", "flags": ["self_harm"]}
    db.session.add(item)
    db.session.flush()
    risk_queue.risk_opened(item)
    db.session.commit()
    return item


def later(hours: int) -> str:
    """A ``datetime-local`` value ``hours`` from now in Beijing time."""
    from app.counselling.due import SHANGHAI

    return (utcnow() + timedelta(hours=hours)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def test_a_contact_request_gets_a_due_time_and_an_alert_without_detail(app, client, make_user):
    counsellor = make_user(Role.COUNSELLOR)
    centre = make_centre("dehua", counsellor)
    answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0})
    submit(client, "/screening/contact", {"centre": str(centre.id), "phone": "139 1234 5678",
                                          "best_time": "evening"})
    item = db.session.scalar(select(RiskItem))
    hours, targets = configured()
    # Item 9 > 0 with the follow-up questions skipped: unknown risk counts as high.
    assert item.triage == "high"
    assert item.due_at == due_at(item.opened_at, "high", hours, targets)
    message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "risk.new"))
    assert message.user_id == counsellor.id
    body = message.payload["subject"] + message.payload["text"]
    assert "1234" not in body
    assert "self" not in body.lower()
    assert "自" not in body
    assert "/counsellor/risks" in body


def test_attempt_reached_closed_are_sealed_audited_and_shown_to_a_colleague(
        app, client, signed_in, make_user):
    first, second = make_user(Role.COUNSELLOR), make_user(Role.COUNSELLOR)
    centre = make_centre("dehua", first, second)
    item = open_item(centre, triage="high")
    url = f"/counsellor/risks/{item.uid}"

    signed_in(first)
    attempt = submit(client, url, {"kind": "attempted", "result": "no_answer",
                                   "next_try": later(2), "note": "Rang twice at 10:05."})
    assert attempt.status_code == 303
    client.delete_cookie("session")

    signed_in(second)
    page = text(client.get(url, headers=EN))
    assert "No answer" in page
    assert "Rang twice at 10:05." in page
    assert "Try again at" in page
    assert submit(client, url, {"kind": "reached", "note": "Spoke for 20 minutes."}
                  ).status_code == 303
    closed = submit(client, url, {"kind": "closed", "outcome": "session_booked",
                                  "note": "Session on Friday."})
    assert closed.headers["Location"].endswith("/counsellor/risks")

    db.session.refresh(item)
    assert item.first_contact_at is not None
    assert item.resolved_at is not None
    steps = db.session.scalars(select(RiskStep).order_by(RiskStep.id)).all()
    assert [s.kind for s in steps] == ["attempted", "reached", "closed"]
    assert [s.author_id for s in steps] == [first.id, second.id, second.id]
    assert steps[0].next_try_at is not None
    assert all(b"Rang twice" not in bytes(s.detail_ct) for s in steps)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(
        ["risk.attempted", "risk.reached", "risk.closed"])).order_by(AuditEvent.seq)).all()
    assert [e.action for e in events] == ["risk.attempted", "risk.reached", "risk.closed"]
    assert all(e.target == f"risk_items:{item.uid}" for e in events)
    assert events[0].detail == {"result": "no_answer"}
    assert "Rang" not in str([e.detail for e in events])
    history = text(client.get(url, headers=EN))
    assert "Spoke for 20 minutes." in history
    assert "Reached; a counselling session" in history


def test_a_step_that_does_not_fit_is_refused_and_nothing_changes(app, client, signed_in,
                                                                 make_user):
    counsellor = make_user(Role.COUNSELLOR)
    centre = make_centre("dehua", counsellor)
    item = open_item(centre)
    url = f"/counsellor/risks/{item.uid}"
    signed_in(counsellor)
    cases = [
        ({"kind": "attempted", "result": "no_answer"}, "Please give a time to try again."),
        ({"kind": "attempted", "result": "no_answer", "next_try": later(-2)},
         "within the next 14 days"),
        ({"kind": "attempted", "result": "no_answer", "next_try": "tomorrow"},
         "YYYY-MM-DD HH:MM"),
        ({"kind": "attempted", "result": "no_answer", "next_try": "0001-01-01T00:00"},
         "within the next 14 days"),
        ({"kind": "attempted", "result": "no_answer", "next_try": "9999-12-31T23:59"},
         "within the next 14 days"),
        ({"kind": "attempted", "result": "hung_up", "next_try": later(2)},
         "Please choose what happened"),
        ({"kind": "referred", "referred_to": "friend"}, "Please choose where you referred"),
        ({"kind": "closed", "outcome": "fine"}, "Please choose the outcome."),
        ({"kind": "jump"}, "Please choose a step."),
        ({"kind": "reached", "note": "x" * 4001}, "4000"),
    ]
    for data, message in cases:
        response = submit(client, url, data, headers=EN)
        assert response.status_code == 200, data
        assert message in text(response), data
    assert db.session.scalar(select(func.count(RiskStep.id))) == 0
    assert submit(client, url, {"kind": "attempted", "result": "wrong_number"}
                  ).status_code == 303  # no next try for a wrong number
    submit(client, url, {"kind": "closed", "outcome": "unreachable"})
    again = submit(client, url, {"kind": "reached"}, headers=EN)
    assert again.status_code == 200
    assert db.session.scalar(select(func.count(RiskStep.id))) == 2


def test_queue_is_urgent_first_then_oldest_and_home_counts_overdue(app, client, signed_in,
                                                                   make_user):
    counsellor = make_user(Role.COUNSELLOR)
    centre = make_centre("dehua", counsellor)
    old_standard = open_item(centre, age=timedelta(days=20))
    new_urgent = open_item(centre, triage="urgent")
    old_high = open_item(centre, triage="high", age=timedelta(days=10))
    newer_high = open_item(centre, triage="high", age=timedelta(days=1))
    signed_in(counsellor)
    queue = text(client.get("/counsellor/risks", headers=EN))
    order = [queue.index(f"/counsellor/risks/{i.uid}")
             for i in (new_urgent, old_high, newer_high, old_standard)]
    assert order == sorted(order)
    assert "Overdue" in queue
    assert "First contact due" in queue
    assert "ago" in queue
    home = text(client.get("/counselling/", headers=EN))
    assert "4 items in the risk queue are open." in home
    # old_standard and old_high are overdue whatever the hours; newer_high may not be yet.
    overdue = risk_queue.overdue_count(counsellor)
    assert overdue >= 2
    assert f"{overdue} are past their due time." in home or \
        f"{overdue} is past its due time." in home


def test_an_overdue_item_escalates_to_the_hubs_lead_counsellors_once(
        app, client, signed_in, make_user, social_worker, admin):
    local = make_user(Role.COUNSELLOR)
    lead, hub_colleague = make_user(Role.COUNSELLOR), make_user(Role.COUNSELLOR)
    hub = make_hub("hub", lead, hub_colleague)
    county = make_centre("dehua", local)
    county.parent_id = hub.id
    db.session.commit()
    risk_queue.set_lead(lead, hub)
    overdue = open_item(county, triage="urgent", age=timedelta(days=5))
    reached = open_item(county, age=timedelta(days=30))
    reached.first_contact_at = reached.opened_at + timedelta(hours=1)
    fresh = open_item(county, triage="standard")
    db.session.commit()

    signed_in(lead)
    assert overdue.uid not in text(client.get("/counsellor/risks"))  # not escalated yet
    client.delete_cookie("session")

    runner = app.test_cli_runner()
    assert "escalated 1" in runner.invoke(args=["risk", "escalate"]).output
    assert "escalated 0" in runner.invoke(args=["risk", "escalate"]).output
    db.session.expire_all()
    assert overdue.escalated_at is not None
    assert reached.escalated_at is None
    assert fresh.escalated_at is None
    mails = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "risk.escalated")).all()
    assert [m.user_id for m in mails] == [lead.id]
    assert "13912345678" not in mails[0].payload["text"]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "risk.escalated"))
    assert event.target == f"risk_items:{overdue.uid}"
    assert event.detail == {"centre": "dehua", "hub": "hub", "leads": 1}

    signed_in(lead)
    queue = text(client.get("/counsellor/risks", headers=EN))
    assert overdue.uid in queue
    assert fresh.uid not in queue
    assert "Escalated to the hub" in queue
    page = text(client.get(f"/counsellor/risks/{overdue.uid}", headers=EN))
    assert "Escalated to the hub's lead counsellors" in page
    client.delete_cookie("session")
    signed_in(hub_colleague)
    assert client.get(f"/counsellor/risks/{overdue.uid}").status_code == 404
    for person in (social_worker, admin):
        client.delete_cookie("session")
        signed_in(person)
        assert client.get("/counsellor/risks").status_code == 403
        assert client.get(f"/counsellor/risks/{overdue.uid}").status_code == 403


def test_a_deleted_workers_open_request_is_kept_for_duty_of_care_then_shredded(
        app, client, signed_in, make_user):
    counsellor = make_user(Role.COUNSELLOR)
    centre = make_centre("dehua", counsellor)
    person = make_user(login="13700001111")
    kept = open_item(centre, user=person, phone="13700001111")
    done = open_item(centre, user=person, phone="13700001111")
    done.resolved_at = utcnow()
    db.session.commit()
    done_uid, done_key = done.uid, done.data_key_id

    signed_in(person)
    page = text(client.get("/account/data", headers=EN))
    assert "request for contact" in page
    assert "30 days" in page
    response = submit(client, "/account/data/delete", {"password": PASSWORD, "confirm": "y"},
                      form_url="/account/data")
    assert response.status_code == 303
    client.delete_cookie("session")

    db.session.expire_all()
    # Closed: shredded with the account (key destroyed, row gone).
    assert db.session.scalar(select(RiskItem).where(RiskItem.uid == done_uid)) is None
    assert db.session.get(DataKey, done_key) is None
    # Open: kept, no longer pointing to the account, with a limit; the counsellor is told.
    assert kept.user_id is None
    assert kept.shred_after is not None
    assert 29 <= (kept.shred_after - utcnow()).days <= 30
    signed_in(counsellor)
    item_page = text(client.get(f"/counsellor/risks/{kept.uid}", headers=EN))
    assert "deleted their account" in item_page
    audit_detail = [e.detail for e in db.session.scalars(select(AuditEvent)).all()]
    assert "13700001111" not in str(audit_detail)

    # Closing it shreds it at once.
    kept_uid, kept_key = kept.uid, kept.data_key_id
    submit(client, f"/counsellor/risks/{kept_uid}", {"kind": "closed", "outcome": "supported"})
    db.session.expire_all()
    assert db.session.scalar(select(RiskItem).where(RiskItem.uid == kept_uid)) is None
    assert db.session.get(DataKey, kept_key) is None


def test_a_kept_request_is_shredded_at_the_limit(app, make_user):
    centre = make_centre("dehua")
    item = open_item(centre)
    item.shred_after = utcnow() - timedelta(minutes=1)
    other = open_item(centre)
    db.session.commit()
    uid = item.uid
    before = len(listed())
    output = app.test_cli_runner().invoke(args=["risk", "escalate"]).output
    assert "shredded 1" in output
    assert len(listed()) == before + 1, "a restored backup would bring the item back"
    assert "escalated 0" in output
    db.session.expire_all()
    assert db.session.scalar(select(RiskItem).where(RiskItem.uid == uid)) is None
    assert db.session.get(RiskItem, other.id) is not None


def test_concurrent_escalation_runs_escalate_each_item_once(app, make_user):
    import threading

    lead = make_user(Role.COUNSELLOR)
    hub = make_hub("hub", lead)
    risk_queue.set_lead(lead, hub)
    items = [open_item(hub, triage="urgent", age=timedelta(days=4 + n)) for n in range(6)]
    results: list[int] = []
    errors: list[BaseException] = []

    def runner() -> None:
        with app.app_context():
            try:
                results.append(risk_queue.escalate_overdue().escalated)
            except BaseException as exc:  # reported below, not lost in the thread
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sum(results) == len(items)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(RiskStep.id)).where(
        RiskStep.kind == "escalated")) == len(items)
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "risk.escalated")) == len(items)
    assert db.session.scalar(select(func.count(AuditEvent.seq)).where(
        AuditEvent.action == "risk.escalated")) == len(items)


def test_an_escalation_to_a_hub_without_a_lead_is_reported_by_the_command(app, make_user):
    hub = make_hub("hub", make_user(Role.COUNSELLOR))
    open_item(hub, triage="urgent", age=timedelta(days=5))
    result = app.test_cli_runner().invoke(args=["risk", "escalate"])
    assert "escalated 1" in result.output
    assert "no lead counsellor" in result.output


def test_a_counsellor_with_a_phone_also_gets_the_alert_by_sms_even_in_quiet_hours(
        app, make_user, monkeypatch):
    import json

    from app.counselling.due import SHANGHAI

    counsellor = make_user(Role.COUNSELLOR)
    counsellor.phone = "+8613900000003"
    db.session.commit()
    hour = utcnow().astimezone(SHANGHAI).hour  # quiet hours around now
    monkeypatch.setitem(app.config, "SMS_QUIET_START_HOUR", hour)
    monkeypatch.setitem(app.config, "SMS_QUIET_END_HOUR", (hour + 2) % 24)
    centre = make_centre("dehua", counsellor)
    open_item(centre, triage="urgent")
    alerts = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "risk.new")).all()
    assert sorted(m.channel for m in alerts) == ["email", "sms"]
    sms = next(m for m in alerts if m.channel == "sms")
    assert sms.payload["to"] == "+8613900000003"
    assert sms.payload["template"] == "notice"
    assert sms.payload["params"][0].endswith("/counsellor/risks")
    assert "13912345678" not in json.dumps(sms.payload, ensure_ascii=False)
    assert sms.send_after <= utcnow()  # not held until the morning
