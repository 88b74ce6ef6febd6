"""Booking notices (email with a calendar file, and SMS), queued in the change's transaction.

Each function composes one channel-neutral ``Notice`` (app/notifications/notices.py): the
email carries the details and the ICS file (queued as what it says; the outbox sender
writes the file, app/notifications/attachments.py); the SMS only says there is a message or a
reminder, with a short link to the bookings page (no health information in an SMS).

Texts are rendered in the person's language; times are shown in Asia/Shanghai and put
in the ICS file in UTC. The calendar UID is stable per booking and SEQUENCE rises with
every change (``Booking.sequence``), so calendar apps update or remove the same event
when a booking is changed or cancelled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import force_locale, format_datetime
from flask_babel import gettext as _

from app.booking import meetings, sms_links
from app.booking.bookable import event_of
from app.booking.labels import when
from app.booking.models import (
    Booking,
    BookingStatus,
    EventKind,
    EventPlace,
    Mode,
    Session,
    WaitlistEntry,
)
from app.booking.models import Event as PublicEvent
from app.i18n import BABEL_CODES
from app.notifications.attachments import CalendarAttachment, CalendarEvent
from app.notifications.notices import Notice, deliver
from app.types import utcnow

REMINDER_BEFORE = timedelta(hours=24)

# Extra lines a reminder carries (e.g. the link to a course's pre-session questionnaires,
# app/counselling/courses.py), registered from create_app: booking/ never imports them.
ReminderLine = Callable[[Booking], str | None]
REMINDER_LINES: list[ReminderLine] = []


def reminder_key(booking: Booking) -> str:
    """The outbox dedupe key of the booking's reminder for its current session."""
    return f"reminder:{booking.uid}:{booking.session_id}"


def _locale(user) -> str:
    return BABEL_CODES.get(user.locale or "zh_CN", "zh_Hans_CN")


def _lang(user) -> str:
    return "en" if (user.locale or "").startswith("en") else "zh_CN"


def sms_offer_time(at: datetime | None) -> str:
    """A short Chinese local time for SMS parameters, e.g. ``12月1日20:00``."""
    if at is None:
        return "-"
    local = at.astimezone(ZoneInfo("Asia/Shanghai"))
    return f"{local.month}月{local.day}日{local:%H:%M}"


def link(path: str) -> str:
    """An absolute link to a page of the service."""
    return current_app.config.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/") + path


def _event_where(event: PublicEvent, lang: str) -> str:
    """Where an event happens: the enterprise's site, the online link, or the centre."""
    if event.place == EventPlace.SITE.value:
        return event.localised("site", lang)
    if event.place == EventPlace.ONLINE.value:
        return _("Online: %(url)s", url=event.online_url)
    session = event.session
    room = session.room_name(lang)
    address = " ".join(filter(None, (session.centre.localised("name", lang),
                                     session.centre.localised("address", lang))))
    return f"{address} · {room}" if room else address


def _event_describe(event: PublicEvent, lang: str) -> str:
    lines = [event.localised("title", lang), when(event.session.starts_at),
             _event_where(event, lang)]
    if event.speaker:
        lines.append(_("Speaker or facilitator: %(name)s", name=event.speaker))
    return "\n".join(lines)


def _event_subject(event: PublicEvent, kind: str, lang: str) -> str:
    """The subject of a registration notice: a lecture is a lecture, the rest events."""
    title = event.localised("title", lang)
    lecture = event.kind == EventKind.LECTURE.value
    subjects = {
        "booked": (_("You are registered for the lecture: %(title)s", title=title) if lecture
                   else _("You are registered for the event: %(title)s", title=title)),
        "confirmed": _("Your registration is confirmed: %(title)s", title=title),
        "changed": _("Your registration was changed: %(title)s", title=title),
        "cancelled": _("Your registration is cancelled: %(title)s", title=title),
        "centre_cancelled": (
            _("The centre called off the lecture: %(title)s", title=title) if lecture
            else _("The centre called off the event: %(title)s", title=title)),
    }
    return subjects[kind]


_CALENDAR_MEMO = "_xq_calendar"


def calendar_of(booking: Booking, *, cancel: bool = False,
                filename: str = "booking.ics") -> CalendarAttachment:
    """The booking's calendar file, queued as what it says (the outbox sender writes it):
    METHOD REQUEST for a booking, CANCEL when it is called off; a booking still awaiting
    the counsellor's confirmation is TENTATIVE, not CONFIRMED.

    Inside ``one_calendar`` (one booking move) the facts are gathered once for the email
    and each reminder alike; anywhere else afresh.
    """
    memo: dict | None = booking.__dict__.get(_CALENDAR_MEMO)
    if memo is None:
        event = _calendar_event(booking, cancel=cancel)
    else:
        if cancel not in memo:
            memo[cancel] = _calendar_event(booking, cancel=cancel)
        event = memo[cancel]
    return CalendarAttachment(filename, event)


@contextmanager
def one_calendar(booking: Booking) -> Iterator[None]:
    """The notices of one move share its calendar's facts (their event and meeting link
    are read once). Nothing of the booking or its session changes while the move's notices
    are written; the facts are forgotten when the block ends, so a later change (a new
    room, a new time) gathers them anew."""
    booking.__dict__[_CALENDAR_MEMO] = {}
    try:
        yield
    finally:
        booking.__dict__.pop(_CALENDAR_MEMO, None)


def _calendar_event(booking: Booking, *, cancel: bool) -> CalendarEvent:
    session: Session = booking.session
    lang = _lang(booking.user)
    public = event_of(session)
    if public is not None:
        summary = public.localised("title", lang)
        location = _event_where(public, lang)
        url = link(f"/events/{public.uid}")
    else:
        summary = session.service.localised("name", lang)
        location = _where(session, lang)
        url = link(f"/bookings/{booking.uid}")
    return CalendarEvent(
        method="CANCEL" if cancel else "REQUEST", uid=f"{booking.uid}@xinqing",
        sequence=booking.sequence or 0, starts_at=session.starts_at, ends_at=session.ends_at,
        summary=summary, location=location, url=url,
        status="CANCELLED" if cancel else "TENTATIVE" if _awaiting(booking) else "CONFIRMED")


def _where(session: Session, lang: str) -> str:
    """The calendar's LOCATION: the room, the video link, or who calls whom."""
    if session.meeting_mode == Mode.VIDEO.value:
        return meetings.ensure_link(session) or _("Video: the link will be on your booking page")
    if session.meeting_mode == Mode.PHONE.value:
        return _("By phone: the counsellor calls you")
    room = session.room_name(lang)
    address = session.centre.localised("address", lang)
    return f"{address} · {room}" if room else address


def _describe(booking: Booking) -> str:
    session = booking.session
    lang = _lang(booking.user)
    public = event_of(session)
    if public is not None:
        return _event_describe(public, lang)
    if session.meeting_mode == Mode.IN_PERSON.value:
        return "\n".join([
            session.service.localised("name", lang),
            when(session.starts_at),
            session.centre.localised("name", lang),
            session.centre.localised("address", lang),
            session.room_name(lang),
        ])
    if session.meeting_mode == Mode.VIDEO.value:
        link = meetings.ensure_link(session)
        how = (_("By video. Join here at the time above: %(url)s", url=link) if link else
               _("By video. The meeting link will be on your booking page."))
    else:
        how = _("By phone. The counsellor calls you at the time above, on the mobile "
                "number of your account.")
    return "\n".join([
        session.service.localised("name", lang),
        when(session.starts_at),
        how,
        _("Please find a quiet room where nobody can overhear you, and do not record the "
          "session."),
    ])


def _links(booking: Booking) -> str:
    public = event_of(booking.session)
    if public is not None:
        return _("See the event, or cancel your registration: %(url)s",
                 url=link(f"/events/{public.uid}"))
    return "\n".join([
        _("See your booking: %(url)s", url=link(f"/bookings/{booking.uid}")),
        _("Cancel or change it: %(url)s", url=link(f"/bookings/{booking.uid}#change")),
    ])


def _awaiting(booking: Booking) -> bool:
    return booking.status == BookingStatus.REQUESTED.value


def booking_changed(booking: Booking, kind: str) -> None:
    """Queue the email for a new, confirmed, changed or cancelled booking."""
    user = booking.user
    cancel = kind in ("cancelled", "centre_cancelled")
    public = event_of(booking.session)
    with force_locale(_locale(user)):
        if public is not None:
            subject = _event_subject(public, kind, _lang(user))
        elif kind == "booked" and _awaiting(booking):
            subject = _("Your booking request at Xinqing (awaiting confirmation)")
        else:
            subject = {
                "booked": _("Your booking at Xinqing"),
                "confirmed": _("Your booking at Xinqing is confirmed"),
                "changed": _("Your booking at Xinqing was changed"),
                "cancelled": _("Your booking at Xinqing was cancelled"),
                "centre_cancelled": _("The centre cancelled your booking at Xinqing"),
            }[kind]
        parts = [subject, _describe(booking)]
        if kind == "centre_cancelled" and public is not None:
            parts.append(_("The centre had to call this off; we are sorry. See the other "
                           "events on Xinqing: %(url)s", url=link("/events")))
        elif kind == "centre_cancelled":
            parts.append(_("The centre had to cancel this booking; we are sorry. You can "
                           "book another time on Xinqing."))
        if not cancel and _awaiting(booking):
            parts.append(_("This booking is awaiting the counsellor's confirmation. We will "
                           "email you when it is confirmed."))
        parts.append(_links(booking))
        deliver(user, Notice(
            f"booking.{kind}", subject=subject, text="\n\n".join(parts),
            link=link("/bookings"),
            attachments=[calendar_of(booking, cancel=cancel)]))


def reminder_hours() -> list[int]:
    """Hours before a session that reminders go out (``BOOKING_REMINDER_HOURS``, e.g. 24,2)."""
    raw = str(current_app.config.get("BOOKING_REMINDER_HOURS", "24"))
    return sorted({int(h) for h in raw.split(",") if h.strip().isdigit() and int(h) > 0},
                  reverse=True)


def queue_reminder(booking: Booking) -> None:
    """The reminders (24 h and 2 h before by default); removed again with the booking's
    reminder key if it is cancelled or moved (``notices.drop_unsent`` takes them all)."""
    session = booking.session
    for hours in reminder_hours():
        send_after = session.starts_at - timedelta(hours=hours)
        if send_after <= utcnow():
            continue  # the booking message itself arrives in time
        key = reminder_key(booking) if hours == 24 else f"{reminder_key(booking)}#{hours}h"
        public = event_of(session)
        with force_locale(_locale(booking.user)):
            if public is not None:
                title = public.localised("title", _lang(booking.user))
                subject = (_("Reminder: %(title)s is tomorrow", title=title) if hours >= 24
                           else _("Reminder: %(title)s starts in %(hours)s hours",
                                  title=title, hours=hours))
            else:
                subject = (_("Reminder: your session at Xinqing tomorrow") if hours >= 24
                           else _("Reminder: your session at Xinqing in %(hours)s hours",
                                  hours=hours))
            extra = [line for hook in REMINDER_LINES if (line := hook(booking))]
            text = "\n\n".join([subject, _describe(booking), *extra, _links(booking)])
            # The SMS links to "I will come / cancel" for this booking, without signing in.
            sms_link = sms_links.issue(booking) if booking.user.phone else link("/bookings")
            deliver(booking.user, Notice(
                "booking.reminder", subject=subject, text=text, link=sms_link,
                sms_template="reminder" if public is None else "event_reminder",
                essential=False,
                attachments=[calendar_of(booking)]),
                send_after=send_after, dedupe_key=key)


def offer_made(entry: WaitlistEntry) -> None:
    """Tell the first person waiting that a seat is held for them until the offer lapses."""
    user = entry.user
    session = entry.session
    lang = _lang(user)
    with force_locale(_locale(user)):
        subject = _("A seat is free for you at Xinqing")
        public = event_of(session)
        what = (public.localised("title", lang) if public is not None
                else session.service.localised("name", lang))
        text = "\n\n".join([
            subject,
            what + "\n" + when(session.starts_at),
            _("We hold the seat for you until %(time)s. Accept it here: %(url)s",
              time=format_datetime(entry.offer_expires_at, "short"),
              url=link(f"/bookings/waitlist/{entry.uid}")),
        ])
        deliver(user, Notice(
            "waitlist.offer", subject=subject, text=text, link=link("/bookings"),
            sms_template="offer", act_by=entry.offer_expires_at,
            sms_params=[sms_offer_time(entry.offer_expires_at), link("/bookings")]))


def closure_notice(user, booking_list: list[Booking], reason_zh: str, reason_en: str) -> None:
    """One notice for all of a person's bookings a centre closure cancelled (not one each):
    the reason, each session, and a calendar cancellation for each."""
    lang = _lang(user)
    reason = reason_en if lang == "en" and reason_en else reason_zh
    with force_locale(_locale(user)):
        subject = _("The centre is closed: your booking at Xinqing is cancelled")
        parts = [subject, _("Reason: %(reason)s", reason=reason)]
        parts += [_describe(b) for b in booking_list]
        parts.append(_("We are sorry. You can book another time on Xinqing: %(url)s",
                       url=link("/booking")))
        deliver(user, Notice(
            "booking.closure", subject=subject, text="\n\n".join(parts), link=link("/bookings"),
            attachments=[calendar_of(b, cancel=True, filename=f"booking-{i + 1}.ics")
                         for i, b in enumerate(booking_list)]))
