"""Worker pages: browse sessions, book, my bookings, cancel, reschedule, waitlist offers.

Thin by design: parse, call app/booking/bookings.py, render. Every list of sessions is
bookable.py's query, so a page never offers what booking would refuse. Bookings and waitlist places
are addressed by random uids; anyone else's answers 404.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.booking import bookable, bookings, bp, feedback, list_mark, meetings
from app.booking.bookings import BookingError, NotFoundError
from app.booking.catalogue import active_centres, active_services
from app.booking.catalogue import current as current_catalogue
from app.booking.forms import ActionForm, RescheduleForm
from app.booking.labels import booking_summary, short_date, status_label, week_range, when
from app.booking.models import Session, SessionStatus
from app.booking.scheduling import local_zone
from app.extensions import db, read_in_one_snapshot
from app.fragments import FragmentCache
from app.i18n import current_locale
from app.refusals_shown import show_refusal
from app.render_cache import anonymous_page
from app.security.access import login_required, public
from app.types import utcnow

BROWSE_DAYS = 14  # how far ahead the page looks for a first day to open on
bp.add_app_template_global(status_label, "status_label")
bp.add_app_template_filter(when, "when")
bp.add_app_template_global(week_range, "week_range")
bp.add_app_template_global(short_date, "short_date")


def _last_day(today: date, services: Sequence[bookable.AnyService],
              service: bookable.AnyService | None) -> date:
    """The last day anything may be booked: the chosen service's horizon, else the widest."""
    horizon = service.horizon_days if service else max(
        (s.horizon_days for s in services), default=BROWSE_DAYS)
    return today + timedelta(days=max(horizon, 1))


def _parse_day(value: str | None, today: date, last: date) -> date:
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        return today
    return day if today <= day <= last else today


_FIRST_AHEAD = timedelta(days=BROWSE_DAYS - 1)


def _first(now: datetime, centre_id: int | None,
           service: bookable.AnyService | None) -> Session | None:
    """The next bookable session matching the filters within the days the page looks at."""
    return bookable.earliest(now, service=service, centre_id=centre_id,
                             before=now + _FIRST_AHEAD)


@dataclass(frozen=True)
class StripDay:
    """One day of the week strip: its free sessions, and whether it can be chosen at all."""

    day: date
    free: int
    open: bool


@bp.route("/booking")
@public
@anonymous_page(lambda: _list_moment()[1], recent=lambda: _recent_moment())
def browse() -> str:
    """Sessions with free seats by centre, service and day (``?service=&centre=&day=``).

    A week strip (Monday to Sunday) shows how many sessions are free each day, with plain
    links to the weeks before and after, and the earliest free session at any centre.
    The body is kept per process while the list's mark (list_mark.py), the day, the
    filters and the language are unchanged; anonymous visitors get the whole page kept,
    from a mark at most ``LIST_REUSE_SECONDS`` old (``_recent_moment``).
    """
    now, moment = _list_moment()
    key = (current_locale(), moment, request.args.get("centre"), request.args.get("service"),
           request.args.get("day"))
    body = _BROWSE_BODIES.render(key, lambda: _draw_body(now))
    return render_template("booking/browse.html", body=body, form=ActionForm())


# The list's body is the same for everyone who asks for the same day, filters and language
# while the list's mark is unchanged.
_BROWSE_BODIES = FragmentCache(maxsize=256)


def _list_moment() -> tuple[datetime, tuple[Hashable, ...]]:
    """This request's instant, and all the list shows depends on besides the address and the
    language: the catalogue's version, today's date and the list's mark (read once per
    request, in the snapshot the body is drawn in)."""
    if "xq_list_moment" not in g:
        read_in_one_snapshot()
        now = utcnow()
        catalogue = current_catalogue()
        g.xq_list_moment = now, (catalogue.key, id(catalogue),
                                 now.astimezone(local_zone()).date(),
                                 list_mark.mark(now, _FIRST_AHEAD))
        current_app.extensions[_RECENT] = _clock(), g.xq_list_moment[1]
    moment: tuple[datetime, tuple[Hashable, ...]] = g.xq_list_moment
    return moment


_RECENT = "xinqing.list_recent"  # this process's last reading: (clock, moment)
_clock = time.monotonic


def _recent_moment() -> tuple[Hashable, ...] | None:
    """The moment this process read within ``LIST_REUSE_SECONDS``, or None.

    During a burst of anonymous visitors (a campaign's QR code) every view read the mark,
    a statement that costs more than drawing the kept page; within this window a page
    already kept under the last reading is served without it. A seat count may so be that
    many seconds old for someone not signed in (the booking itself checks the seat); signed-in
    people, and a page not kept under that reading, read the mark afresh."""
    window = current_app.config.get("LIST_REUSE_SECONDS", 0)
    last = current_app.extensions.get(_RECENT)
    if window <= 0 or last is None or _clock() - last[0] >= window:
        return None
    return (last[1],)


def _draw_body(now: datetime) -> str:
    """The list's body at ``now``: the bookable rule's three reads, then the template."""
    zone = local_zone()
    today = now.astimezone(zone).date()
    centres, services = active_centres(), active_services()
    centre = next((c for c in centres if c.code == request.args.get("centre")), None)
    service = next((s for s in services if s.code == request.args.get("service")), None)
    last = _last_day(today, services, service)
    earliest = None
    if "day" in request.args:
        day = _parse_day(request.args.get("day"), today, last)
    else:  # open on the first day that has something to book
        first = _first(now, centre.id if centre else None, service)
        day = first.starts_at.astimezone(zone).date() if first else today
        if centre is None:  # then it is also the earliest at any centre
            earliest = first
    if earliest is None:
        earliest = bookable.earliest(now, service=service)
    monday = day - timedelta(days=day.weekday())
    week = [monday + timedelta(days=n) for n in range(7)]
    # The day's rows (the columns the list prints, not whole sessions) and the strip's
    # counts from one query over the week.
    listed, free = bookable.open_by_day(now, week, zone, service=service,
                                        centre_id=centre.id if centre else None)
    return render_template(
        "booking/_browse_body.html", by_centre={c.id: c for c in centres},
        by_service={s.id: s for s in services}, sessions=listed[day],
        strip=[StripDay(d, free[d], today <= d <= last) for d in week], day=day, today=today,
        previous=max(monday - timedelta(days=7), today) if monday > today else None,
        following=monday + timedelta(days=7) if monday + timedelta(days=7) <= last else None,
        earliest=earliest, centres=centres, services=services, centre=centre, service=service)


def _session_or_404(session_id: int) -> Session:
    session = db.session.get(Session, session_id)
    if session is None or session.status != SessionStatus.SCHEDULED.value:
        abort(404)
    return session


@bp.route("/booking/sessions/<int:session_id>")
@public
def session_page(session_id: int) -> str:
    """One session: when, where, free seats (never who else comes), and the book button."""
    session = _session_or_404(session_id)
    mine = None
    if current_user.is_authenticated:
        mine = bookings.active_booking(current_user, session.id)
    link = meetings.link_for(current_user, session) if mine else None
    return render_template("booking/session.html", session=session, mine=mine,
                           meeting_link=link,
                           form=ActionForm(), open=bookable.is_open(session, utcnow()),
                           staff=current_user.is_authenticated
                           and not bookings.may_book(current_user))


@bp.route("/booking/sessions/<int:session_id>/book", methods=["POST"])
@login_required
def book(session_id: int) -> Response:
    """Take a seat; when full, offer the waiting list."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        booking = bookings.book(current_user, session_id)
    except BookingError as exc:
        show_refusal(exc)
        return redirect(url_for("booking.session_page", session_id=session_id))
    what = booking_summary(booking)
    flash(_("Booked: %(what)s. We have sent you the details.", what=what)
          if booking.status == "confirmed"
          else _("Requested: %(what)s. The counsellor will confirm it soon.", what=what),
          "success")
    return redirect(url_for("booking.detail", uid=booking.uid))


@bp.route("/booking/sessions/<int:session_id>/waitlist", methods=["POST"])
@login_required
def join_waitlist(session_id: int) -> Response:
    """Join the queue of a full session."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        bookings.join_waitlist(current_user, session_id)
    except BookingError as exc:
        show_refusal(exc)
        return redirect(url_for("booking.session_page", session_id=session_id))
    if current_user.email and current_user.notify_email:
        flash(_("You are on the waiting list. We will email you if a seat frees up."),
              "success")
    else:  # a phone-only person hears of the seat by SMS
        flash(_("You are on the waiting list. We will send you an SMS if a seat frees up."),
              "success")
    return redirect(url_for("booking.mine"))


@bp.route("/bookings")
@login_required
def mine() -> str:
    """The person's bookings and waitlist places."""
    from app.counselling.services import pending_handovers

    return render_template("booking/mine.html", bookings=bookings.my_bookings(current_user),
                           waiting=bookings.my_waitlist(current_user), now=utcnow(),
                           handovers=pending_handovers(current_user), form=ActionForm(),
                           late=bookings.late_cancellations(current_user))


@bp.route("/bookings/handovers/<uid>/<answer>", methods=["POST"])
@login_required
def answer_handover(uid: str, answer: str) -> Response:
    """Agree or not that a counsellor passes their notes on me to a colleague."""
    from app.counselling.services import answer_handover as answer_request

    if answer not in ("agree", "decline"):
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        answer_request(current_user, uid, answer == "agree")
    except NotFoundError:
        abort(404)
    flash(_("Thank you, your answer is saved."), "success")
    return redirect(url_for("booking.mine"))


def _own_booking(uid: str):
    try:
        return bookings.find_booking(current_user, uid)
    except NotFoundError:
        abort(404)


def _reschedule_choices(booking) -> list[SelectChoice]:
    sessions = db.session.scalars(
        select(Session).where(bookable.bookable_clause(utcnow()),
                              Session.service_id == booking.session.service_id,
                              Session.centre_id == booking.session.centre_id,
                              Session.id != booking.session_id)
        .order_by(Session.starts_at).limit(60)).all()
    return [SelectChoice(str(s.id), when(s.starts_at)) for s in sessions]


@bp.route("/bookings/<uid>")
@login_required
def detail(uid: str) -> str:
    """One of the person's bookings, with cancel and reschedule."""
    booking = _own_booking(uid)
    now = utcnow()
    form = RescheduleForm()
    form.session.choices = _reschedule_choices(booking)
    link = meetings.link_for(current_user, booking.session) if booking.active else None
    return render_template("booking/detail.html", booking=booking, form=form,
                           meeting_link=link, feedback_open=feedback.may_give(booking),
                           cancel_form=ActionForm(), can_cancel=bookings.can_cancel(booking, now),
                           late=bookings.is_late(booking, now))


@bp.route("/bookings/<uid>/cancel", methods=["POST"])
@login_required
def cancel(uid: str) -> Response:
    """Cancel; inside the window it is recorded as a late cancellation."""
    booking = _own_booking(uid)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        booking = bookings.cancel_booking(current_user, booking)
    except BookingError as exc:
        show_refusal(exc)
    else:
        what = booking_summary(booking)
        flash(_("Cancelled: %(what)s (a late cancellation).", what=what)
              if booking.status == "late_cancelled"
              else _("Cancelled: %(what)s.", what=what), "success")
    return redirect(url_for("booking.detail", uid=uid))


@bp.route("/bookings/<uid>/reschedule", methods=["POST"])
@login_required
def reschedule(uid: str) -> Response | str:
    """Move the booking to another session of the same service."""
    booking = _own_booking(uid)
    form = RescheduleForm()
    form.session.choices = _reschedule_choices(booking)
    if not form.validate_on_submit():
        flash(_("Choose another session of the same service."), "error")
        return redirect(url_for("booking.detail", uid=uid))
    try:
        moved = bookings.reschedule(current_user, uid, form.session.data)
    except BookingError as exc:
        show_refusal(exc)
    else:
        flash(_("Moved to %(what)s. We have sent you the new details.",
                what=booking_summary(moved)), "success")
    return redirect(url_for("booking.detail", uid=uid))


def _own_entry(uid: str):
    try:
        return bookings.find_entry(current_user, uid)
    except NotFoundError:
        abort(404)


@bp.route("/bookings/waitlist/<uid>")
@login_required
def offer(uid: str) -> str:
    """A waitlist place: accept an offer, or leave the queue."""
    entry = _own_entry(uid)
    live = (entry.status == "offered" and entry.offer_expires_at is not None
            and entry.offer_expires_at > utcnow())
    return render_template("booking/offer.html", entry=entry, live=live, form=ActionForm())


@bp.route("/bookings/waitlist/<uid>/accept", methods=["POST"])
@login_required
def accept(uid: str) -> Response:
    """Accept a held seat."""
    _own_entry(uid)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        booking = bookings.accept_offer(current_user, uid)
    except BookingError as exc:
        show_refusal(exc)
        return redirect(url_for("booking.offer", uid=uid))
    flash(_("Booked: %(what)s. We have sent you the details.",
            what=booking_summary(booking)), "success")
    return redirect(url_for("booking.detail", uid=booking.uid))


@bp.route("/bookings/waitlist/<uid>/leave", methods=["POST"])
@login_required
def leave(uid: str) -> Response:
    """Leave the waiting list."""
    _own_entry(uid)
    if not ActionForm().validate_on_submit():
        abort(400)
    bookings.leave_waitlist(current_user, uid)
    flash(_("You have left the waiting list."), "success")
    return redirect(url_for("booking.mine"))

