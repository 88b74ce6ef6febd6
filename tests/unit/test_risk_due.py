"""When first contact is due: the triage target counted in the centres' opening hours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.counselling.due import SHANGHAI, OpeningHours, Targets, due_at

HOURS = OpeningHours.parse("mon-fri 08:30-17:30", "2026-12-31,2027-01-01")
TARGETS = Targets(urgent_minutes=60, high_days=1, standard_days=3)


def local(text: str) -> datetime:
    """A Shanghai wall-clock time as the UTC instant the database stores."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI).astimezone(UTC)


def shown(value: datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%a %Y-%m-%d %H:%M")


@pytest.mark.parametrize(("opened", "triage", "due"), [
    # Urgent: one hour of opening time.
    ("2026-12-01 10:00", "urgent", "Tue 2026-12-01 11:00"),        # inside hours
    ("2026-12-01 08:30", "urgent", "Tue 2026-12-01 09:30"),        # exactly at opening
    ("2026-12-01 17:00", "urgent", "Wed 2026-12-02 09:00"),        # 30 min today, 30 tomorrow
    ("2026-12-01 17:30", "urgent", "Wed 2026-12-02 09:30"),        # exactly at closing
    ("2026-12-01 06:00", "urgent", "Tue 2026-12-01 09:30"),        # before opening
    ("2026-12-01 23:50", "urgent", "Wed 2026-12-02 09:30"),        # late at night
    ("2026-12-04 17:10", "urgent", "Mon 2026-12-07 09:10"),        # Friday evening: Monday
    ("2026-12-05 12:00", "urgent", "Mon 2026-12-07 09:30"),        # Saturday
    ("2026-12-06 23:59", "urgent", "Mon 2026-12-07 09:30"),        # Sunday night
    ("2026-12-30 17:20", "urgent", "Mon 2027-01-04 09:20"),        # over closed dates
    # High: one working day of opening time.
    ("2026-12-01 10:00", "high", "Wed 2026-12-02 10:00"),
    ("2026-12-04 16:00", "high", "Mon 2026-12-07 16:00"),          # over the weekend
    ("2026-12-05 10:00", "high", "Mon 2026-12-07 17:30"),          # opened on Saturday
    ("2026-12-01 07:00", "high", "Tue 2026-12-01 17:30"),          # before opening: same day
    # Standard: three working days.
    ("2026-12-01 10:00", "standard", "Fri 2026-12-04 10:00"),
    ("2026-12-03 10:00", "standard", "Tue 2026-12-08 10:00"),      # over the weekend
    ("2026-12-29 10:00", "standard", "Tue 2027-01-05 10:00"),      # over New Year
    ("2026-12-01 10:00", "unknown", "Fri 2026-12-04 10:00"),       # unknown counts as standard
])
def test_due_time_counts_opening_hours(opened: str, triage: str, due: str) -> None:
    assert shown(due_at(local(opened), triage, HOURS, TARGETS)) == due


def test_targets_are_configurable() -> None:
    quick = Targets(urgent_minutes=15, high_days=2, standard_days=5)
    assert shown(due_at(local("2026-12-01 10:00"), "urgent", HOURS, quick)) == \
        "Tue 2026-12-01 10:15"
    assert shown(due_at(local("2026-12-01 10:00"), "high", HOURS, quick)) == \
        "Thu 2026-12-03 10:00"
    weekend = OpeningHours.parse("mon-sun 00:00-23:59")
    assert shown(due_at(local("2026-12-05 12:00"), "urgent", weekend, TARGETS)) == \
        "Sat 2026-12-05 13:00"


def test_naive_times_are_read_as_utc() -> None:
    naive = datetime(2026, 12, 1, 2, 0)  # 10:00 in Shanghai
    assert shown(due_at(naive, "urgent", HOURS, TARGETS)) == "Tue 2026-12-01 11:00"


@pytest.mark.parametrize("spec", ["", "mon-fri", "fri-mon 08:00-17:00", "mon-fri 18:00-08:00",
                                  "xyz 08:00-17:00", "mon-fri 8h-17h"])
def test_bad_opening_hours_are_refused_clearly(spec: str) -> None:
    with pytest.raises(ValueError, match="RISK_OPENING_HOURS"):
        OpeningHours.parse(spec)
