"""Slot arithmetic: local hours in Shanghai become UTC slots of duration plus buffer."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from app.booking.scheduling import slot_times

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_back_to_back_slots_with_buffer_in_utc():
    slots = slot_times(date(2026, 12, 1), time(9), time(12), 50, 10, SHANGHAI)
    assert [s.astimezone(SHANGHAI).strftime("%H:%M") for s, _ in slots] == ["09:00", "10:00",
                                                                          "11:00"]
    assert slots[0] == (datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
                        datetime(2026, 12, 1, 1, 50, tzinfo=UTC))


def test_a_slot_that_would_run_past_closing_is_dropped():
    slots = slot_times(date(2026, 12, 1), time(14, 30), time(16, 0), 50, 10, SHANGHAI)
    assert len(slots) == 1


def test_hours_shorter_than_a_session_give_nothing():
    assert slot_times(date(2026, 12, 1), time(9), time(9, 30), 50, 0, SHANGHAI) == []
