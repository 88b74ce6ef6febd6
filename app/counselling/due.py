"""When first contact with a person in the risk queue is due.

A target is counted in the centres' opening hours, not on the wall clock: an urgent item
opened on Friday evening is due one hour after Monday's opening, not on Saturday at
night when nobody reads the queue (the crisis lines cover the hours in between, and the
page says so). Pure functions of their arguments, so the edges are unit-tested.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

SHANGHAI = ZoneInfo("Asia/Shanghai")
TRIAGE_LEVELS = ("urgent", "high", "standard")
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class OpeningHours:
    """The same hours on each open weekday, minus closed dates (public holidays)."""

    weekdays: frozenset[int]  # Monday is 0
    opens: time
    closes: time
    closed_dates: frozenset[date] = frozenset()
    zone: ZoneInfo = SHANGHAI

    @classmethod
    def parse(cls, spec: str, closed: str = "", zone: ZoneInfo = SHANGHAI) -> OpeningHours:
        """``"mon-fri 08:30-17:30"`` or ``"mon,sat 09:00-12:00"``; closed ``"2027-01-01,..."``."""
        try:
            days_part, hours_part = spec.strip().lower().split()
            weekdays: set[int] = set()
            for chunk in days_part.split(","):
                first, _sep, last = chunk.partition("-")
                a, b = _DAYS.index(first), _DAYS.index(last or first)
                if b < a:
                    raise ValueError(chunk)
                weekdays.update(range(a, b + 1))
            start, end = (time.fromisoformat(t) for t in hours_part.split("-"))
            dates = frozenset(date.fromisoformat(d.strip()) for d in closed.split(",")
                              if d.strip())
        except ValueError as exc:
            raise ValueError(f"RISK_OPENING_HOURS / RISK_CLOSED_DATES not understood: "
                             f"{spec!r} {closed!r}") from exc
        if not weekdays or start >= end:
            raise ValueError(f"RISK_OPENING_HOURS needs open days and opens < closes: {spec!r}")
        return cls(frozenset(weekdays), start, end, dates, zone)

    @property
    def day_minutes(self) -> int:
        """Minutes of opening time in one working day."""
        span = datetime.combine(date.min, self.closes) - datetime.combine(date.min, self.opens)
        return int(span.total_seconds() // 60)

    def is_open_day(self, day: date) -> bool:
        """True when the centres open on ``day``."""
        return day.weekday() in self.weekdays and day not in self.closed_dates

    def add(self, start: datetime, minutes: int) -> datetime:
        """``start`` plus ``minutes`` of opening time (UTC in, UTC out).

        Zero minutes outside the hours gives the next opening.
        """
        if start.tzinfo is None:
            start = start.replace(tzinfo=UTC)
        cursor = start.astimezone(self.zone)
        remaining = timedelta(minutes=max(0, minutes))
        for _day in range(3700):  # ten years of closed days would be a configuration error
            day = cursor.date()
            if self.is_open_day(day):
                opening = datetime.combine(day, self.opens, tzinfo=self.zone)
                closing = datetime.combine(day, self.closes, tzinfo=self.zone)
                cursor = max(cursor, opening)
                if cursor < closing:
                    available = closing - cursor
                    if remaining <= available:
                        return (cursor + remaining).astimezone(UTC)
                    remaining -= available
            cursor = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zone)
        raise ValueError("no opening hours in the next ten years")


@dataclass(frozen=True)
class Targets:
    """How soon first contact is due, per triage level."""

    urgent_minutes: int = 60
    high_days: int = 1
    standard_days: int = 3


def due_at(opened_at: datetime, triage: str, hours: OpeningHours, targets: Targets) -> datetime:
    """The time first contact is due for an item opened at ``opened_at``.

    Urgent: ``urgent_minutes`` of opening time; high and standard: that many whole working
    days of opening time (opened Tuesday 10:00 with one day: Wednesday 10:00). Unknown
    levels count as standard.
    """
    if triage == "urgent":
        minutes = targets.urgent_minutes
    elif triage == "high":
        minutes = targets.high_days * hours.day_minutes
    else:
        minutes = targets.standard_days * hours.day_minutes
    return hours.add(opened_at, minutes)


def configured() -> tuple[OpeningHours, Targets]:
    """The opening hours and targets of this deployment (config.py, RISK_*)."""
    config = current_app.config
    hours = OpeningHours.parse(config["RISK_OPENING_HOURS"], config.get("RISK_CLOSED_DATES", ""))
    targets = Targets(config["RISK_TARGET_URGENT_MINUTES"], config["RISK_TARGET_HIGH_DAYS"],
                      config["RISK_TARGET_STANDARD_DAYS"])
    return hours, targets
