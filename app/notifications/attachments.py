"""Email attachments as the outbox keeps them, and the calendar files written at sending.

A ready-made file (``Attachment``) is kept as its text, ``data``. A one-event calendar file
(``CalendarAttachment``) is kept as its facts, ``calendar`` (``CalendarEvent``: what the
file says, decided in the change's transaction and in the person's language), and the email
sender writes the file from them with icalendar (``file_bytes``) when it sends: writing it
in the request cost each booking and cancel about half a millisecond or more of CPU
(bench/README.md Step 16a). Both forms are sealed with the rest of the payload; messages
queued with ``data`` still send unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar, Event

from app.types import utcnow

PRODID = "-//Xinqing//booking//EN"


@dataclass(frozen=True)
class Attachment:
    """A ready-made file sent with an email."""

    filename: str
    content_type: str
    data: bytes

    def stored(self) -> dict[str, str]:
        """The form the outbox seals."""
        return {"filename": self.filename, "content_type": self.content_type,
                "data": self.data.decode("utf-8")}


@dataclass(frozen=True)
class CalendarEvent:
    """What a one-event calendar file says (RFC 5545): ``method`` REQUEST or CANCEL, a
    stable ``uid`` with a rising ``sequence`` (calendar apps update or remove the same
    event), the times (written in UTC), and ``status`` TENTATIVE, CONFIRMED or CANCELLED."""

    method: str
    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str
    url: str
    status: str

    def facts(self) -> dict[str, Any]:
        """The JSON the outbox seals (times as ISO 8601 in UTC)."""
        return {**vars(self), "starts_at": self.starts_at.astimezone(UTC).isoformat(),
                "ends_at": self.ends_at.astimezone(UTC).isoformat()}

    @classmethod
    def from_facts(cls, facts: dict[str, Any]) -> CalendarEvent:
        return cls(**{**facts, "starts_at": datetime.fromisoformat(facts["starts_at"]),
                      "ends_at": datetime.fromisoformat(facts["ends_at"])})


def calendar_type(method: str) -> str:
    """The calendar part's MIME type: its Chinese text is UTF-8, and clients must be told."""
    return f"text/calendar; charset=utf-8; method={method}"


@dataclass(frozen=True)
class CalendarAttachment:
    """A one-event calendar file, queued as its facts and written by the sender."""

    filename: str
    event: CalendarEvent

    def stored(self) -> dict[str, Any]:
        """The form the outbox seals: the facts, not the file."""
        return {"filename": self.filename, "content_type": calendar_type(self.event.method),
                "calendar": self.event.facts()}


def calendar_file(event: CalendarEvent) -> bytes:
    """The .ics of ``event``. DTSTAMP is the time the file is written, i.e. when the email
    is sent: with a METHOD, RFC 5545 (3.8.7.2) makes it the time the object was created;
    calendar apps order the revisions of an event by SEQUENCE, fixed at queue time."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", event.method)
    item = Event()
    item.add("uid", event.uid)
    item.add("dtstamp", utcnow())
    item.add("dtstart", event.starts_at.astimezone(UTC))
    item.add("dtend", event.ends_at.astimezone(UTC))
    item.add("sequence", event.sequence)
    item.add("summary", event.summary)
    item.add("location", event.location)
    item.add("url", event.url)
    item.add("status", event.status)
    cal.add_component(item)
    return cal.to_ical()


def file_bytes(stored: dict[str, Any]) -> bytes:
    """The bytes of a queued attachment: its calendar written from the facts, or the
    ready-made ``data`` it was queued with."""
    if "calendar" in stored:
        return calendar_file(CalendarEvent.from_facts(stored["calendar"]))
    data: str = stored["data"]
    return data.encode("utf-8")
