"""The hand-written calendar file is byte for byte what icalendar's component tree wrote."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar, Event

from app.booking.calendar_file import calendar


def _icalendar(**f) -> bytes:
    """The way app/booking/mail.py built the file before (the reference)."""
    cal = Calendar()
    cal.add("prodid", "-//Xinqing//booking//EN")
    cal.add("version", "2.0")
    cal.add("method", f["method"])
    event = Event()
    event.add("uid", f["uid"])
    event.add("dtstamp", f["stamp"])
    event.add("dtstart", f["starts"])
    event.add("dtend", f["ends"])
    event.add("sequence", f["sequence"])
    event.add("summary", f["summary"])
    event.add("location", f["location"])
    event.add("url", f["url"])
    event.add("status", f["status"])
    cal.add_component(event)
    return cal.to_ical()


START = datetime(2026, 12, 3, 6, 30, tzinfo=UTC)
LONG_CN = "北京市朝阳区建国路八十八号现代城某某大厦十八层职工心理健康服务中心 · 第三会议室"

CASES = [
    dict(method="REQUEST", summary="个体心理咨询", location="朝阳中心 · 201",
         status="CONFIRMED", sequence=0),
    dict(method="CANCEL", summary="Group: stress, sleep; and \\ more",
         location=LONG_CN, status="CANCELLED", sequence=3),
    dict(method="REQUEST", summary="讲座：" + "压力管理" * 12,
         location="By phone: the counsellor calls you", status="TENTATIVE", sequence=12),
    dict(method="REQUEST", summary="x" * 74, location="a,b;c\nd", status="CONFIRMED",
         sequence=1),
    dict(method="REQUEST", summary="é" * 40, location="Video: https://meet.example/r/"
         + "a1" * 40, status="CONFIRMED", sequence=0),
]


@pytest.mark.parametrize("case", CASES)
def test_the_file_is_icalendars_byte_for_byte(case):
    fields = dict(case, uid="0123456789abcdef0123456789abcdef@xinqing",
                  stamp=datetime(2026, 12, 1, 4, 5, 6, 789000, tzinfo=UTC),
                  starts=START, ends=START + timedelta(hours=1),
                  url="https://xinqing.example/bookings/0123456789abcdef0123456789abcdef")
    assert calendar(**fields) == _icalendar(**fields)
