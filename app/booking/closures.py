"""Centre-wide closures: public holidays, 春节, typhoon days.

A closure shuts a centre for whole local days. Creating one calls off the centre's
sessions in it that have not started (each booking through the ``closure_cancel`` move of
transitions.py, each waiting place withdrawn) and tells each booked person once, however
many of their bookings it cancelled. While it stands, scheduling refuses new sessions in
it and the bookable rule hides the days (bookable.py). The caller commits.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.accounts.models import User
from app.booking import mail
from app.booking.models import (
    Booking,
    Centre,
    CentreClosure,
    Session,
    SessionStatus,
    WaitlistEntry,
    WaitStatus,
)
from app.booking.scheduling import closure_at, local_zone  # noqa: F401 (re-exported)
from app.booking.transitions import UPCOMING, apply
from app.domain import DomainError
from app.extensions import db
from app.types import rowcount, utcnow

MAX_DAYS = 31  # a closure longer than a month is a mistake in the dates, not a holiday


class ClosureError(DomainError):
    """A closure that cannot be made; ``message`` is translated for the reader."""


@dataclass(frozen=True)
class Closed:
    """What a new closure did: the row, the sessions called off, the people told."""

    closure: CentreClosure
    sessions: int
    notified: int


def span(first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """The local days as a UTC span: local midnight of the first to that after the last."""
    zone = local_zone()
    start = datetime.combine(first_day, time(0), zone).astimezone(UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(0), zone).astimezone(UTC)
    return start, end


def close_centre(actor: User | None, centre: Centre, first_day: date, last_day: date,
                 reason_zh: str, reason_en: str = "", source: str = "",
                 now: datetime | None = None) -> Closed:
    """Close ``centre`` from ``first_day`` to ``last_day`` (local, inclusive) and call off
    its sessions then; the caller checked the actor's right and commits."""
    now = now or utcnow()
    reason_zh, reason_en = (reason_zh or "").strip(), (reason_en or "").strip()
    starts_at, ends_at = _checked(first_day, last_day, reason_zh, now)
    closure = CentreClosure(centre_id=centre.id, first_day=first_day, last_day=last_day,
                            starts_at=starts_at, ends_at=ends_at, reason_zh=reason_zh,
                            reason_en=reason_en, source=source,
                            created_by_id=actor.id if actor is not None else None,
                            created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(closure)
    except IntegrityError:
        raise ClosureError(_l("This centre is already closed on these days.")) from None
    called_off, told = _call_off(actor, closure, now)
    audit.record(actor, "closure.created", f"centres:{centre.id}",
                 {"first_day": first_day.isoformat(), "last_day": last_day.isoformat(),
                  "sessions": called_off, "notified": told})
    return Closed(closure, called_off, told)


def _checked(first_day: date, last_day: date, reason_zh: str, now: datetime
             ) -> tuple[datetime, datetime]:
    """The UTC span of valid closure days; ClosureError for days that cannot close."""
    if not reason_zh:
        raise ClosureError(_l("Give the reason in Chinese."))
    if last_day < first_day:
        raise ClosureError(_l("The last day cannot be before the first day."))
    if (last_day - first_day).days >= MAX_DAYS:
        raise ClosureError(_l("A closure can last at most %(days)d days.", days=MAX_DAYS))
    starts_at, ends_at = span(first_day, last_day)
    if ends_at <= now:
        raise ClosureError(_l("These days are already over."))
    return starts_at, ends_at


def change_closure(actor: User | None, closure: CentreClosure, first_day: date,
                   last_day: date, reason_zh: str, reason_en: str = "",
                   now: datetime | None = None) -> Closed:
    """Correct a closure's days or reason. Sessions on days it now covers are called off
    and their people told, as for a new closure; days it no longer covers open again for
    new sessions, but sessions already called off stay called off (people were told and
    may have booked elsewhere). The caller checked the actor's right and commits."""
    now = now or utcnow()
    reason_zh, reason_en = (reason_zh or "").strip(), (reason_en or "").strip()
    starts_at, ends_at = _checked(first_day, last_day, reason_zh, now)
    try:
        with db.session.begin_nested():
            closure.first_day, closure.last_day = first_day, last_day
            closure.starts_at, closure.ends_at = starts_at, ends_at
            closure.reason_zh, closure.reason_en = reason_zh, reason_en
            db.session.flush()
    except IntegrityError:
        raise ClosureError(_l("This centre is already closed on these days.")) from None
    called_off, told = _call_off(actor, closure, now)
    audit.record(actor, "closure.changed", f"centres:{closure.centre_id}",
                 {"first_day": first_day.isoformat(), "last_day": last_day.isoformat(),
                  "sessions": called_off, "notified": told})
    return Closed(closure, called_off, told)


def remove_closure(actor: User | None, closure: CentreClosure) -> None:
    """Open the days again for new sessions. Sessions the closure called off stay called
    off: nothing is un-cancelled behind people's backs. The caller commits."""
    audit.record(actor, "closure.removed", f"centres:{closure.centre_id}",
                 {"first_day": closure.first_day.isoformat(),
                  "last_day": closure.last_day.isoformat()})
    db.session.delete(closure)
    db.session.flush()


def _call_off(actor: User | None, closure: CentreClosure, now: datetime) -> tuple[int, int]:
    """Cancel the centre's sessions in the closure that have not started; one notice each
    person. Returns (sessions called off, people told)."""
    ids = list(db.session.scalars(select(Session.id).where(
        Session.centre_id == closure.centre_id,
        Session.status == SessionStatus.SCHEDULED.value, Session.starts_at > now,
        Session.starts_at < closure.ends_at, Session.ends_at > closure.starts_at)))
    if not ids:
        return 0, 0
    # The conditional UPDATE: a session another writer cancelled a moment ago is left alone.
    called_off = rowcount(db.session.execute(
        update(Session).where(Session.id.in_(ids),
                              Session.status == SessionStatus.SCHEDULED.value)
        .values(status=SessionStatus.CANCELLED.value)
        .execution_options(synchronize_session=False)))
    cancelled: dict[int, list[Booking]] = defaultdict(list)
    for booking in db.session.scalars(select(Booking).where(
            Booking.session_id.in_(ids), Booking.status.in_(UPCOMING))
            .order_by(Booking.user_id, Booking.id)).all():
        row = apply("closure_cancel", actor, now=now, booking=booking)
        if isinstance(row, Booking):
            cancelled[row.user_id].append(row)
    for entry in db.session.scalars(select(WaitlistEntry).where(
            WaitlistEntry.session_id.in_(ids),
            WaitlistEntry.status.in_((WaitStatus.WAITING.value,
                                      WaitStatus.OFFERED.value)))).all():
        apply("withdraw_offer" if entry.status == WaitStatus.OFFERED.value else "withdraw",
              actor, now=now, entry=entry)
    for rows in cancelled.values():
        mail.closure_notice(rows[0].user, rows, closure.reason_zh, closure.reason_en)
    return called_off, len(cancelled)


def upcoming(centre_id: int | None = None, now: datetime | None = None) -> list[CentreClosure]:
    """Closures not yet over, soonest first (one centre's, or all)."""
    query = select(CentreClosure).where(CentreClosure.ends_at > (now or utcnow()))
    if centre_id is not None:
        query = query.where(CentreClosure.centre_id == centre_id)
    return list(db.session.scalars(query.order_by(CentreClosure.starts_at,
                                                  CentreClosure.centre_id)))


@dataclass
class Loaded:
    """What loading a holiday calendar did, for the command's report."""

    created: int = 0
    sessions: int = 0
    notified: int = 0
    existing: int = 0
    over: int = 0


def load_calendar(data: dict, centres: list[Centre], now: datetime | None = None) -> Loaded:
    """Close ``centres`` on each holiday of a calendar file (see data/holidays/): days
    already over and closures already made are skipped. Raises ClosureError on a malformed
    entry, before anything is written; the caller commits."""
    now = now or utcnow()
    entries = data.get("holidays") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ClosureError(_l("The file has no list of holidays."))
    parsed = []
    for entry in entries:
        try:
            first, last = entry["first_day"], entry.get("last_day", entry["first_day"])
            reason_zh, reason_en = str(entry["reason_zh"]), str(entry.get("reason_en", ""))
        except (KeyError, TypeError, AttributeError):
            raise ClosureError(_l("Each holiday needs first_day and reason_zh.")) from None
        if not isinstance(first, date) or not isinstance(last, date) or last < first:
            raise ClosureError(_l("Each holiday needs first_day and reason_zh."))
        parsed.append((first, last, reason_zh, reason_en))
    source = str(data.get("source", ""))[:120]
    report = Loaded()
    for centre in centres:
        for first, last, reason_zh, reason_en in parsed:
            if span(first, last)[1] <= now:
                report.over += 1
                continue
            if db.session.scalar(select(CentreClosure.id).where(
                    CentreClosure.centre_id == centre.id, CentreClosure.first_day == first,
                    CentreClosure.last_day == last)) is not None:
                report.existing += 1
                continue
            done = close_centre(None, centre, first, last, reason_zh, reason_en, source, now)
            report.created += 1
            report.sessions += done.sessions
            report.notified += done.notified
    return report


# -- holiday calendars shipped with the app (data/holidays/) -----------------------------------
HOLIDAY_DIR = Path(__file__).resolve().parents[2] / "data" / "holidays"
CALENDAR_NAME = re.compile(r"[a-z]{2}-\d{4}\.yaml")


def calendar_files() -> list[tuple[str, str]]:
    """The calendar files an admin may load: (file name, its source line), newest first."""
    found = []
    for path in sorted(HOLIDAY_DIR.glob("*.yaml"), reverse=True):
        if CALENDAR_NAME.fullmatch(path.name):
            data = read_calendar(path.name)
            found.append((path.name, str(data.get("source", "")) if isinstance(data, dict)
                          else ""))
    return found


def read_calendar(name: str) -> dict:
    """One shipped calendar file, parsed (ClosureError for an unknown name)."""
    import yaml

    if not CALENDAR_NAME.fullmatch(name or "") or not (HOLIDAY_DIR / name).is_file():
        raise ClosureError(_l("Choose one of the calendars offered."))
    with open(HOLIDAY_DIR / name, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return data if isinstance(data, dict) else {}
