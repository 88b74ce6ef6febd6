"""After a session: two optional questions, anonymous to the counsellor.

The answers go only into a de-identified statistics row (``FeedbackStat``: month, centre,
mode; no person, booking or counsellor), written in the same transaction as the marker that
the booking's feedback was given (``FeedbackGiven``, which holds no answer). So feedback is
asked once per session and nothing links an answer back to a person or a session.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.accounts.models import User
from app.booking.care_models import FeedbackGiven, FeedbackStat
from app.booking.models import Booking, BookingStatus
from app.booking.scheduling import local_zone
from app.domain import DomainError
from app.extensions import db

RATINGS = (1, 2, 3, 4, 5)
RECOMMEND = ("yes", "no", "unsure")
ALREADY = _l("You have already given feedback on this session. Thank you.")
NOT_YET = _l("You can give feedback after a session you attended.")
NOT_OFFERED = _l("Choose one of the options offered.")


class FeedbackError(DomainError):
    """Feedback refused (twice, too early, a value not offered); nothing was changed."""


def may_give(booking: Booking) -> bool:
    """Whether this booking's session was attended and its feedback not yet given."""
    return booking.status == BookingStatus.ATTENDED.value and db.session.scalar(
        select(FeedbackGiven.id).where(FeedbackGiven.booking_id == booking.id)) is None


def give(actor: User, booking: Booking, rating: int | None, recommend: str | None) -> None:
    """Record one session's feedback; the caller commits. ``actor`` must own the booking."""
    if booking.user_id != actor.id:
        raise LookupError(booking.uid)
    if booking.status != BookingStatus.ATTENDED.value:
        raise FeedbackError(NOT_YET)
    if rating not in RATINGS or recommend not in RECOMMEND:
        raise FeedbackError(NOT_OFFERED)
    if not may_give(booking):
        raise FeedbackError(ALREADY)
    session = booking.session
    db.session.add(FeedbackGiven(booking_id=booking.id))
    db.session.add(FeedbackStat(
        month=session.starts_at.astimezone(local_zone()).strftime("%Y-%m"),
        centre_id=session.centre_id, mode=session.meeting_mode, rating=rating,
        recommend=recommend))
    try:
        db.session.flush()  # two tabs at once: the unique marker lets one through
    except IntegrityError as exc:
        db.session.rollback()
        raise FeedbackError(ALREADY) from exc
    audit.record(actor, "feedback.given", booking)  # that it was given, never what
