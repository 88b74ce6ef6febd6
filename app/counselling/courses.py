"""Courses of care and measurement every session (issue 17).

A course opens when a worker books their first individual session with a counsellor and
closes when the counsellor discharges it, or lapses after ``COURSE_LAPSE_WEEKS`` without a
session. With the worker's consent for that course, they are asked before each session to
fill PHQ-9 and GAD-7; the answers are ordinary screening results (sealed under the worker's
key, counted like any result) linked to the session by a ``CourseMeasure``. PHQ-9 item 9
above 0 opens a risk item for the course's centre (the course consent says so).

Reliable change and caseness follow the NHS Talking Therapies for Anxiety and Depression
Manual (NHS England, version 7.1, 2024): reliable change is a change of at least 6 points
on PHQ-9 and 4 points on GAD-7; caseness is PHQ-9 >= 10 or GAD-7 >= 8. At closing, one
de-identified ``CourseOutcomeStat`` row is written in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import assessments
from app import audit
from app.accounts.models import Consent, User
from app.booking import mail
from app.booking.models import Booking, BookingStatus, ServiceKind, Session
from app.booking.scheduling import local_zone
from app.counselling.course_models import CareCourse, CourseMeasure
from app.domain import DomainError
from app.extensions import db
from app.i18n import BABEL_CODES
from app.screening.models import ScreeningResult
from app.types import utcnow

MEASURES = ("phq9", "gad7")
RELIABLE_CHANGE = {"phq9": 6, "gad7": 4}  # points (NHS Talking Therapies Manual)
CASENESS = {"phq9": 10, "gad7": 8}        # at or above: a clinical case
NOT_ON_TRACK_AFTER = 4                    # measured sessions without reliable improvement
CONSENT_PURPOSE = "course_measures"
CONSENT_VERSION = "2026-12-1"
BOOKED = (BookingStatus.REQUESTED.value, BookingStatus.CONFIRMED.value,
          BookingStatus.CHECKED_IN.value)
OPENS_BEFORE = timedelta(days=3)          # how long before a session its questionnaires open
DEFAULT_LAPSE_WEEKS = 12
CLOSED_REASONS = ("discharged", "lapsed")
HELPED = (1, 2, 3, 4, 5)
RECOMMEND = ("yes", "no", "unsure")
MANUAL = ("NHS England. The NHS Talking Therapies for Anxiety and Depression Manual, "
          "version 7.1, 2024")

ALREADY = _l("You have already filled these questionnaires for this session. Nothing was "
             "changed.")
NO_CONSENT = _l("You have not agreed to be asked in this course. Nothing was saved.")
NOT_OPEN = _l("These questionnaires are open from three days before the session until it "
              "ends. Nothing was saved.")
INCOMPLETE = _l("Please answer every question with one of its options.")
CLOSED = _l("This course of care is already closed. Nothing was changed.")
EXPERIENCE_DONE = _l("You have already answered these questions. Thank you.")
NOT_OFFERED = _l("Choose one of the options offered.")


class CourseError(DomainError):
    """A course action refused with a translated reason; nothing was changed."""


class NotFoundError(LookupError):
    """No such course or session for this person (answered as 404)."""


# -- pure rules (no database) -----------------------------------------------------------------
def change(code: str, first: int, last: int) -> str:
    """``improved``, ``deteriorated`` or ``none``: reliable change from first to last."""
    threshold = RELIABLE_CHANGE[code]
    if first - last >= threshold:
        return "improved"
    if last - first >= threshold:
        return "deteriorated"
    return "none"


def is_case(scores: dict[str, int]) -> bool:
    """At caseness on PHQ-9 or GAD-7."""
    return any(scores.get(code, 0) >= CASENESS[code] for code in MEASURES)


@dataclass(frozen=True)
class Outcome:
    """A course's outcome on paired PHQ-9 and GAD-7 scores, as NHS Talking Therapies defines
    it: reliable improvement when either measure improves reliably and neither deteriorates
    reliably; deterioration the other way round; recovery when at caseness at the first
    measured session and below it on both at the last; reliable recovery both."""

    caseness: bool
    recovered: bool
    improved: bool
    deteriorated: bool

    @property
    def reliably_recovered(self) -> bool:
        """Recovered and reliably improved."""
        return self.recovered and self.improved


def outcome(first: dict[str, int], last: dict[str, int]) -> Outcome:
    """The outcome of a course from its first and last fully measured sessions."""
    changes = {change(code, first[code], last[code]) for code in MEASURES}
    caseness = is_case(first)
    return Outcome(caseness=caseness, recovered=caseness and not is_case(last),
                   improved="improved" in changes and "deteriorated" not in changes,
                   deteriorated="deteriorated" in changes and "improved" not in changes)


def off_track(code: str, scores: list[int]) -> str | None:
    """Why one measure's course is not on track, or None: ``worse`` when the latest score
    is reliably worse than the first; ``stuck`` when, after ``NOT_ON_TRACK_AFTER`` measured
    sessions, someone who started at caseness has not improved reliably."""
    if len(scores) < 2:
        return None
    moved = change(code, scores[0], scores[-1])
    if moved == "deteriorated":
        return "worse"
    if (len(scores) >= NOT_ON_TRACK_AFTER and scores[0] >= CASENESS[code]
            and moved != "improved"):
        return "stuck"
    return None


# -- opening and finding courses ---------------------------------------------------------------
def _individual(session: Session) -> bool:
    return session.service.kind == ServiceKind.INDIVIDUAL.value


def open_course(worker: User, counsellor_id: int) -> CareCourse | None:
    """The worker's open course with this counsellor, if any."""
    return db.session.scalar(select(CareCourse).where(
        CareCourse.worker_id == worker.id, CareCourse.counsellor_id == counsellor_id,
        CareCourse.closed_at.is_(None)))


def on_booking_move(name: str, booking: Booking, now: datetime) -> None:
    """Booking hook: a first individual session with a counsellor opens a course."""
    if name not in ("book", "claim") or not _individual(booking.session):
        return
    session = booking.session
    if open_course(booking.user, session.counsellor_id) is not None:
        return
    course = CareCourse(worker_id=booking.user_id, counsellor_id=session.counsellor_id,
                        centre_id=session.centre_id, first_booking_id=booking.id,
                        opened_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(course)
    except IntegrityError:  # the other tab opened it first: one open course
        return


def course_of(booking: Booking) -> CareCourse | None:
    """The course a booking belongs to: same worker and counsellor, an individual session,
    booked while the course was open."""
    session = booking.session
    if not _individual(session):
        return None
    made = booking.created_at
    return db.session.scalar(select(CareCourse).where(
        CareCourse.worker_id == booking.user_id,
        CareCourse.counsellor_id == session.counsellor_id,
        CareCourse.opened_at <= made + timedelta(seconds=1),
        (CareCourse.closed_at.is_(None)) | (CareCourse.closed_at >= made))
        .order_by(CareCourse.opened_at.desc()).limit(1))


def bookings_of(course: CareCourse) -> list[Booking]:
    """The course's bookings (any status), in session order."""
    query = (select(Booking).join(Session, Session.id == Booking.session_id)
             .where(Booking.user_id == course.worker_id,
                    Session.counsellor_id == course.counsellor_id,
                    Booking.created_at >= course.opened_at - timedelta(seconds=1))
             .order_by(Session.starts_at))
    if course.closed_at is not None:
        query = query.where(Booking.created_at <= course.closed_at)
    return [b for b in db.session.scalars(query) if _individual(b.session)]


def worker_course(worker: User, uid: str) -> CareCourse:
    """One of the worker's own courses; NotFoundError otherwise."""
    course = db.session.scalar(select(CareCourse).where(CareCourse.uid == uid,
                                                        CareCourse.worker_id == worker.id))
    if course is None:
        raise NotFoundError(uid)
    return course


def counsellor_course(counsellor: User, uid: str) -> CareCourse:
    """One course of the counsellor's own clients; NotFoundError otherwise (no other's)."""
    course = db.session.scalar(select(CareCourse).where(
        CareCourse.uid == uid, CareCourse.counsellor_id == counsellor.id))
    if course is None:
        raise NotFoundError(uid)
    return course


def caseload(counsellor: User) -> list[CareCourse]:
    """The counsellor's courses, open ones first, newest first."""
    rows = db.session.scalars(select(CareCourse).where(
        CareCourse.counsellor_id == counsellor.id)
        .order_by(CareCourse.closed_at.is_not(None), CareCourse.opened_at.desc()))
    return list(rows)


def worker_courses(worker: User) -> list[CareCourse]:
    """The worker's courses, newest first."""
    return list(db.session.scalars(select(CareCourse).where(
        CareCourse.worker_id == worker.id).order_by(CareCourse.opened_at.desc())))


# -- consent ---------------------------------------------------------------------------------
def give_consent(worker: User, course: CareCourse) -> None:
    """Record the worker's consent for this course (a Consent row, like every consent) and
    re-queue the reminders of its upcoming sessions so that they carry the link."""
    if course.worker_id != worker.id:
        raise NotFoundError(course.uid)
    if course.closed_at is not None:
        raise CourseError(CLOSED)
    if course.measuring:
        return
    consent = Consent(purpose=CONSENT_PURPOSE, text_version=CONSENT_VERSION)
    worker.consents.append(consent)
    db.session.flush()
    course.consent = consent
    audit.record(worker, "course.consent_given", course, {"version": CONSENT_VERSION})
    _requeue_reminders(course)


def withdraw_consent(worker: User, course: CareCourse) -> None:
    """Stop being asked in this course (results already given stay)."""
    if course.worker_id != worker.id:
        raise NotFoundError(course.uid)
    if course.consent is not None and course.consent.withdrawn_at is None:
        course.consent.withdrawn_at = utcnow()
        audit.record(worker, "consent.withdrawn", course, {"purpose": CONSENT_PURPOSE})
        _requeue_reminders(course)


def _requeue_reminders(course: CareCourse) -> None:
    from app.notifications.notices import drop_unsent

    for booking in bookings_of(course):
        if booking.status in (BookingStatus.REQUESTED.value, BookingStatus.CONFIRMED.value) \
                and booking.session.starts_at > utcnow():
            drop_unsent(mail.reminder_key(booking))
            mail.queue_reminder(booking)


def reminder_line(booking: Booking) -> str | None:
    """The line a reminder adds when the worker agreed to be asked in this course."""
    course = course_of(booking)
    if course is None or not course.measuring or course.closed_at is not None:
        return None
    return _("Before the session, please fill in two short questionnaires for your "
             "counsellor: %(url)s", url=mail.link(f"/courses/sessions/{booking.uid}"))


# -- measures before a session -----------------------------------------------------------------
def measured(booking: Booking) -> set[str]:
    """Instruments already filled for this booking."""
    return set(db.session.scalars(select(CourseMeasure.instrument).where(
        CourseMeasure.booking_id == booking.id)))


def window_open(booking: Booking, now: datetime) -> bool:
    """Whether the questionnaires of this booking's session may be filled now."""
    session = booking.session
    return (booking.status in BOOKED
            and session.starts_at - OPENS_BEFORE <= now <= session.ends_at)


def own_booking(worker: User, uid: str) -> tuple[Booking, CareCourse]:
    """The worker's own booking in a course; NotFoundError for anyone else's (nothing shown)."""
    booking = db.session.scalar(select(Booking).where(Booking.uid == uid,
                                                      Booking.user_id == worker.id))
    course = course_of(booking) if booking is not None else None
    if booking is None or course is None:
        raise NotFoundError(uid)
    return booking, course


def asked(booking: Booking, course: CareCourse, now: datetime) -> bool:
    """Whether the worker is asked now: consent, open window, not yet filled."""
    return (course.measuring and course.closed_at is None and window_open(booking, now)
            and measured(booking) != set(MEASURES))


@dataclass
class Filled:
    """What filling produced: the results, and a PHQ-9 result that needs the safety path."""

    results: dict[str, ScreeningResult] = field(default_factory=dict)
    crisis: ScreeningResult | None = None


def fill(worker: User, uid: str, answers: Mapping[str, Sequence[int | None]],
         now: datetime | None = None) -> Filled:
    """Save PHQ-9 and GAD-7 for one of the worker's sessions, in one transaction.

    NotFoundError for someone else's booking; CourseError (nothing saved) without consent,
    outside the window, when filled before or with an answer missing.
    """
    booking, course = own_booking(worker, uid)
    return _fill(worker, booking, course, answers, now or utcnow())


def checked_in_booking(counsellor: User, uid: str) -> tuple[Booking, CareCourse]:
    """A booked client of one of the counsellor's own sessions, in a course: the one whose
    questionnaires may be filled on the counsellor's device. NotFoundError otherwise (another
    counsellor's client, an admin, a cancelled or missed booking, a group session)."""
    booking = db.session.scalar(select(Booking).where(Booking.uid == uid))
    if (booking is None or booking.session.counsellor_id != counsellor.id
            or booking.status not in BOOKED):
        raise NotFoundError(uid)
    course = course_of(booking)
    if course is None:
        raise NotFoundError(uid)
    return booking, course


def fill_at_check_in(counsellor: User, uid: str,
                     answers: Mapping[str, Sequence[int | None]],
                     now: datetime | None = None) -> Filled:
    """The client fills this session's PHQ-9 and GAD-7 on their counsellor's device: saved
    exactly as their own pre-session measures (the same rules, the same safety path); the
    counsellor's hand in it is on record."""
    booking, course = checked_in_booking(counsellor, uid)
    return _fill(booking.user, booking, course, answers, now or utcnow(), by=counsellor)


def crisis_at(booking: Booking) -> ScreeningResult | None:
    """This session's own PHQ-9 when it called for the safety path (item 9 above 0)."""
    result = db.session.scalar(select(ScreeningResult).join(
        CourseMeasure, CourseMeasure.result_id == ScreeningResult.id).where(
        CourseMeasure.booking_id == booking.id, CourseMeasure.instrument == "phq9"))
    return result if result is not None and (result.data or {}).get("crisis") else None


def _fill(worker: User, booking: Booking, course: CareCourse,
          answers: Mapping[str, Sequence[int | None]], now: datetime,
          by: User | None = None) -> Filled:
    """The one home of saving a session's measures (the worker's own, or on the device of
    ``by``, their counsellor); commits, then the safety path for item 9 above 0."""
    from app.screening import services as screening

    if not course.measuring or course.closed_at is not None:
        raise CourseError(NO_CONSENT if course.closed_at is None else CLOSED)
    if measured(booking):
        raise CourseError(ALREADY)
    if not window_open(booking, now):
        raise CourseError(NOT_OPEN)
    instruments = {code: assessments.get(code) for code in MEASURES}
    for code, instrument in instruments.items():
        given = answers.get(code) or []
        if len(given) != len(instrument.items) or not all(
                item.accepts(value) for item, value in zip(instrument.items, given, strict=True)):
            raise CourseError(INCOMPLETE)
    filled = Filled()
    for code, instrument in instruments.items():
        saved = screening.record_result(worker, instrument, [int(v or 0) for v in answers[code]],
                                        {}, keep=True)
        db.session.add(CourseMeasure(course_id=course.id, booking_id=booking.id,
                                     instrument=code, result_id=saved.result.id,
                                     created_at=now))
        filled.results[code] = saved.result
        if (saved.result.data or {}).get("crisis"):
            filled.crisis = saved.result
    try:
        db.session.flush()
    except IntegrityError as exc:  # two tabs at once: the unique link lets one through
        db.session.rollback()
        raise CourseError(ALREADY) from exc
    if by is None:
        audit.record(worker, "course.measured", booking)
    else:
        audit.record(by, "course.measured_at_check_in", booking)
    db.session.commit()
    if filled.crisis is not None:
        _safety(worker, course, filled.crisis)
    return filled


def _safety(worker: User, course: CareCourse, result: ScreeningResult) -> None:
    """Item 9 above 0: the existing safety loop, at the course's centre (the course consent
    says the centre will contact them); the worker's own safety-contact consent first."""
    from app.screening import risk

    if risk.after_result(worker, result) is not None:
        return
    try:
        risk.open_risk_item(worker, result, course.centre, risk.result_triage(result)[0], "auto")
    except risk.RiskItemError:
        return  # already open, or the centre closed: the result page offers the lines


# -- scores and the chart --------------------------------------------------------------------
@dataclass(frozen=True)
class SessionScores:
    """One session of a course with what was filled before it."""

    booking: Booking
    day: date
    scores: dict[str, int]
    self_harm: bool


def series(course: CareCourse) -> list[SessionScores]:
    """The course's sessions that have any measure, oldest first (opens sealed results)."""
    rows = db.session.execute(
        select(CourseMeasure).where(CourseMeasure.course_id == course.id)).scalars().all()
    by_booking: dict[int, list[CourseMeasure]] = {}
    for row in rows:
        by_booking.setdefault(row.booking_id, []).append(row)
    out = []
    zone = local_zone()
    for measures in by_booking.values():
        booking = measures[0].booking
        scores, harm = {}, False
        for m in measures:
            data = m.result.data or {}
            scores[m.instrument] = int(data.get("total", 0))
            harm = harm or "self_harm" in data.get("flags", [])
        out.append(SessionScores(booking, booking.session.starts_at.astimezone(zone).date(),
                                 scores, harm))
    out.sort(key=lambda s: s.booking.session.starts_at)
    return out


def paired(points: list[SessionScores]) -> list[SessionScores]:
    """Sessions where both measures were filled (the basis of outcomes)."""
    return [p for p in points if all(code in p.scores for code in MEASURES)]


def flags(points: list[SessionScores]) -> dict[str, str]:
    """``{instrument: "worse" | "stuck"}`` for the measures not on track."""
    found = {}
    for code in MEASURES:
        reason = off_track(code, [p.scores[code] for p in points if code in p.scores])
        if reason:
            found[code] = reason
    return found


def read_chart(counsellor: User, uid: str) -> tuple[CareCourse, list[SessionScores]]:
    """A counsellor's own client's course with its scores; the read is audited."""
    course = counsellor_course(counsellor, uid)
    points = series(course)
    audit.record(counsellor, "course.chart_read", course, {"sessions": len(points)})
    db.session.commit()
    return course, points


# -- closing ---------------------------------------------------------------------------------
def quarter_of(when: datetime) -> str:
    """``YYYY-Qn`` in local time."""
    local = when.astimezone(local_zone())
    return f"{local.year}-Q{(local.month - 1) // 3 + 1}"


def _write_outcome(course: CareCourse, now: datetime) -> None:
    """The course's de-identified statistics row (same transaction as the close)."""
    from app.reports.models import NO_CENTRE, CourseOutcomeStat

    attended = [b for b in bookings_of(course) if b.status == BookingStatus.ATTENDED.value]
    requested = course.first_booking.created_at if course.first_booking else course.opened_at
    first_wait = second_wait = None
    if attended:
        first_wait = max(0, (attended[0].session.starts_at - requested).days)
    if len(attended) > 1:
        second_wait = max(0, (attended[1].session.starts_at
                              - attended[0].session.starts_at).days)
    both = paired(series(course))
    row = CourseOutcomeStat(quarter=quarter_of(now), centre_id=course.centre_id or NO_CENTRE,
                            days_to_first=first_wait, days_to_second=second_wait)
    if len(both) >= 2:
        result = outcome(both[0].scores, both[-1].scores)
        row.measured = 1
        row.caseness = int(result.caseness)
        row.recovered = int(result.recovered)
        row.improved = int(result.improved)
        row.reliably_recovered = int(result.reliably_recovered)
        row.deteriorated = int(result.deteriorated)
    db.session.add(row)


def _close(course: CareCourse, reason: str, now: datetime) -> bool:
    """Close with a conditional UPDATE (two clicks: one close, one statistics row)."""
    from sqlalchemy import update

    from app.types import rowcount

    changed = rowcount(db.session.execute(
        update(CareCourse).where(CareCourse.id == course.id, CareCourse.closed_at.is_(None))
        .values(closed_at=now, close_reason=reason)
        .execution_options(synchronize_session=False)))
    if not changed:
        return False
    db.session.refresh(course)
    _write_outcome(course, now)
    return True


def discharge(counsellor: User, uid: str, now: datetime | None = None) -> CareCourse:
    """The counsellor ends one of their own courses; the worker is offered the short
    experience questionnaire. Commits."""
    now = now or utcnow()
    course = counsellor_course(counsellor, uid)
    if not _close(course, "discharged", now):
        raise CourseError(CLOSED)
    audit.record(counsellor, "course.discharged", course)
    _offer_experience(course)
    db.session.commit()
    return course


def _offer_experience(course: CareCourse) -> None:
    from app.notifications.notices import Notice, deliver

    user = course.worker
    with force_locale(BABEL_CODES.get(user.locale or "zh_CN", "zh_Hans_CN")):
        subject = _("Your counselling at Xinqing has ended")
        url = mail.link(f"/courses/{course.uid}/experience")
        text = "\n\n".join([subject, _(
            "If you wish, tell us in two questions how it went: %(url)s. Your counsellor "
            "does not see who answered.", url=url)])
        deliver(user, Notice("course.discharged", subject=subject, text=text, link=url,
                             essential=False))


def lapse_weeks() -> int:
    """Weeks without a session after which a course closes (``COURSE_LAPSE_WEEKS``)."""
    return max(1, int(current_app.config.get("COURSE_LAPSE_WEEKS", DEFAULT_LAPSE_WEEKS)))


def close_lapsed(now: datetime | None = None) -> int:
    """Close courses with no session for ``lapse_weeks()`` (the periodic job); the count."""
    now = now or utcnow()
    cutoff = now - timedelta(weeks=lapse_weeks())
    closed = 0
    for course in db.session.scalars(select(CareCourse).where(
            CareCourse.closed_at.is_(None), CareCourse.opened_at < cutoff)).all():
        latest = max((b.session.starts_at for b in bookings_of(course)
                      if b.status not in (BookingStatus.CANCELLED.value,
                                          BookingStatus.LATE_CANCELLED.value)),
                     default=course.opened_at)
        if latest < cutoff and _close(course, "lapsed", now):
            audit.record(None, "course.lapsed", course)
            closed += 1
    db.session.commit()
    return closed


# -- the discharge questionnaire -------------------------------------------------------------
def give_experience(worker: User, uid: str, helped: int | None, recommend: str | None,
                    share: bool = False) -> None:
    """Two optional questions after discharge, counted without name or counsellor; with
    ``share`` (the worker's own tick, off by default) the answers are also kept, sealed
    under the worker's key, for their counsellor in this course to read."""
    from app.reports.models import NO_CENTRE, ExperienceStat

    course = worker_course(worker, uid)
    if course.closed_at is None:
        raise CourseError(_l("You can answer these questions when your course has ended."))
    if helped not in HELPED or recommend not in RECOMMEND:
        raise CourseError(NOT_OFFERED)
    from sqlalchemy import update

    from app.types import rowcount

    if not rowcount(db.session.execute(
            update(CareCourse).where(CareCourse.id == course.id,
                                     CareCourse.experience_given.is_(False))
            .values(experience_given=True).execution_options(synchronize_session=False))):
        raise CourseError(EXPERIENCE_DONE)
    db.session.add(ExperienceStat(quarter=quarter_of(course.closed_at),
                                  centre_id=course.centre_id or NO_CENTRE, helped=helped,
                                  recommend=recommend))
    if share:
        course.experience = {"helped": helped, "recommend": recommend}
    # That it was given and whether it is named, never what.
    audit.record(worker, "course.experience_given", course, {"shared": bool(share)})
    db.session.commit()


def export_courses(worker: User) -> list[dict[str, object]]:
    """"My data": each course with its dates and the scores filled before each session."""
    return [{
        "counsellor": course.counsellor.name, "centre": course.centre.name_zh,
        "opened_at": course.opened_at.isoformat(),
        "closed_at": course.closed_at.isoformat() if course.closed_at else None,
        "close_reason": course.close_reason, "asked_before_sessions": course.measuring,
        "answers_at_discharge_shown_to_counsellor": course.experience,
        "sessions": [{"date": p.day.isoformat(), **p.scores} for p in series(course)],
    } for course in worker_courses(worker)]


def audit_targets(worker: User) -> list[str]:
    """Audit references of the worker's courses (who read their chart, in their history)."""
    return [f"care_courses:{uid}" for uid in db.session.scalars(
        select(CareCourse.uid).where(CareCourse.worker_id == worker.id))]


def register() -> None:
    """Join the booking moves, the reminders and "My data" (from create_app; idempotent)."""
    from app.accounts import privacy
    from app.booking import transitions

    privacy.register_exporter("courses_of_care", export_courses)
    privacy.register_target_provider(audit_targets)

    if on_booking_move not in transitions.BOOKING_HOOKS:
        transitions.BOOKING_HOOKS.append(on_booking_move)
    if reminder_line not in mail.REMINDER_LINES:
        mail.REMINDER_LINES.append(reminder_line)
