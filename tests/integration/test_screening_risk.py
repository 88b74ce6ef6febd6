"""The safety path: asking to be contacted, the centre's risk queue, resolving an item."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.extensions import db
from app.screening.models import RiskItem
from tests.helpers import submit, text
from tests.integration.screening_helpers import PHQ9_CRISIS, answer, make_centre

EN = {"Accept-Language": "en"}


def test_anonymous_contact_request_reaches_only_that_centres_queue(app, client, signed_in,
                                                                   make_user):
    mine = make_user(Role.COUNSELLOR)
    other = make_user(Role.COUNSELLOR)
    centre = make_centre("dehua", mine)
    make_centre("anxi", other)
    answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0})
    response = submit(client, "/screening/contact",
                      {"centre": str(centre.id), "phone": "139 1234 5678",
                       "best_time": "evening"}, headers=EN)
    response = client.get(response.headers["Location"], headers=EN)
    assert "A counsellor will contact you" in text(response)
    item = db.session.scalar(select(RiskItem))
    assert item.centre_id == centre.id
    assert item.user_id is None
    assert item.contact["phone"] == "139 1234 5678"
    assert "self_harm" in item.contact["flags"]
    assert item.data_key_id is not None
    raw = bytes(item.contact_ct)
    assert b"139 1234 5678" not in raw

    client.delete_cookie("session")
    signed_in(other)
    assert item.uid not in text(client.get("/counsellor/risks"))
    assert client.get(f"/counsellor/risks/{item.uid}").status_code == 404

    client.delete_cookie("session")
    signed_in(mine)
    queue = text(client.get("/counsellor/risks"))
    assert f"/counsellor/risks/{item.uid}" in queue
    page = text(client.get(f"/counsellor/risks/{item.uid}", headers=EN))
    assert "139 1234 5678" in page
    assert "thoughts of self-harm" in page
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "risk.read", AuditEvent.actor == mine.uid)) is not None

    empty = submit(client, f"/counsellor/risks/{item.uid}", {"kind": "closed", "outcome": ""},
                   headers=EN)
    assert "Please choose the outcome." in text(empty)
    db.session.refresh(item)
    assert item.resolved_at is None
    done = submit(client, f"/counsellor/risks/{item.uid}",
                  {"kind": "closed", "outcome": "session_booked",
                   "note": "Called back, booked a session for Friday."})
    assert done.status_code == 303
    db.session.refresh(item)
    assert item.resolved_at is not None
    assert item.outcome == "Called back, booked a session for Friday."
    assert b"booked a session" not in bytes(item.outcome_ct)


def test_queue_lists_open_items_first_then_oldest(app, client, signed_in, make_user):
    from datetime import timedelta

    from app.types import utcnow

    mine = make_user(Role.COUNSELLOR)
    centre = make_centre("dehua", mine)
    now = utcnow()
    items = []
    for age, resolved in ((3, True), (1, False), (2, False)):
        item = RiskItem(centre_id=centre.id, opened_at=now - timedelta(days=age),
                        resolved_at=now if resolved else None)
        item.contact = {"phone": f"1390000000{age}", "best_time": "any"}
        db.session.add(item)
        items.append(item)
    db.session.commit()
    signed_in(mine)
    queue = text(client.get("/counsellor/risks"))
    order = [queue.index(f"/counsellor/risks/{i.uid}") for i in (items[2], items[1], items[0])]
    assert order == sorted(order)


def test_contact_needs_a_way_to_reach_you(app, client):
    centre = make_centre("dehua")
    response = submit(client, "/screening/contact", {"centre": str(centre.id), "phone": "",
                                                     "best_time": "any"}, headers=EN)
    assert response.status_code == 200
    assert "Please give a phone number" in text(response)
    bad = submit(client, "/screening/contact", {"centre": str(centre.id), "phone": "12ab",
                                                "best_time": "any"}, headers=EN)
    assert "7 to 15 digits" in text(bad)
    assert 'value="12ab"' in text(bad)
    assert db.session.scalar(select(RiskItem)) is None


def test_signed_in_worker_can_use_account_contact(app, client, signed_in, make_user):
    person = make_user(login="13700001111")
    centre = make_centre("dehua")
    signed_in(person)
    submit(client, "/screening/contact", {"centre": str(centre.id), "use_account": "y",
                                          "best_time": "morning"})
    item = db.session.scalar(select(RiskItem))
    assert item.user_id == person.id
    assert item.contact["phone"] == person.phone


def test_workers_and_social_workers_cannot_see_the_queue(app, client, signed_in, worker,
                                                         social_worker):
    signed_in(worker)
    assert client.get("/counsellor/risks").status_code == 403
    client.delete_cookie("session")
    signed_in(social_worker)
    assert client.get("/counsellor/risks").status_code == 403


def test_crisis_page_contact_form_is_public(app, client):
    assert client.get("/screening/contact").status_code == 200
