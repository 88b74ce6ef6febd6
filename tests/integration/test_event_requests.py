"""Enterprise event requests (点单式服务): a union contact orders an event from a centre's
menu; the centre's admin (and only a centre's own or the hub's) accepts, scheduling the
event at the site, or declines with a reason; the requester is told on their channels."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.admin import event_requests
from app.admin import services as admin_services
from app.audit.models import AuditEvent
from app.booking.models import Event
from app.events import requests
from app.events.models import EventRequest
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service
from tests.helpers import PASSWORD, csrf_token, sign_in, text


@pytest.fixture
def network(make_user):
    """The hub, a county centre with a group service and a facilitator, and their admins."""
    group = make_service("group-stress", kind="group", capacity=30, duration=90)
    one = make_service("counselling", kind="individual", capacity=1)
    facilitator = make_user(Role.FACILITATOR, name="志愿者 小王")
    hub = make_centre("hub", services=[one])
    county = make_centre("dehua", services=[group, one], staff=[facilitator])
    lecture = make_service("lecture", kind="lecture", capacity=100, duration=60)
    other = make_centre("anxi", services=[group, lecture])
    for c in (county, other):
        c.kind, c.parent_id = "county", hub.id
    hub_admin = make_user(Role.ADMIN)
    county_admin = make_user(Role.ADMIN)
    other_admin = make_user(Role.ADMIN)
    for person, where in ((hub_admin, hub), (county_admin, county), (other_admin, other)):
        for link in person.role_links:
            link.centre_id = where.id
    db.session.commit()
    return {"group": group, "one": one, "lecture": lecture, "hub": hub, "county": county,
            "other": other,
            "facilitator": facilitator, "hub_admin": hub_admin,
            "county_admin": county_admin, "other_admin": other_admin}


def _day(days: int = 14):
    return (utcnow() + timedelta(days=days)).date()


def _proposal(net, **changes):
    values = dict(centre_id=net["county"].id, service_id=net["group"].id,
                  enterprise="德化陶瓷厂工会", site="德化县陶瓷街1号 职工之家",
                  phone="0595-23561234", audience_size=40, first_choice=_day(),
                  second_choice=_day(21), note="最好是下午")
    values.update(changes)
    return requests.Proposal(**values)


def _form(net, **changes):
    values = {"centre": str(net["county"].id), "service": str(net["group"].id),
              "enterprise": "德化陶瓷厂工会", "site": "德化县陶瓷街1号 职工之家",
              "phone": "0595-23561234", "audience_size": "40",
              "first_choice": _day().isoformat(), "second_choice": "", "note": ""}
    values.update(changes)
    return values


def test_a_worker_orders_from_the_menu_and_sees_the_request(network, worker, signed_in):
    client = signed_in(worker)
    page = text(client.get("/events/request"))
    assert "团体减压" in page or "group" in page.lower()
    sent = client.post("/events/request",
                       data={**_form(network), "csrf_token": csrf_token(page)})
    assert sent.status_code == 303
    mine = text(client.get(sent.headers["Location"]))
    assert "德化陶瓷厂工会" in mine
    assert "等待中心答复" in mine
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "event_request.sent")) == 1


@pytest.mark.parametrize(("changes", "message"), [
    ({"service": "one"}, "该中心不提供此项职工场所服务"),
    ({"first_choice": "today"}, "请提出至少7天后"),
    ({"audience_size": "0"}, "人数"),
    ({"phone": "call me"}, "电话号码"),
])
def test_bad_requests_are_refused_with_a_message_and_nothing_saved(
        network, worker, signed_in, changes, message):
    client = signed_in(worker)
    token = csrf_token(text(client.get("/events/request")))
    values = dict(changes)
    if values.get("service") == "one":
        values["service"] = str(network["lecture"].id)  # only the other county's
    if values.get("first_choice") == "today":
        values["first_choice"] = utcnow().date().isoformat()
    answer = client.post("/events/request", data={**_form(network, **values),
                                                  "csrf_token": token})
    assert answer.status_code == 200
    assert message in text(answer)
    assert db.session.scalar(select(func.count()).select_from(EventRequest)) == 0


def test_staff_do_not_request_and_a_person_has_at_most_three_waiting(network, worker,
                                                                     signed_in):
    with pytest.raises(requests.RequestError):
        requests.submit(network["county_admin"], _proposal(network))
    for days in (10, 11, 12):
        requests.submit(worker, _proposal(network, first_choice=_day(days),
                                          second_choice=None))
    with pytest.raises(requests.RequestError):
        requests.submit(worker, _proposal(network, first_choice=_day(13)))
    assert signed_in(network["county_admin"]).get("/events/request").status_code == 403


def test_each_admin_sees_their_own_centres_requests(network, worker):
    row = requests.submit(worker, _proposal(network))
    db.session.commit()
    assert event_requests.in_scope(network["county_admin"]) == [row]
    assert event_requests.in_scope(network["hub_admin"]) == [row]
    assert event_requests.in_scope(network["other_admin"]) == []
    with pytest.raises(admin_services.OutOfScopeError):
        event_requests.find(network["other_admin"], row.uid)


def test_accepting_schedules_the_event_at_the_site_and_tells_the_requester(
        network, make_user, signed_in, app):
    worker = make_user()  # with an email address: the email carries the details
    row = requests.submit(worker, _proposal(network))
    db.session.commit()
    client = signed_in(network["county_admin"])
    page = client.get(f"/admin/event-requests/{row.uid}")
    assert page.status_code == 200
    assert "0595-23561234" in text(page)
    page = text(page)
    elsewhere = app.test_client()
    sign_in(elsewhere, network["other_admin"].email)
    assert elsewhere.get(f"/admin/event-requests/{row.uid}").status_code == 404
    before = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    done = client.post(f"/admin/event-requests/{row.uid}/accept", data={
        "csrf_token": csrf_token(page), "kind": "group", "title_zh": "陶瓷厂午间减压",
        "title_en": "", "leader": str(network["facilitator"].id), "speaker": "小王",
        "day": _day().isoformat(), "start": "14:00", "capacity": "40",
        "closes_hours_before": "2"})
    assert done.status_code == 303
    db.session.expire_all()
    row = db.session.get(EventRequest, row.id)
    assert row.status == "accepted"
    event = db.session.get(Event, row.event_id)
    assert event.place == "site"
    assert event.site_zh == "德化县陶瓷街1号 职工之家"
    assert event.session.centre_id == network["county"].id
    assert event.session.counsellor_id == network["facilitator"].id
    told = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == worker.id).order_by(OutboxMessage.id)).all()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) > before
    assert any("陶瓷厂午间减压" in str(m.payload) for m in told)
    # Answered once: a second answer is refused and changes nothing.
    again = client.post(f"/admin/event-requests/{row.uid}/decline", data={
        "csrf_token": csrf_token(page), "reason": "改期了，抱歉"})
    assert again.status_code == 200
    assert "已答复" in text(again)
    assert db.session.get(EventRequest, row.id).status == "accepted"


def test_declining_needs_a_reason_and_tells_the_requester(network, make_user, signed_in):
    worker = make_user()  # with an email address: the email carries the details
    row = requests.submit(worker, _proposal(network))
    db.session.commit()
    client = signed_in(network["hub_admin"])
    page = text(client.get(f"/admin/event-requests/{row.uid}"))
    empty = client.post(f"/admin/event-requests/{row.uid}/decline",
                        data={"csrf_token": csrf_token(page), "reason": "忙"})
    assert empty.status_code == 200
    assert db.session.get(EventRequest, row.id).status == "pending"
    done = client.post(f"/admin/event-requests/{row.uid}/decline",
                       data={"csrf_token": csrf_token(page),
                             "reason": "这两天中心的团辅老师都在外地培训"})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(EventRequest, row.id).status == "declined"
    told = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == worker.id)).all()
    assert any("团辅老师都在外地培训" in str(m.payload) for m in told)


def test_the_request_form_is_rate_limited_like_the_other_public_forms(network, worker,
                                                                     signed_in):
    client = signed_in(worker)
    token = csrf_token(text(client.get("/events/request")))
    statuses = [client.post("/events/request", data={"csrf_token": token}).status_code
                for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    assert db.session.scalar(select(func.count()).select_from(EventRequest)) == 0


def test_a_request_is_in_the_persons_copy_and_goes_with_the_account(network, worker):
    from app.accounts import privacy

    requests.submit(worker, _proposal(network))
    db.session.commit()
    copy = privacy.export(worker)
    assert copy["event_requests"][0]["enterprise"] == "德化陶瓷厂工会"
    privacy.delete_account(worker, PASSWORD)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(EventRequest)) == 0


def test_an_accept_the_rules_refuse_changes_nothing(network, worker, signed_in):
    row = requests.submit(worker, _proposal(network))
    db.session.commit()
    client = signed_in(network["county_admin"])
    page = text(client.get(f"/admin/event-requests/{row.uid}"))
    refused = client.post(f"/admin/event-requests/{row.uid}/accept", data={
        "csrf_token": csrf_token(page), "kind": "group", "title_zh": "",
        "title_en": "", "leader": str(network["facilitator"].id), "speaker": "",
        "day": _day().isoformat(), "start": "14:00", "capacity": "40",
        "closes_hours_before": "2"})
    assert refused.status_code == 200
    assert "此项为必填" in text(refused)
    db.session.expire_all()
    assert db.session.get(EventRequest, row.id).status == "pending"
    assert db.session.scalar(select(func.count()).select_from(Event)) == 0


def test_the_phone_and_note_a_requester_types_are_stored_sealed(network, worker):
    from sqlalchemy import text as sql

    requests.submit(worker, _proposal(network, note="我的手机 13912345678，下午可以"))
    db.session.commit()
    stored = " ".join(str(v) for v in db.session.execute(
        sql("SELECT * FROM event_requests")).mappings().one().values())
    assert "0595-23561234" not in stored
    assert "13912345678" not in stored
    db.session.expire_all()
    row = db.session.scalar(select(EventRequest))
    assert row.phone == "0595-23561234"
    assert row.note.startswith("我的手机")
