"""The counsellor's workspace: calendar, status flow, cancel, availability, private notes."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from app.audit.models import AuditEvent
from app.booking import bookings
from app.booking.models import Booking, Session, WaitlistEntry
from app.counselling.models import SessionNote
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session, seat_invariant  # noqa: F401
from tests.helpers import submit
from tests.helpers import text as page_text

pytestmark = pytest.mark.usefixtures("seat_invariant")


@pytest.fixture
def setup(counsellor, make_user):
    service = make_service("counselling", kind="individual", capacity=1, confirm=True)
    group = make_service("group-stress", capacity=5)
    centre = make_centre(services=[service, group], staff=[counsellor])
    one = make_session(centre, service, counsellor, starts_in=timedelta(minutes=30 + 60 * 48))
    person = make_user(name="赵小红")
    booking = bookings.book(person, one.id)
    return {"centre": centre, "service": service, "group": group, "session": one,
            "booking": booking, "person": person}


def test_workspace_is_for_counsellors(signed_in, worker, setup):
    client = signed_in(worker)
    assert client.get("/counselling/").status_code == 403


def test_calendar_shows_my_sessions(signed_in, counsellor, setup):
    client = signed_in(counsellor)
    assert client.get("/counselling/").status_code == 200
    start = setup["session"].starts_at.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    for view in ("day", "week"):
        page = page_text(client.get(f"/counselling/calendar?view={view}&date={start}"))
        assert f"/counselling/sessions/{setup['session'].id}" in page
    assert client.get("/counselling/calendar?date=bad").status_code == 200
    for edge in ("0001-01-01", "9999-12-31"):  # the calendar's edges answer, never a 500
        for view in ("day", "week"):
            assert client.get(f"/counselling/calendar?view={view}&date={edge}"
                              ).status_code == 200, (edge, view)


def test_confirm_then_check_in_and_attended(signed_in, counsellor, setup):
    client = signed_in(counsellor)
    booking, session = setup["booking"], setup["session"]
    url = f"/counselling/sessions/{session.id}"
    assert "赵小红" in page_text(client.get(url))
    submit(client, f"/counselling/bookings/{booking.uid}/confirm", {}, form_url=url)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "confirmed"
    # too early to check in: a clear message, nothing changes
    submit(client, f"/counselling/bookings/{booking.uid}/check_in", {}, form_url=url)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "confirmed"
    # move the session to now and check in, then attended
    db.session.execute(text("UPDATE sessions SET starts_at = :s, ends_at = :e WHERE id = :i"),
                       {"s": utcnow(), "e": utcnow() + timedelta(hours=1), "i": session.id}
                       if db.engine.dialect.name == "postgresql" else
                       {"s": utcnow().replace(tzinfo=None), "e": (utcnow() + timedelta(hours=1))
                        .replace(tzinfo=None), "i": session.id})
    db.session.commit()
    submit(client, f"/counselling/bookings/{booking.uid}/check_in", {}, form_url=url)
    submit(client, f"/counselling/bookings/{booking.uid}/attended", {}, form_url=url)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "attended"


def test_other_counsellors_sessions_and_notes_are_404(signed_in, make_user, setup):
    other = make_user("counsellor")
    client = signed_in(other)
    assert client.get(f"/counselling/sessions/{setup['session'].id}").status_code == 404
    assert client.get(f"/counselling/bookings/{setup['booking'].uid}/notes").status_code == 404


def test_notes_are_encrypted_private_and_every_read_logged(signed_in, counsellor, make_user,
                                                           setup):
    client = signed_in(counsellor)
    url = f"/counselling/bookings/{setup['booking'].uid}/notes"
    response = submit(client, url, {"body": "睡眠不好,压力来自加班"})
    assert response.status_code == 303
    stored = db.session.execute(text("SELECT body_ct FROM session_notes")).scalar_one()
    assert "加班".encode() not in bytes(stored)
    assert "睡眠不好" in page_text(client.get(url))
    reads = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "note.read"))
    assert reads >= 2
    note = db.session.scalar(select(SessionNote))
    assert note.author_id == counsellor.id
    # the worker never reaches the workspace, another counsellor gets 404
    client.post("/account/logout")


def test_cancel_session_tells_attendees(signed_in, counsellor, setup):
    client = signed_in(counsellor)
    url = f"/counselling/sessions/{setup['session'].id}"
    submit(client, url + "/cancel", {}, form_url=url)
    db.session.expire_all()
    assert db.session.get(Session, setup["session"].id).status == "cancelled"
    assert db.session.get(Booking, setup["booking"].id).status == "cancelled"
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "booking.cancelled")) == 1


def test_weekly_hours_make_sessions(signed_in, counsellor, setup):
    client = signed_in(counsellor)
    monday = date.today() + timedelta(days=7 - date.today().weekday())
    response = submit(client, "/counselling/availability", {
        "centre": setup["centre"].id, "service": setup["service"].id, "weekday": 0,
        "start": "09:00", "end": "11:00", "valid_from": monday.isoformat(), "room": "3"})
    assert response.status_code == 303
    made = db.session.scalar(select(func.count(Session.id)).where(Session.generated.is_(True)))
    assert made >= 4  # two slots on each of the coming Mondays
    # bad input: end before start
    response = submit(client, "/counselling/availability", {
        "centre": setup["centre"].id, "service": setup["service"].id, "weekday": 0,
        "start": "11:00", "end": "09:00", "valid_from": monday.isoformat()})
    assert response.status_code == 200


def test_notes_pass_to_a_colleague_only_after_the_worker_agrees(signed_in, counsellor, make_user,
                                                                setup):
    from app.booking.bookings import NotFoundError
    from app.counselling import services as counselling

    colleague = make_user("counsellor", name="新老师")
    later = make_session(setup["centre"], setup["service"], colleague,
                         starts_in=timedelta(days=6))
    person = setup["person"]
    second = bookings.book(person, later.id)
    counselling.add_note(counsellor, setup["booking"].uid, "第一次谈话:工作压力")
    assert counselling.read_notes(colleague, second.uid) == []

    counselling.request_handover(counsellor, setup["booking"].uid, colleague.id)
    assert counselling.read_notes(colleague, second.uid) == []  # asked, not yet agreed
    handover = counselling.pending_handovers(person)[0]
    with pytest.raises(NotFoundError):  # nobody else can answer for the worker
        counselling.answer_handover(make_user(), handover.uid, agree=True)

    # the worker agrees on their bookings page
    client = signed_in(person)
    page = page_text(client.get("/bookings"))
    assert handover.uid in page
    response = submit(client, f"/bookings/handovers/{handover.uid}/agree", {},
                      form_url="/bookings")
    assert response.status_code == 303
    notes = counselling.read_notes(colleague, second.uid)
    assert [n.body for n in notes] == ["第一次谈话:工作压力"]


def test_no_show_and_refusals(signed_in, counsellor, make_user, setup):
    from app.counselling import services as counselling

    booking = setup["booking"]
    start = setup["session"].starts_at
    with pytest.raises(counselling.CounsellingError):  # too early to record attendance
        counselling.set_status(counsellor, booking.uid, "no_show")
    counselling.set_status(counsellor, booking.uid, "no_show", now=start + timedelta(minutes=20))
    with pytest.raises(counselling.CounsellingError):  # already decided
        counselling.set_status(counsellor, booking.uid, "attended",
                               now=start + timedelta(minutes=30))
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "no_show"
    client = signed_in(make_user("counsellor"))
    from tests.helpers import csrf_token

    token = csrf_token(page_text(client.get("/counselling/availability")))
    assert client.post(f"/counselling/bookings/{booking.uid}/confirm",
                       data={"csrf_token": token}).status_code == 404


def test_extra_hours_and_leave_from_the_availability_page(signed_in, counsellor, setup):
    client = signed_in(counsellor)
    day = (date.today() + timedelta(days=10)).isoformat()
    response = submit(client, "/counselling/availability/extra", {
        "extra-centre": setup["centre"].id, "extra-service": setup["service"].id,
        "extra-day": day, "extra-start": "19:00", "extra-end": "21:30"},
        form_url="/counselling/availability")
    assert response.status_code == 303
    extra = db.session.scalars(select(Session).where(Session.generated.is_(True))).all()
    assert len(extra) == 2  # 60 minutes + 10 minutes break, twice
    submit(client, "/counselling/availability/leave", {"leave-first_day": day,
                                                       "leave-last_day": day},
           form_url="/counselling/availability")
    db.session.expire_all()
    assert {s.status for s in db.session.scalars(select(Session).where(
        Session.generated.is_(True)))} == {"cancelled"}


def test_weekly_hours_time_fields_are_labelled_as_times_in_chinese(counsellor, signed_in):
    """开始时间/结束时间 on the time inputs, not 开始日期 (issue 20, item 9)."""
    import re

    page = signed_in(counsellor).get("/counselling/availability?lang=zh_CN").get_data(
        as_text=True)
    labels = dict(re.findall(r'<label[^>]*for="([a-z_-]+)"[^>]*>\s*([^<]+?)\s*<', page))
    assert labels.get("start") == "开始时间", labels
    assert labels.get("end") == "结束时间", labels
    assert labels.get("valid_from") == "开始日期"


def test_counsellor_cancels_one_booking_after_confirming(signed_in, counsellor, make_user,
                                                         setup):
    """One booking, not the whole session: the page asks first, then the person is told the
    centre cancelled it, the reminder goes and the seat passes to the first person waiting."""
    booking, session = setup["booking"], setup["session"]
    waiting = make_user()
    db.session.add(WaitlistEntry(session_id=session.id, user_id=waiting.id, position=1,
                                 status="waiting", created_at=utcnow()))
    db.session.commit()
    client = signed_in(counsellor)
    page = f"/counselling/sessions/{session.id}"
    url = f"/counselling/bookings/{booking.uid}/cancel"
    assert url in page_text(client.get(page))
    confirm = page_text(client.get(url))
    assert "赵小红" in confirm
    assert "取消" in confirm
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "requested"  # asking changed nothing
    sequence = booking.sequence
    response = submit(client, url, {}, form_url=url)
    assert response.status_code == 303
    db.session.expire_all()
    cancelled = db.session.get(Booking, booking.id)
    assert (cancelled.status, cancelled.sequence) == ("cancelled", sequence + 1)
    assert db.session.get(Session, session.id).status == "scheduled"
    notice = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.kind == "booking.centre_cancelled"))
    assert "中心取消" in notice.payload["subject"]
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "booking.reminder")) == 0
    assert db.session.scalar(select(WaitlistEntry.status)) == "offered"
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == "booking.centre_cancelled")) == 1
    # a second try is refused with a message, nothing more sent
    submit(client, url, {}, form_url=page)
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "booking.centre_cancelled")) == 1


def test_other_counsellors_cannot_cancel_a_booking(signed_in, make_user, setup):
    client = signed_in(make_user("counsellor"))
    url = f"/counselling/bookings/{setup['booking'].uid}/cancel"
    assert client.get(url).status_code == 404
    db.session.expire_all()
    assert db.session.get(Booking, setup["booking"].id).status == "requested"


def test_a_note_over_ten_thousand_characters_is_refused_and_nothing_saved(
        signed_in, counsellor, setup):
    client = signed_in(counsellor)
    url = f"/counselling/bookings/{setup['booking'].uid}/notes"
    response = submit(client, url + "?lang=en", {"body": "长" * 18_000})
    assert response.status_code == 200
    assert "A note can be at most 10,000 characters; this one has 18,000." in page_text(response)
    assert db.session.scalar(select(func.count(SessionNote.id))) == 0
    assert submit(client, url, {"body": "长" * 10_000}).status_code == 303
    assert db.session.scalar(select(func.count(SessionNote.id))) == 1


def test_the_service_refuses_an_overlong_note_too(counsellor, setup):
    from app.counselling import services as counselling

    with pytest.raises(counselling.CounsellingError):
        counselling.add_note(counsellor, setup["booking"].uid, "x" * 10_001)
    assert db.session.scalar(select(func.count(SessionNote.id))) == 0


def test_the_note_field_counts_down_without_and_with_script(signed_in, counsellor, setup):
    page = page_text(signed_in(counsellor).get(
        f"/counselling/bookings/{setup['booking'].uid}/notes?lang=en"))
    assert 'maxlength="10000"' in page  # the browser stops at the limit, script or not
    assert "Up to 10,000 characters." in page
    assert 'data-counter="{left} characters left"' in page
    assert '<script src="/static/js/polish.js" defer></script>' in page
