"""The worker's booking pages, as a browser uses them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.booking import bookings
from app.booking.models import Booking, Session
from app.extensions import db
from tests.booking_helpers import make_centre, make_service, make_session, seat_invariant  # noqa: F401
from tests.helpers import submit, text

pytestmark = pytest.mark.usefixtures("seat_invariant")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _in_two_days_at(hour: int) -> timedelta:
    """From now to ``hour`` o'clock in Shanghai the day after tomorrow: the three sessions
    below share one local day whatever time of day the suite runs (at 1 day + 3/6/9 hours
    from now, the last fell on the next day after 15:00 in Shanghai)."""
    now = datetime.now(SHANGHAI)
    return (now + timedelta(days=2)).replace(hour=hour, minute=0, second=0,
                                             microsecond=0) - now


@pytest.fixture
def network(counsellor):
    group = make_service("group-stress", capacity=2)
    one = make_service("counselling", kind="individual", capacity=1, confirm=True)
    hub = make_centre("qz-hub", services=[group, one], staff=[counsellor])
    county = make_centre("dehua", services=[group], staff=[counsellor])
    return {
        "group": make_session(hub, group, counsellor, starts_in=_in_two_days_at(9)),
        "one": make_session(hub, one, counsellor, starts_in=_in_two_days_at(12)),
        "county": make_session(county, group, counsellor, starts_in=_in_two_days_at(15)),
    }


def _day(session: Session) -> str:
    return session.starts_at.astimezone(SHANGHAI).date().isoformat()


def test_browse_filters_by_centre_and_service(client, network):
    day = _day(network["group"])
    page = text(client.get(f"/booking?day={day}&lang=en"))
    assert page.count('class="session-item"') == 3
    page = text(client.get(f"/booking?day={day}&service=group-stress&centre=dehua"))
    assert page.count('class="session-item"') == 1
    assert f"/booking/sessions/{network['county'].id}" in page


# A NUL character anywhere is refused with a 400 for every route: tests/security.
@pytest.mark.parametrize("query", ["?service=nope&centre=nope", "?day=2020-13-45", "?day=x",
                                   "?day=2099-01-01", "?day=2000-01-03"])
def test_browse_survives_bad_input(client, network, query):
    assert client.get("/booking" + query).status_code == 200


def test_book_from_the_session_page_then_see_and_cancel(signed_in, worker, network):
    client = signed_in(worker)
    url = f"/booking/sessions/{network['group'].id}"
    response = submit(client, url + "/book", {}, form_url=url)
    assert response.status_code == 303
    booking = db.session.scalar(select(Booking))
    assert response.headers["Location"].endswith(f"/bookings/{booking.uid}")
    assert "/bookings/" in text(client.get("/bookings"))
    detail = text(client.get(f"/bookings/{booking.uid}?lang=en"))
    assert "Confirmed" in detail
    response = submit(client, f"/bookings/{booking.uid}/cancel", {},
                      form_url=f"/bookings/{booking.uid}")
    assert response.status_code == 303
    assert "Cancelled: " in text(client.get(f"/bookings/{booking.uid}"))
    db.session.expire_all()
    assert db.session.get(Session, network["group"].id).booked == 0


def test_second_booking_gets_a_translated_message_and_changes_nothing(signed_in, worker,
                                                                       network):
    client = signed_in(worker)
    url = f"/booking/sessions/{network['group'].id}"
    submit(client, url + "/book", {}, form_url=url)
    # a second tab still showing the book button
    token_page = client.get("/me")  # any page with a form: sign-out is on 我的
    from tests.helpers import csrf_token

    response = client.post(url + "/book", data={"csrf_token": csrf_token(text(token_page))})
    assert "您已预约过这个场次。" in text(client.get(response.headers["Location"]))
    assert db.session.scalar(select(func.count(Booking.id))) == 1


def test_someone_elses_booking_is_404(signed_in, worker, make_user, network):
    other = make_user()
    booking = bookings.book(other, network["group"].id)
    client = signed_in(worker)
    assert client.get(f"/bookings/{booking.uid}").status_code == 404
    page = client.get("/bookings")
    from tests.helpers import csrf_token

    token = csrf_token(text(client.get("/me")))
    assert client.post(f"/bookings/{booking.uid}/cancel",
                       data={"csrf_token": token}).status_code == 404
    assert page.status_code == 200
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "confirmed"


def test_group_attendees_never_see_each_other(signed_in, worker, make_user, network):
    other = make_user(name="王大明")
    bookings.book(other, network["group"].id)
    mine = bookings.book(worker, network["group"].id)
    client = signed_in(worker)
    for url in (f"/booking/sessions/{network['group'].id}", f"/bookings/{mine.uid}",
                "/bookings", f"/booking?day={_day(network['group'])}"):
        page = text(client.get(url))
        assert "王大明" not in page
        assert other.email not in page


def test_full_session_offers_waiting_list_and_offer_page(signed_in, worker, make_user, network):
    holders = [make_user(), make_user()]
    held = [bookings.book(u, network["group"].id) for u in holders]
    client = signed_in(worker)
    url = f"/booking/sessions/{network['group'].id}"
    assert "/waitlist" in text(client.get(url))
    submit(client, url + "/waitlist", {}, form_url=url)
    entry = bookings.my_waitlist(worker)[0]
    bookings.cancel(holders[0], held[0].uid)
    offer = f"/bookings/waitlist/{entry.uid}"
    assert "/accept" in text(client.get(offer))
    response = submit(client, offer + "/accept", {}, form_url=offer)
    assert response.status_code == 303
    assert db.session.scalar(select(func.count(Booking.id)).where(
        Booking.user_id == worker.id, Booking.status == "confirmed")) == 1


def test_reschedule_from_the_detail_page(signed_in, worker, counsellor, network):
    later = make_session(network["group"].centre, network["group"].service, counsellor,
                         starts_in=timedelta(days=4))
    booking = bookings.book(worker, network["group"].id)
    client = signed_in(worker)
    url = f"/bookings/{booking.uid}"
    response = submit(client, url + "/reschedule", {"session": later.id}, form_url=url)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).session_id == later.id
    # a session that is not offered as a choice is refused without change
    submit(client, url + "/reschedule", {"session": network["county"].id}, form_url=url)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).session_id == later.id


def test_booking_needs_sign_in(client, network):
    url = f"/booking/sessions/{network['group'].id}"
    assert "/account/login" in text(client.get(url))
    response = client.post(url + "/book")
    assert response.status_code in (303, 400)
    assert db.session.scalar(select(func.count(Booking.id))) == 0


@pytest.mark.parametrize(("starts_in", "message"), [
    (timedelta(hours=-2), "这个场次已经开始。"),
    (timedelta(hours=1), "活动开始前 2 小时停止预约。"),
    (timedelta(days=45), "可提前 30 天预约"),
])
def test_unbookable_times_get_a_translated_message(signed_in, worker, counsellor, starts_in,
                                                   message):
    service = make_service()
    centre = make_centre(services=[service])
    session = make_session(centre, service, counsellor, starts_in=starts_in)
    client = signed_in(worker)
    from tests.helpers import csrf_token

    token = csrf_token(text(client.get("/me")))
    response = client.post(f"/booking/sessions/{session.id}/book", data={"csrf_token": token})
    assert response.status_code == 303
    assert message in text(client.get("/bookings"))
    assert db.session.scalar(select(func.count(Booking.id))) == 0
    db.session.expire_all()
    assert db.session.get(Session, session.id).booked == 0


def test_late_cancellation_is_shown_and_counted(signed_in, worker, counsellor):
    service = make_service()
    centre = make_centre(services=[service])
    soon = make_session(centre, service, counsellor, starts_in=timedelta(hours=5))
    booking = bookings.book(worker, soon.id)
    client = signed_in(worker)
    url = f"/bookings/{booking.uid}"
    assert "逾期取消" in text(client.get(url))
    submit(client, url + "/cancel", {}, form_url=url)
    page = text(client.get("/bookings?lang=en"))
    assert "Cancelled late" in page
    assert "Late cancellations so far: 1" in page


def test_browse_opens_on_the_first_day_with_sessions(client, network):
    page = text(client.get("/booking?service=group-stress&centre=dehua"))
    assert f"/booking/sessions/{network['county'].id}" in page


def test_success_messages_say_what_was_booked(worker, signed_in, network):
    """Not a generic "Saved.": the day, time and service, as the person will look for them."""
    from zoneinfo import ZoneInfo

    client = signed_in(worker)
    session = network["one"]
    starts = session.starts_at.replace(tzinfo=session.starts_at.tzinfo or ZoneInfo("UTC"))
    local = starts.astimezone(ZoneInfo("Asia/Shanghai"))
    url = f"/booking/sessions/{session.id}"
    response = submit(client, url + "/book", {}, form_url=url)
    page = text(client.get(response.headers["Location"]))
    said = (f"已申请预约 {local.month}月{local.day}日 {local:%H:%M} 服务 counselling，"
            "咨询师会尽快确认。")
    assert said in page
    booking = db.session.scalar(select(Booking))
    response = submit(client, f"/bookings/{booking.uid}/cancel?lang=en", {},
                      form_url=f"/bookings/{booking.uid}?lang=en")
    page = text(client.get(response.headers["Location"]))
    # English says the time its own way ("11:53 AM").
    assert re.search(rf"Cancelled: {local:%b} {local.day} [^<]+ Service counselling\.", page)
