"""Event pages: the list and each event's page (public), registering and cancelling
(workers), the facilitator's page with the check-in QR code and the list to tick, and the
page the QR code opens. Thin: parse, call app/events/services.py or booking, render."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.accounts.models import Role, User
from app.booking import bookable, bookings
from app.booking.bookings import BookingError, NotFoundError
from app.booking.catalogue import active_centres
from app.booking.forms import ActionForm
from app.booking.models import Event, EventKind, EventPlace
from app.booking.transitions import UPCOMING
from app.events import bp, requests, services
from app.events.forms import EventRequestForm
from app.events.services import EventError
from app.extensions import db, limiter
from app.i18n import current_locale
from app.refusals_shown import show_on_form, show_refusal
from app.security.access import login_required, public, roles_required
from app.types import utcnow

LEADERS = (Role.FACILITATOR, Role.COUNSELLOR, Role.ADMIN)


def _actor() -> User:
    return current_user._get_current_object()


def _event_or_404(uid: str) -> Event:
    event = services.find(uid)
    if event is None:
        abort(404)
    return event


def _led_or_404(uid: str) -> Event:
    """The event, for its own facilitator or an admin; anyone else learns nothing (404)."""
    event = _event_or_404(uid)
    if not services.may_lead(_actor(), event):
        abort(404)
    return event


def _back(event: Event) -> Response:
    return redirect(url_for("events.detail", uid=event.uid), code=303)


@bp.route("")
@public
def index() -> str:
    """Upcoming events, filtered by kind, place, centre and tag (``?kind=&place=&centre=&tag=``)."""
    filters = services.Filters.from_args(request.args)
    return render_template("events/list.html", events=services.upcoming(filters),
                           filters=filters, kinds=list(EventKind), places=list(EventPlace),
                           centres=active_centres(), tags=services.all_tags())


@bp.route("/mine")
@roles_required(*LEADERS)
def mine() -> str:
    """The events the facilitator leads (an admin: all)."""
    return render_template("events/mine.html", events=services.led_by(_actor()),
                           sessions=services.led_sessions(_actor()))


@bp.route("/<uid>")
@public
def detail(uid: str) -> str:
    """One event: what, who, when, where, seats; register, join the waiting list or cancel."""
    event = _event_or_404(uid)
    mine = services.registration(current_user, event)
    now = utcnow()
    return render_template(
        "events/detail.html", event=event, session=event.session, mine=mine,
        form=ActionForm(), open=bookable.is_open(event.session, now),
        window_open=services.registration_open(event, now),
        lead=services.may_lead(current_user, event),
        staff=current_user.is_authenticated and not bookings.may_book(current_user),
        can_cancel=mine is not None and mine.status in UPCOMING)


@bp.route("/<uid>/register", methods=["POST"])
@login_required
def register(uid: str) -> Response:
    """Take a seat; when the event is full, join its waiting list."""
    event = _event_or_404(uid)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        bookings.book(_actor(), event.session_id)
    except BookingError as exc:
        if not exc.full:
            show_refusal(exc)
            return _back(event)
        try:
            bookings.join_waitlist(_actor(), event.session_id)
        except BookingError as again:
            show_refusal(again)
            return _back(event)
        flash(_("The event is full: you are on the waiting list. We will tell you if a "
                "place frees up."), "success")
        return _back(event)
    flash(_("You are registered. We have sent you the details and will remind you."),
          "success")
    return _back(event)


@bp.route("/<uid>/cancel", methods=["POST"])
@login_required
def cancel(uid: str) -> Response:
    """Give up one's place (the next person waiting is offered it)."""
    event = _event_or_404(uid)
    if not ActionForm().validate_on_submit():
        abort(400)
    mine = services.registration(_actor(), event)
    if mine is None:
        abort(404)
    try:
        bookings.cancel(_actor(), mine.uid)
    except (BookingError, NotFoundError) as exc:
        if isinstance(exc, NotFoundError):
            abort(404)
        show_refusal(exc)
        return _back(event)
    flash(_("Your registration is cancelled."), "success")
    return _back(event)


@bp.route("/<uid>/lead")
@roles_required(*LEADERS)
def lead(uid: str) -> str:
    """The facilitator's screen: the check-in QR code and the list of people to tick."""
    event = _led_or_404(uid)
    url = url_for("events.check_in", token=services.check_in_token(event), _external=True)
    return render_template("events/lead.html", event=event, session=event.session,
                           qr=services.qr_svg(url), check_in_url=url,
                           people=services.roster(_actor(), event), form=ActionForm(),
                           show_names=event.session.counsellor_id == _actor().id)


@bp.route("/<uid>/attendance/<booking_uid>", methods=["POST"])
@roles_required(*LEADERS)
def tick(uid: str, booking_uid: str) -> Response:
    """Tick one registered person as attended."""
    event = _led_or_404(uid)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.tick(_actor(), event, booking_uid)
    except EventError as exc:
        show_refusal(exc)
    else:
        flash(_("Marked as attended."), "success")
    return redirect(url_for("events.lead", uid=event.uid), code=303)


@bp.route("/check-in/<token>", methods=["GET", "POST"])
@login_required
def check_in(token: str) -> str | Response:
    """What the QR code opens: the registered person confirms with one tap."""
    try:
        event = services.event_of_token(token)
    except EventError as exc:
        return render_template("events/check_in.html", event=None, error=str(exc.message),
                               form=ActionForm()), 404  # type: ignore[return-value]
    form = ActionForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.check_in(_actor(), event)
        except EventError as exc:
            show_refusal(exc)
            return redirect(url_for("events.check_in", token=token), code=303)
        flash(_("You are checked in. Welcome!"), "success")
        return _back(event)
    mine = services.registration(_actor(), event)
    return render_template("events/check_in.html", event=event, mine=mine, error=None,
                           form=form)


# -- enterprise event requests (点单式服务) ----------------------------------------------------
REQUEST_LIMIT = "10 per hour"  # as the other public forms that write (screening/contact)


@bp.route("/request", methods=["GET", "POST"])
@roles_required(Role.WORKER)
@limiter.limit(REQUEST_LIMIT, methods=["POST"])
def request_event() -> str | Response:
    """A union contact asks a centre for an event at their site; their requests below."""
    lang = current_locale()
    form = EventRequestForm()
    centres = requests.centres_with_menu()
    form.centre.choices = [SelectChoice(str(c.id), c.localised("name", lang))
                           for c in centres]
    form.service.choices = [SelectChoice(str(s.id), s.localised("name", lang))
                            for s in {s.id: s for c in centres
                                      for s in requests.menu(c)}.values()]
    if form.validate_on_submit():
        try:
            requests.submit(_actor(), requests.Proposal(
                centre_id=form.centre.data, service_id=form.service.data,
                enterprise=form.enterprise.data or "", site=form.site.data or "",
                phone=form.phone.data or "",
                audience_size=form.audience_size.data or 0,
                first_choice=form.first_choice.data, second_choice=form.second_choice.data,
                note=form.note.data or ""))
        except requests.RequestError as exc:
            show_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Your request is sent. The centre will call you to settle the details "
                    "and answer here and by message."), "success")
            return redirect(url_for("events.request_event"), code=303)
    menus = [(c, requests.menu(c)) for c in centres]
    return render_template("events/request.html", form=form, menus=menus,
                           mine=requests.mine(_actor()), lang=lang)


# -- plain group sessions a facilitator leads -------------------------------------------------
def _led_session_or_404(session_id: int):
    session = services.led_session(_actor(), session_id)
    if session is None:
        abort(404)
    return session


@bp.route("/sessions/<int:session_id>/lead")
@roles_required(Role.FACILITATOR)
def lead_session(session_id: int) -> str:
    """The facilitator's list for a group session they lead: who booked, tick who came."""
    session = _led_session_or_404(session_id)
    return render_template("events/lead_session.html", session=session,
                           people=services.session_roster(_actor(), session),
                           form=ActionForm())


@bp.route("/sessions/<int:session_id>/attendance/<booking_uid>", methods=["POST"])
@roles_required(Role.FACILITATOR)
def tick_session(session_id: int, booking_uid: str) -> Response:
    """Tick one booked person as attended."""
    session = _led_session_or_404(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.tick_session(_actor(), session, booking_uid)
    except EventError as exc:
        show_refusal(exc)
    else:
        flash(_("Marked as attended."), "success")
    return redirect(url_for("events.lead_session", session_id=session.id), code=303)
