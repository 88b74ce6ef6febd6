"""The booking's one-event calendar file, written line by line.

icalendar's component tree (adding each property, then walking, sorting and folding the
tree) was the costliest step left in a booking's email and reminder. The file has a
fixed shape, so its lines are written here in the order icalendar writes them; each
value is still rendered by icalendar's own property types (escaping, dates) and a long
line folded by its ``Contentline``, so the bytes are the same as before
(``tests/unit/test_calendar_file.py`` compares them with icalendar's).
"""

from __future__ import annotations

from datetime import datetime

from icalendar.parser import Contentline
from icalendar.prop import vDDDTypes, vInt, vText, vUri

_FOLD_AT = 75  # octets: icalendar folds a line of this length or longer
_HEAD = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Xinqing//booking//EN\r\n"


def _line(name: str, value: vText | vDDDTypes | vInt | vUri) -> bytes:
    params = getattr(value, "params", None)
    if params:  # e.g. a TZID: rare here, so left to icalendar whole
        return Contentline.from_parts(name, params, value).to_ical()
    text = f"{name}:{value.to_ical().decode()}"
    raw = text.encode()
    return raw if len(raw) < _FOLD_AT else Contentline(text).to_ical()


def calendar(*, method: str, uid: str, stamp: datetime, starts: datetime, ends: datetime,
             sequence: int, summary: str, location: str, url: str, status: str) -> bytes:
    """A VCALENDAR with one VEVENT, as icalendar writes it (properties in its order)."""
    lines = [
        _line("METHOD", vText(method)),
        b"BEGIN:VEVENT",
        _line("SUMMARY", vText(summary)),
        _line("DTSTART", vDDDTypes(starts)),
        _line("DTEND", vDDDTypes(ends)),
        _line("DTSTAMP", vDDDTypes(stamp)),
        _line("UID", vText(uid)),
        _line("SEQUENCE", vInt(sequence)),
        _line("LOCATION", vText(location)),
        _line("STATUS", vText(status)),
        _line("URL", vUri(url)),
        b"END:VEVENT",
        b"END:VCALENDAR",
        b"",
    ]
    return _HEAD + b"\r\n".join(lines)
