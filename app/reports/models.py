"""De-identified statistics for reports: event rows and the roll-ups the pages read.

Nothing here names a person or an exact time. ``activity_stats`` holds one row per booking
or risk event (random key, month, centre, service, a coarse value); the two roll-up tables
hold counts per cell and are kept up to date in the same transaction as each event, so a
report costs in proportion to the cells it shows, never to the rows behind them.
"""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.types import new_uid

NO_CENTRE = 0  # roll-up key for "centre not known" (NULLs cannot be part of a primary key)


class ActivityStat(Model):
    """One de-identified booking or risk event: what happened, where, in which month."""

    __tablename__ = "activity_stats"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    event: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(String(7), index=True)  # "YYYY-MM"
    centre_id: Mapped[int] = mapped_column(Integer, default=NO_CENTRE)
    service: Mapped[str] = mapped_column(String(40), default="")
    # Whole days from request to session, or whole hours to resolve a risk item; else 0.
    value: Mapped[int] = mapped_column(Integer, default=0)
    # A booking event's session mode (in_person, phone, video); "" for other events.
    mode: Mapped[str] = mapped_column(String(10), default="", server_default="")


class ScreeningRollup(Model):
    """Screening results counted per cell; maintained as results arrive."""

    __tablename__ = "report_screening"
    # The primary key starts (instrument, month): it is the index every report query uses.

    instrument: Mapped[str] = mapped_column(String(20), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    band: Mapped[str] = mapped_column(String(30), primary_key=True)
    centre_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    age_band: Mapped[str] = mapped_column(String(20), primary_key=True)  # "" = not given
    sector: Mapped[str] = mapped_column(String(30), primary_key=True)    # "" = not given
    repeat: Mapped[int] = mapped_column(Integer, primary_key=True)       # 1: not the first
    n: Mapped[int] = mapped_column(Integer, default=0)


class ActivityRollup(Model):
    """Booking and risk events counted per cell, with the value as a histogram bucket."""

    __tablename__ = "report_activity"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    centre_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service: Mapped[str] = mapped_column(String(40), primary_key=True)
    event: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class PublishedCell(Model):
    """The pooled (publishable) screening cube of a finished month, kept once computed.

    Pooling only ever looks inside one instrument, month and band, and a finished month
    gets no new results, so its pooled cube never changes; keeping it makes a year's
    dashboard a read of pooled cells instead of a recomputation. ``k`` is part of the key,
    so changing the threshold never reuses cells pooled for another one.
    """

    __tablename__ = "report_published"

    k: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)  # "band" or "repeat"
    instrument: Mapped[str] = mapped_column(String(20), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    cls: Mapped[str] = mapped_column(String(30), primary_key=True)
    centre_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    age_band: Mapped[str] = mapped_column(String(20), primary_key=True)
    sector: Mapped[str] = mapped_column(String(30), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class PublishedMonth(Model):
    """Marks a finished month whose pooled cube is in ``report_published``."""

    __tablename__ = "report_published_months"

    k: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)


class LibraryUse(Model):
    """Self-help library use counted per item, month and kind of use ("read" or "listen").

    No person, centre, day or time: the library tracks no reader, only how much each item
    is used, so the centres know what helps (issue 19).
    """

    __tablename__ = "report_library_use"

    item_uid: Mapped[str] = mapped_column(String(32), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    event: Mapped[str] = mapped_column(String(10), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)


class CourseOutcomeStat(Model):
    """One closed course of care, de-identified (issue 17): the quarter it closed in, its
    centre, and yes/no outcomes; no person, counsellor, course or exact time, a random key.

    Written in the same transaction as the close (app/counselling/courses.py). ``measured``
    is 1 when the course had at least two sessions with both PHQ-9 and GAD-7; the outcome
    columns are 0 otherwise. The waits are whole days (None when there was no such session).
    """

    __tablename__ = "course_outcome_stats"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    quarter: Mapped[str] = mapped_column(String(7), index=True)  # "YYYY-Qn"
    centre_id: Mapped[int] = mapped_column(Integer, default=NO_CENTRE)
    measured: Mapped[int] = mapped_column(Integer, default=0)
    caseness: Mapped[int] = mapped_column(Integer, default=0)
    recovered: Mapped[int] = mapped_column(Integer, default=0)
    improved: Mapped[int] = mapped_column(Integer, default=0)
    reliably_recovered: Mapped[int] = mapped_column(Integer, default=0)
    deteriorated: Mapped[int] = mapped_column(Integer, default=0)
    days_to_first: Mapped[int | None] = mapped_column(Integer)
    days_to_second: Mapped[int | None] = mapped_column(Integer)


class ExperienceStat(Model):
    """One discharge questionnaire's answers, de-identified like ``FeedbackStat``."""

    __tablename__ = "experience_stats"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    quarter: Mapped[str] = mapped_column(String(7), index=True)
    centre_id: Mapped[int] = mapped_column(Integer, default=NO_CENTRE)
    helped: Mapped[int] = mapped_column(Integer)  # 1..5
    recommend: Mapped[str] = mapped_column(String(6))  # yes, no, unsure
