"""JSON API v1 views: parse with the schemas, call the same services as the pages, answer.

No rule lives here: booking, consent, scoring, saving and retrieval are the services'.
Someone else's record answers 404, as on the pages.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from sqlalchemy import select

import assessments
from app.accounts import limits, mfa, notify_prefs, phone_accounts, phone_codes
from app.accounts import services as accounts
from app.accounts.contact import ContactError, normalise_phone
from app.accounts.limits import address_login_limit
from app.accounts.models import Role, User
from app.accounts.phone_limits import CodeLimitError
from app.api import auth, schemas, tokens
from app.api.problems import Problem
from app.booking import bookable, bookings, meetings, profiles
from app.booking.bookings import BookingError, NotFoundError
from app.booking.catalogue import active_centres, active_services
from app.booking.labels import status_label
from app.booking.models import Booking, Centre, Service, Session, WaitlistEntry
from app.booking.scheduling import local_zone
from app.extensions import db, limiter
from app.i18n import current_locale
from app.screening import services as screening
from app.screening.answers import AnswerError, check_answers
from app.screening.limits import retrieve_limit
from app.screening.models import ScreeningResult
from app.security import dates
from app.security.access import public
from app.types import utcnow
from assessments import followup as followups

bp = Blueprint("api", __name__, url_prefix="/api/v1",
               description="Xinqing JSON API v1: screening and booking for the union's apps.")
MAX_RANGE = timedelta(days=31)
DEFAULT_RANGE = timedelta(days=14)
MAX_ID = 2**31 - 1  # integer ids beyond this exist nowhere (and PostgreSQL refuses them)


def _problems(*codes: int):
    """Document the problem responses an operation may give."""
    names = {401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 409: "CONFLICT",
             422: "UNPROCESSABLE_ENTITY", 429: "TOO_MANY_REQUESTS"}

    def decorate(view):
        for code in codes:
            view = bp.alt_response(code, response=names[code])(view)
        return view

    return decorate


def _me(user: User) -> dict[str, Any]:
    return {"roles": sorted(r.value for r in user.roles), "locale": user.locale,
            "health_data_consent": screening.has_health_consent(user),
            "consent_version": screening.CONSENT_VERSION}


def _user() -> User:
    user = auth.api_user()
    assert user is not None  # token_required ran first
    return user


def _uid_of(model: Any, row_id: int) -> str:
    """The uid behind a deprecated integer path ("" when there is none): the uid look-up
    that follows checks ownership, exactly as for the uid path."""
    if not 0 < row_id <= MAX_ID:
        return ""
    return db.session.scalar(select(model.uid).where(model.id == row_id)) or ""


# -- auth ----------------------------------------------------------------------------------
@bp.route("/auth/token", methods=["POST"])
@public
@address_login_limit
@bp.arguments(schemas.TokenRequest)
@bp.response(201, schemas.TokenResponse)
@_problems(401, 422, 429)
def issue_token(data: dict[str, Any]) -> dict[str, Any]:
    """Get a bearer token with the same sign-in as the website (staff add their TOTP code),
    or, for workers, with the phone number and the code from ``POST /auth/sms-code``.

    Attempts count against the same limits as the sign-in page and are audited alike.
    """
    if "phone" in data:
        return _token_by_code(data["phone"], data["code"])
    limits.refuse_unless_may_attempt(data["login"])
    user = accounts.authenticate(data["login"], data["password"])
    if user is None:
        limits.record_failure(data["login"])
        raise Problem(401, "bad-credentials", _l(
            "The mobile number, email or password is not right. Please try again."))
    if mfa.required(user):
        if not user.mfa_enabled:
            raise Problem(403, "mfa-setup-required", _l(
                "Set up your authenticator app by signing in on the website first."))
        if not data.get("otp"):
            raise Problem(401, "otp-required", _l(
                "Staff accounts need the code from the authenticator app in the otp field."))
        if not mfa.verify(user, data["otp"]):
            limits.record_failure(data["login"])
            raise Problem(401, "bad-otp", _l("That code is not right or was already used."))
    issued = tokens.issue(user)
    accounts.complete_login(user)
    return {"token": issued.token, "token_type": "Bearer",
            "expires_at": issued.row.expires_at, "user": _me(user)}


def _token_by_code(raw_phone: str, code: str) -> dict[str, Any]:
    try:
        phone = normalise_phone(raw_phone)
        user = phone_accounts.sign_in_by_code(phone, code)
    except (ContactError, phone_codes.CodeError):
        raise Problem(401, "bad-code", phone_codes.WRONG) from None
    issued = tokens.issue(user)
    accounts.complete_login(user)
    return {"token": issued.token, "token_type": "Bearer",
            "expires_at": issued.row.expires_at, "user": _me(user)}


@bp.route("/auth/sms-code", methods=["POST"])
@public
@bp.arguments(schemas.SmsCodeRequest)
@bp.response(202, schemas.SmsCodeResponse)
@_problems(422, 429)
def sms_code(data: dict[str, Any]) -> dict[str, Any]:
    """Send a 6-digit sign-in code by SMS to a worker's number (5 minutes, 5 tries).

    The answer is the same whether or not the number has an account; per-number,
    per-address and daily limits answer 429.
    """
    try:
        phone_codes.request_code(data["phone"], "login", get_remote_address())
    except ContactError as exc:
        raise Problem(422, errors={"json": {"phone": [str(exc.message)]}}) from None
    except CodeLimitError as exc:
        raise Problem(429, "too-many-codes", exc.message) from None
    return {"sent": True, "expires_in": int(phone_codes.LIFETIME.total_seconds())}


@bp.route("/auth/token", methods=["DELETE"])
@auth.token_required()
@bp.response(204)
@_problems(401, 429)
def revoke_token() -> None:
    """End the token this request carries (signing the app out)."""
    row = auth.current_token()
    if row is None:  # token_required let the request in only with one
        raise Problem(401)
    tokens.revoke(row.user, row)


@bp.route("/me", methods=["GET"])
@auth.token_required()
@bp.response(200, schemas.MeSchema)
@_problems(401, 429)
def me() -> dict[str, Any]:
    """Who the token belongs to, and whether the health-data consent is given."""
    return _me(_user())


def _notifications(user: User) -> dict[str, Any]:
    return {"channels": notify_prefs.channels_had(user), **notify_prefs.chosen(user)}


@bp.route("/me/notifications", methods=["GET"])
@auth.token_required()
@bp.response(200, schemas.NotificationsSchema)
@_problems(401, 429)
def my_notifications() -> dict[str, Any]:
    """The person's channels, which of them they want, and whether reminders at all."""
    return _notifications(_user())


@bp.route("/me/notifications", methods=["PUT"])
@auth.token_required()
@bp.arguments(schemas.NotificationsRequest)
@bp.response(200, schemas.NotificationsSchema)
@_problems(401, 422, 429)
def set_my_notifications(data: dict[str, Any]) -> dict[str, Any]:
    """Choose channels and reminders, as on the page /account/notifications."""
    user = _user()
    try:
        notify_prefs.set_preferences(user, email=data["email"], sms=data["sms"],
                                     reminders=data["reminders"])
    except notify_prefs.PreferenceError as exc:
        db.session.rollback()
        raise Problem(422, "channel-unavailable", exc.message) from exc
    return _notifications(user)


# -- instruments and screening ---------------------------------------------------------------
@bp.route("/instruments", methods=["GET"])
@public
@bp.response(200, schemas.InstrumentSummary(many=True))
@_problems(429)
def instruments() -> list[dict[str, Any]]:
    """Every questionnaire, with its name and description in both languages."""
    return [{"code": i.code, "version": i.version, "abbreviation": i.abbreviation,
             "name": {"zh": i.name.zh, "en": i.name.en},
             "description": {"zh": i.description.zh, "en": i.description.en},
             "minutes": i.minutes, "items": len(i.items)} for i in assessments.instruments()]


def _instrument(code: str):
    instrument = screening.instrument_or_none(code)
    if instrument is None:
        raise Problem(404, "unknown-instrument", _l("There is no questionnaire with this code."))
    return instrument


@bp.route("/instruments/<code>", methods=["GET"])
@public
@bp.response(200, schemas.InstrumentDetail)
@_problems(404, 429)
def instrument(code: str) -> dict[str, Any]:
    """One questionnaire complete (items, options, bands, safety rules) in both languages."""
    found = _instrument(code)
    return {"code": found.code, "version": found.version,
            "zh": found.text("zh"), "en": found.text("en")}


def _crisis_resources(data: dict[str, Any], instrument, user: User | None) -> dict[str, Any]:
    lang = current_locale()
    centres = list(active_centres())
    if user is not None and user.home_centre_id:
        centres = [c for c in centres if c.id == user.home_centre_id] or centres
    return {
        "message": str(_l("Some of your answers tell us you may be going through a very hard "
                          "time, or having thoughts of hurting yourself. Please talk to someone "
                          "now. These lines are confidential; normal call charges may apply:")),
        "lines": [{"number": line.number, "dial": line.dial,
                   "description": str(line.description)} for line in screening.crisis_lines()],
        "centres": [{"id": c.id, "name": c.localised("name", lang), "phone": c.phone}
                    for c in centres],
        "safety_messages": [instrument.safety_message(f).get(lang)
                            for f in data.get("flags", []) if f in instrument.crisis_flags],
    }


def _result(row: ScreeningResult, *, code: str | None = None,
            user: User | None = None) -> dict[str, Any]:
    instrument = assessments.get(row.instrument)
    data = screening.view(row)
    lang = current_locale()
    band = instrument.band(data["band"])
    crisis = bool(data.get("crisis"))
    suggest = list(band.suggest)
    if crisis and "counselling" not in suggest:
        suggest.insert(0, "counselling")
    return {
        "id": row.id, "uid": row.uid if row.user_id is not None else None,
        "instrument": row.instrument, "version": row.version,
        "created_at": row.created_at, "saved": row.user_id is not None,
        "retrieval_code": code, "total": data["total"], "min": data["min"],
        "max": data["max"], "band": band.code, "band_label": band.label.get(lang),
        "advice": band.advice.get(lang), "suggest": suggest, "flags": list(data["flags"]),
        "crisis": crisis,
        "crisis_resources": _crisis_resources(data, instrument, user) if crisis else None,
        "subscales": [{"code": k, "name": instrument.subscale(k).name.get(lang),
                       "score": v["score"], "min": v["min"], "max": v["max"], "band": v["band"],
                       "band_label": instrument.band(v["band"]).label.get(lang)}
                      for k, v in data.get("subscales", {}).items()],
        "answers": list(data.get("answers", [])), "shared": bool(row.shared),
        **_safety_fields(row, data, lang),
    }


def _safety_fields(row: ScreeningResult, data: dict[str, Any], lang: str) -> dict[str, Any]:
    from app.screening import risk

    item = risk.open_item_for(row) if data.get("crisis") else None
    questions = followups.for_result(row.instrument, data.get("answers", [])) \
        if risk.needs_followup(row) else None
    triage = (data.get("followup") or {}).get("triage") or (item.triage if item else None)
    if data.get("crisis") and triage is None:
        triage = risk.result_triage(row)[0]
    return {"followup": questions.text(lang) if questions else None,
            "triage": triage, "risk_item_open": item is not None}


@bp.route("/screenings", methods=["POST"])
@auth.token_optional
@bp.arguments(schemas.ScreeningRequest)
@bp.response(201, schemas.ResultSchema)
@_problems(401, 403, 404, 422, 429)
def submit_screening(data: dict[str, Any]) -> dict[str, Any]:
    """Answer a questionnaire; the result comes back at once, with crisis help when flagged.

    Without a token, or with ``anonymous: true``, the result is anonymous and a retrieval
    code is returned once. A worker's token keeps the result on the account, which needs the
    health-data consent first (403 ``consent-required`` until given, see /consents).
    """
    instrument = _instrument(data["instrument"])
    user = auth.api_user()
    anonymous = bool(data["anonymous"]) or user is None
    saving = screening.Saving.ANONYMOUS if anonymous else screening.saving_for(user)
    if saving is screening.Saving.MUST_CHOOSE:
        raise Problem(403, "consent-required", _l(
            "Before we keep results on your account we need your consent to store health "
            "data. Give it with POST /api/v1/consents/health-data, or send anonymous: true."),
            consent_version=screening.CONSENT_VERSION)
    chosen: dict[str, object] = {f"q{n}": v for n, v in enumerate(data["answers"], start=1)}
    chosen.update({f"x_{k}": v for k, v in data["extra"].items()})
    try:
        answers, extra = check_answers(instrument, chosen)
    except AnswerError as exc:
        errors: dict[str, Any] = {}
        wrong = exc.missing + exc.unknown
        if any(name.startswith("q") for name in wrong):
            errors["answers"] = [str(_l(
                "Give one answer per question, in order, each one of the printed options "
                "(%(count)d questions).", count=len(instrument.items)))]
        if any(name.startswith("x_") for name in wrong):
            errors["extra"] = [str(_l("Answer each extra question with one of its options, "
                                      "and only those."))]
        raise Problem(422, "invalid-answers", errors=errors) from None
    keep = saving is screening.Saving.KEPT
    saved = screening.save_result(user, instrument, answers, extra, keep=keep)
    return _result(saved.result, code=saved.code, user=user)


@bp.route("/screenings", methods=["GET"])
@auth.token_required(Role.WORKER)
@bp.response(200, schemas.ResultSchema(many=True))
@_problems(401, 403, 429)
def my_results() -> list[dict[str, Any]]:
    """My saved results, oldest first per questionnaire."""
    user = _user()
    return [_result(row, user=user) for rows in screening.history(user).values()
            for row in rows]


@bp.route("/screenings/<uid:result_uid>", methods=["GET"])
@auth.token_required(Role.WORKER)
@bp.response(200, schemas.ResultSchema)
@_problems(401, 403, 404, 429)
def my_result(result_uid: str) -> dict[str, Any]:
    """One of my saved results, by its uid."""
    return _my_result(result_uid)


def _my_result(result_uid: str) -> dict[str, Any]:
    user = _user()
    row = screening.own_result(user, result_uid)
    if row is None:
        raise Problem(404)
    return _result(row, user=user)


@bp.route("/screenings/<int:result_id>", methods=["GET"])
@auth.token_required(Role.WORKER)
@bp.doc(deprecated=True)
@bp.response(200, schemas.ResultSchema)
@_problems(401, 403, 404, 429)
def my_result_by_id(result_id: int) -> dict[str, Any]:
    """Deprecated alias of GET /screenings/{result_uid} (removed in the next release)."""
    return _my_result(_uid_of(ScreeningResult, result_id))


@bp.route("/screenings/retrieve", methods=["POST"])
@public
@retrieve_limit
@bp.arguments(schemas.RetrieveRequest)
@bp.response(200, schemas.ResultSchema)
@_problems(404, 422, 429)
def retrieve(data: dict[str, Any]) -> dict[str, Any]:
    """An anonymous result again, by the code given with it (30 days)."""
    row = screening.find_by_code(data["code"])
    if row is None:
        raise Problem(404, "unknown-code", _l(
            "This code does not open a result. Check it, or note that results are deleted "
            "after 30 days."))
    return _result(row)


def _consent(user: User) -> dict[str, Any]:
    return {"purpose": screening.CONSENT_PURPOSE, "text_version": screening.CONSENT_VERSION,
            "given": screening.has_health_consent(user),
            "summary": [str(s) for s in CONSENT_SUMMARY]}


CONSENT_SUMMARY = (
    _l("Your answers to these questionnaires are health information. Before we save any of "
       "them in your account, we need your permission."),
    _l("We save your answers and results, encrypted, so you can see them again and follow how "
       "you are doing over time."),
    _l("Nobody else sees a result unless you choose to share it with the counsellors of your "
       "centre, one result at a time."),
    _l("We count results without names, ages in years or dates, to plan services. Nobody can "
       "find you in these counts."),
    _l("Saving is your choice: you can always answer without saving instead."),
)


@bp.route("/consents/health-data", methods=["GET"])
@auth.token_required(Role.WORKER)
@bp.response(200, schemas.ConsentSchema)
@_problems(401, 403, 429)
def consent_status() -> dict[str, Any]:
    """The consent text (its points and version) and whether I have given it."""
    return _consent(_user())


@bp.route("/consents/health-data", methods=["POST"])
@auth.token_required(Role.WORKER)
@bp.arguments(schemas.ConsentRequest)
@bp.response(200, schemas.ConsentSchema)
@_problems(401, 403, 409, 422, 429)
def give_consent(data: dict[str, Any]) -> dict[str, Any]:
    """Agree to keep my results; send the version of the text the person read."""
    user = _user()
    if data["text_version"] != screening.CONSENT_VERSION:
        raise Problem(409, "consent-version", _l(
            "The consent text has changed. Show the current text and ask again."),
            consent_version=screening.CONSENT_VERSION)
    screening.give_health_consent(user)
    return _consent(user)


# -- centres, services, sessions -----------------------------------------------------------
def _both(obj: Any, field: str) -> dict[str, str]:
    return {"zh": getattr(obj, f"{field}_zh") or "", "en": getattr(obj, f"{field}_en") or ""}


@bp.route("/centres", methods=["GET"])
@public
@bp.response(200, schemas.CentreSchema(many=True))
@_problems(429)
def centres() -> list[dict[str, Any]]:
    """The open centres of the network, the city hub first."""
    return [{"id": c.id, "code": c.code, "kind": c.kind, "parent_id": c.parent_id,
             "name": _both(c, "name"), "region": _both(c, "region"),
             "address": _both(c, "address"), "hours": _both(c, "hours"), "phone": c.phone,
             "service_ids": [s.id for s in c.services if s.active]}
            for c in active_centres()]


@bp.route("/services", methods=["GET"])
@public
@bp.response(200, schemas.ServiceSchema(many=True))
@_problems(429)
def services() -> list[dict[str, Any]]:
    """The services offered in the network, with their booking rules."""
    return [{"id": s.id, "code": s.code, "kind": s.kind, "name": _both(s, "name"),
             "description": _both(s, "description"), "duration_minutes": s.duration_minutes,
             "capacity": s.capacity, "requires_confirmation": s.requires_confirmation,
             "cancellation_window_hours": s.cancellation_window_hours,
             "min_notice_hours": s.min_notice_hours, "horizon_days": s.horizon_days}
            for s in active_services()]


def _session(s: Session) -> dict[str, Any]:
    return {"id": s.id, "centre_id": s.centre_id, "service_id": s.service_id,
            "start": s.starts_at, "end": s.ends_at, "capacity": s.capacity,
            "seats_left": s.free, "room": s.room or "", "mode": s.meeting_mode}


def _both_label(table: dict[str, tuple[Any, ...]], code: str) -> dict[str, str]:
    zh, en = table.get(code, (code, code))[:2]
    return {"zh": str(zh), "en": str(en)}


@bp.route("/counsellors", methods=["GET"])
@public
@bp.arguments(schemas.CounsellorQuery, location="query")
@bp.response(200, schemas.CounsellorSchema(many=True))
@_problems(422, 429)
def counsellors(query: dict[str, Any]) -> list[dict[str, Any]]:
    """Counsellors workers may choose, with specialties, languages and next free times.

    Filters as on the page: ``centre`` (id), ``specialty``, ``language``, ``gender``
    (female, male) and ``mode`` (counsellors with a free session of that mode).
    """
    centre_code = ""
    if query.get("centre"):
        centre = db.session.get(Centre, query["centre"])
        centre_code = centre.code if centre is not None else "-"
    filters = profiles.Filters(centre=centre_code, specialty=query.get("specialty", ""),
                               language=query.get("language", ""),
                               gender=query.get("gender", ""), mode=query.get("mode", ""))
    found = profiles.browse(filters)
    if centre_code == "-":
        found = []
    return [{
        "uid": p.uid, "display_name": p.display_name,
        "photo_url": url_for("booking.photo", name=p.photo) if p.photo else None,
        "gender": p.gender,
        "qualifications": [{"code": q["code"],
                            "name": _both_label(profiles.QUALIFICATIONS, q["code"]),
                            "register_number": q.get("number", "")}
                           for q in p.qualifications or []],
        "specialties": [{"code": c, "name": _both_label(profiles.SPECIALTIES, c)}
                        for c in p.specialties or []],
        "languages": [{"code": c, "name": _both_label(profiles.LANGUAGES, c)}
                      for c in p.languages or []],
        "introduction": {"zh": p.intro_zh or "", "en": p.intro_en or ""},
        "centre_ids": [c.id for c in profiles.centres_of(p)],
        "next_free": [_session(s) for s in profiles.next_free(p, 3, filters.mode)],
    } for p in found]


def _refuse_far_dates(*given: date | None) -> None:
    """Year 1 or 9999 is valid ISO 8601 but overflows time-zone arithmetic: a 422, as for any
    other range the service cannot mean (documented in the schema's descriptions)."""
    if any(day is not None and not dates.sensible(day) for day in given):
        raise Problem(422, "bad-range", errors={"from": [str(dates.OUT_OF_RANGE)]})


@bp.route("/sessions", methods=["GET"])
@public
@bp.arguments(schemas.SessionQuery, location="query")
@bp.response(200, schemas.SessionSchema(many=True))
@_problems(422, 429)
def sessions(query: dict[str, Any]) -> list[dict[str, Any]]:
    """Sessions open for booking (or the waiting list) by centre, service and time range.

    The same rule as the pages and the booking itself: inside the service's notice and
    horizon, centre and service open, counsellor not on leave; ``seats_left`` 0 means full.
    """
    _refuse_far_dates(query.get("from_"), query.get("to"))
    now = utcnow()
    start: datetime = max(query.get("from_") or now, now)
    end: datetime = query.get("to") or start + DEFAULT_RANGE
    if end <= start or end - start > MAX_RANGE:
        raise Problem(422, "bad-range", errors={"to": [str(_l(
            "Give a range that ends after it starts (and after now), at most 31 days long."))]})
    stmt = (select(Session)
            .where(bookable.open_clause(now), Session.starts_at >= start, Session.starts_at < end)
            .order_by(Session.starts_at, Session.id).limit(500))
    if query.get("centre"):
        stmt = stmt.where(Session.centre_id == query["centre"])
    if query.get("service"):
        stmt = stmt.where(Session.service_id == query["service"])
    return [_session(s) for s in db.session.scalars(stmt)]


@bp.route("/sessions/free-days", methods=["GET"])
@public
@bp.arguments(schemas.FreeDaysQuery, location="query")
@bp.response(200, schemas.FreeDaysSchema)
@_problems(422, 429)
def free_days(query: dict[str, Any]) -> dict[str, Any]:
    """How many sessions have a free seat on each day, and the earliest free session.

    The booking page's week strip, for apps: one grouped query over the bookable rule.
    """
    _refuse_far_dates(query.get("from_"))
    now = utcnow()
    zone = local_zone()
    first: date = query.get("from_") or now.astimezone(zone).date()
    days = [first + timedelta(days=n) for n in range(query["days"])]
    service: Service | None = None
    if query.get("service"):
        service = db.session.get(Service, query["service"])
        if service is None:  # no such service: nothing is free
            return {"days": [{"date": d, "free": 0} for d in days], "earliest": None}
    counts = bookable.free_by_day(now, days, zone, service=service,
                                  centre_id=query.get("centre"))
    earliest = bookable.earliest(now, service=service)
    return {"days": [{"date": d, "free": counts[d]} for d in days],
            "earliest": _session(earliest) if earliest else None}


# -- bookings and the waitlist -------------------------------------------------------------
def _booking(b: Booking) -> dict[str, Any]:
    return {"id": b.id, "uid": b.uid, "session_id": b.session_id, "status": b.status,
            "status_label": status_label(b.status), "created_at": b.created_at,
            "cancelled_at": b.cancelled_at, "session": _session(b.session),
            "meeting_link": meetings.link_for(b.user, b.session) if b.active else None}


def _refused(exc: BookingError) -> Problem:
    """A booking rule said no: 409 with the service's own translated reason (403 when the
    caller's role may not book at all)."""
    db.session.rollback()
    if exc.code == "workers_only":
        return Problem(403, "workers-only", exc.message)
    slug = {"full": "session-full", "already_booked": "already-booked"}.get(exc.code,
                                                                          "booking-refused")
    return Problem(409, slug, exc.message)


def _bookable_session(session_id: int) -> Session:
    session = db.session.get(Session, session_id)
    if session is None:
        raise Problem(422, "unknown-session", errors={"session_id": [str(_l(
            "There is no session with this id."))]})
    return session


@bp.route("/bookings", methods=["POST"])
@auth.token_required()
@bp.arguments(schemas.SessionRef)
@bp.response(201, schemas.BookingSchema)
@_problems(401, 403, 409, 422, 429)
def book(data: dict[str, Any]) -> dict[str, Any]:
    """Take a seat: 201 with the booking; 409 when full or already booked."""
    _bookable_session(data["session_id"])
    try:
        booking = bookings.book(_user(), data["session_id"])
    except BookingError as exc:
        raise _refused(exc) from None
    return _booking(booking)


@bp.route("/bookings", methods=["GET"])
@auth.token_required()
@bp.response(200, schemas.BookingSchema(many=True))
@_problems(401, 429)
def my_bookings() -> list[dict[str, Any]]:
    """My bookings, latest session first."""
    return [_booking(b) for b in bookings.my_bookings(_user())]


def _own_booking(user: User, uid: str) -> Booking:
    try:
        return bookings.find_booking(user, uid)
    except NotFoundError:
        raise Problem(404) from None


@bp.route("/bookings/<uid:booking_uid>", methods=["GET"])
@auth.token_required()
@bp.response(200, schemas.BookingSchema)
@_problems(401, 404, 429)
def booking(booking_uid: str) -> dict[str, Any]:
    """One of my bookings, by its uid."""
    return _booking(_own_booking(_user(), booking_uid))


@bp.route("/bookings/<int:booking_id>", methods=["GET"])
@auth.token_required()
@bp.doc(deprecated=True)
@bp.response(200, schemas.BookingSchema)
@_problems(401, 404, 429)
def booking_by_id(booking_id: int) -> dict[str, Any]:
    """Deprecated alias of GET /bookings/{booking_uid} (removed in the next release)."""
    return _booking(_own_booking(_user(), _uid_of(Booking, booking_id)))


@bp.route("/bookings/<uid:booking_uid>", methods=["DELETE"])
@auth.token_required()
@bp.response(200, schemas.BookingSchema)
@_problems(401, 404, 409, 429)
def cancel(booking_uid: str) -> dict[str, Any]:
    """Cancel my booking (inside the service's window it counts as a late cancellation)."""
    return _cancel(booking_uid)


def _cancel(booking_uid: str) -> dict[str, Any]:
    user = _user()
    found = _own_booking(user, booking_uid)
    try:
        cancelled = bookings.cancel(user, found.uid)
    except NotFoundError:
        raise Problem(404) from None
    except BookingError as exc:
        raise _refused(exc) from None
    return _booking(cancelled)


@bp.route("/bookings/<int:booking_id>", methods=["DELETE"])
@auth.token_required()
@bp.doc(deprecated=True)
@bp.response(200, schemas.BookingSchema)
@_problems(401, 404, 409, 429)
def cancel_by_id(booking_id: int) -> dict[str, Any]:
    """Deprecated alias of DELETE /bookings/{booking_uid} (removed in the next release)."""
    return _cancel(_uid_of(Booking, booking_id))


def _entry(e: WaitlistEntry) -> dict[str, Any]:
    return {"id": e.id, "uid": e.uid, "session_id": e.session_id, "position": e.position,
            "status": e.status, "offer_expires_at": e.offer_expires_at}


@bp.route("/waitlist", methods=["POST"])
@auth.token_required()
@bp.arguments(schemas.SessionRef)
@bp.response(201, schemas.WaitlistSchema)
@_problems(401, 403, 409, 422, 429)
def join_waitlist(data: dict[str, Any]) -> dict[str, Any]:
    """Queue for a full session; a freed seat is offered to the first in line by email."""
    _bookable_session(data["session_id"])
    try:
        entry = bookings.join_waitlist(_user(), data["session_id"])
    except BookingError as exc:
        raise _refused(exc) from None
    return _entry(entry)


@bp.route("/waitlist", methods=["GET"])
@auth.token_required()
@bp.response(200, schemas.WaitlistSchema(many=True))
@_problems(401, 429)
def my_waitlist() -> list[dict[str, Any]]:
    """My open places on waiting lists (waiting, or holding an offer)."""
    return [_entry(e) for e in bookings.my_waitlist(_user())]


def _own_entry(user: User, uid: str) -> WaitlistEntry:
    try:
        return bookings.find_entry(user, uid)
    except NotFoundError:
        raise Problem(404) from None


@bp.route("/waitlist/<uid:entry_uid>/accept", methods=["POST"])
@auth.token_required()
@bp.response(201, schemas.BookingSchema)
@_problems(401, 403, 404, 409, 429)
def accept_offer(entry_uid: str) -> dict[str, Any]:
    """Turn a live offer into a booking."""
    return _accept(entry_uid)


def _accept(entry_uid: str) -> dict[str, Any]:
    user = _user()
    entry = _own_entry(user, entry_uid)
    try:
        booking = bookings.accept_offer(user, entry.uid)
    except BookingError as exc:
        raise _refused(exc) from None
    return _booking(booking)


@bp.route("/waitlist/<int:entry_id>/accept", methods=["POST"])
@auth.token_required()
@bp.doc(deprecated=True)
@bp.response(201, schemas.BookingSchema)
@_problems(401, 403, 404, 409, 429)
def accept_offer_by_id(entry_id: int) -> dict[str, Any]:
    """Deprecated alias of POST /waitlist/{entry_uid}/accept (removed in the next release)."""
    return _accept(_uid_of(WaitlistEntry, entry_id))


@bp.route("/waitlist/<uid:entry_uid>", methods=["DELETE"])
@auth.token_required()
@bp.response(204)
@_problems(401, 404, 429)
def leave_waitlist(entry_uid: str) -> None:
    """Leave a waiting list; an offer I held passes on to the next person."""
    _leave(entry_uid)


def _leave(entry_uid: str) -> None:
    user = _user()
    entry = _own_entry(user, entry_uid)
    bookings.leave_waitlist(user, entry.uid)


@bp.route("/waitlist/<int:entry_id>", methods=["DELETE"])
@auth.token_required()
@bp.doc(deprecated=True)
@bp.response(204)
@_problems(401, 404, 429)
def leave_waitlist_by_id(entry_id: int) -> None:
    """Deprecated alias of DELETE /waitlist/{entry_uid} (removed in the next release)."""
    _leave(_uid_of(WaitlistEntry, entry_id))


def _api_rate() -> str:
    return current_app.config["API_RATE_LIMIT"]


# Every API call counts against its token's limit (calls without a token: per address).
limiter.limit(_api_rate, key_func=auth.rate_key)(bp)


# -- courses of care (issue 17) -------------------------------------------------------------
@bp.route("/me/courses", methods=["GET"])
@auth.token_required()
@bp.response(200, schemas.CourseSchema(many=True))
@_problems(401, 429)
def my_courses() -> list[dict[str, Any]]:
    """My courses of care with the PHQ-9 and GAD-7 I filled before each session, newest
    course first; the same records the website's "My courses of care" shows."""
    from app.counselling import courses

    user = _user()
    now = utcnow()
    out = []
    for course in courses.worker_courses(user):
        out.append({
            "uid": course.uid, "centre_id": course.centre_id, "opened_at": course.opened_at,
            "closed_at": course.closed_at, "measuring": course.measuring,
            "asked": [b.uid for b in courses.bookings_of(course)
                      if courses.asked(b, course, now)],
            "sessions": [{"booking_uid": p.booking.uid, "date": p.day,
                          "phq9": p.scores.get("phq9"), "gad7": p.scores.get("gad7")}
                         for p in courses.series(course)]})
    return out
