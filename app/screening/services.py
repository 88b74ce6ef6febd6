"""The screening rules: scoring, saving, retrieval, sharing, the safety path and reminders.

Services take the acting user as an argument and never touch the request or session.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.orm import load_only

import assessments
from app import audit
from app.accounts.models import Consent, Role, User
from app.accounts.privacy import holds_consent
from app.booking.models import Centre, centre_staff
from app.domain import DomainError
from app.extensions import add_as_written, commit_keeping_loaded, db
from app.notifications.models import OutboxMessage
from app.screening.models import RiskItem, SafetyPlan, ScreeningResult, ScreeningStat
from app.security.crypto import get_crypto
from app.security.models import DataKey
from app.security.shredding import shred_data_keys
from app.types import new_uid, utcnow
from assessments import Instrument, Result

SharedT = TypeVar("SharedT", ScreeningResult, SafetyPlan)

CONSENT_PURPOSE = "health_data"
CONSENT_VERSION = "2026-11-1"
RETENTION = timedelta(days=30)
REMINDER_KIND = "screening_reminder"
REMINDER_WEEKS = (2, 4)
# Unambiguous letters and digits (no 0/O, 1/I/L): 16 of them carry 80 bits.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16


class ScreeningError(DomainError):
    """Input the worker can fix; ``field`` names the form field, ``message`` is translated."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field


# -- consent and profile -----------------------------------------------------------------
def has_health_consent(user: User) -> bool:
    """True when the person agreed to the current health-data text and has not withdrawn."""
    return holds_consent(user, CONSENT_PURPOSE, CONSENT_VERSION)


def give_health_consent(user: User) -> None:
    """Record the consent (who, purpose, text version, when) and commit."""
    if not has_health_consent(user):
        user.consents.append(Consent(purpose=CONSENT_PURPOSE, text_version=CONSENT_VERSION))
        audit.record(user, "screening.consent_given", user, {"version": CONSENT_VERSION})
        db.session.commit()


class Saving(Enum):
    """What becomes of this person's result: decided once per submission (one consent read)."""

    ANONYMOUS = "anonymous"  # signed out or not a worker: shown, kept on no account
    MUST_CHOOSE = "must_choose"  # a worker without the consent: agree, or answer anonymously
    KEPT = "kept"  # a worker who agreed: kept on their account


def saving_for(user: User | None) -> Saving:
    """Whether a result of this person is kept on their account, or they must choose first."""
    if not (user is not None and user.is_authenticated and user.has_role(Role.WORKER)):
        return Saving.ANONYMOUS
    return Saving.KEPT if has_health_consent(user) else Saving.MUST_CHOOSE


def update_profile(user: User, age_band: str | None, sector: str | None,
                   centre_id: int | None) -> None:
    """Store the optional profile; empty means "prefer not to say"."""
    from app.screening.profile import AGE_BAND_CODES, SECTOR_CODES

    user.age_band = age_band if age_band in AGE_BAND_CODES else None
    user.sector = sector if sector in SECTOR_CODES else None
    user.home_centre_id = centre_id if centre_id and db.session.get(Centre, centre_id) else None
    db.session.commit()


# -- scoring and saving ------------------------------------------------------------------
def questions(instrument: Instrument) -> list[tuple[str, Any]]:
    """Every question with its answer name: ``q1``... for scored items, ``x_<code>`` extras."""
    named: list[tuple[str, Any]] = [(f"q{item.number}", item) for item in instrument.items]
    return named + [(f"x_{q.code}", q) for q in instrument.extra_questions]


def unanswered(instrument: Instrument, chosen: Mapping[str, object]) -> list[str]:
    """Names of the questions whose answer is missing or not one of the printed options."""
    return [name for name, question in questions(instrument)
            if not question.accepts(chosen.get(name))]


def split_answers(instrument: Instrument, chosen: dict[str, int]
                  ) -> tuple[list[int], dict[str, int]]:
    """Complete answers as the scored list (item order) and the unscored extras by code."""
    answers = [chosen[f"q{item.number}"] for item in instrument.items]
    extra = {q.code: chosen[f"x_{q.code}"] for q in instrument.extra_questions}
    return answers, extra


def score(instrument: Instrument, answers: Sequence[int]) -> Result:
    """Score complete, validated answers (the form checked every item)."""
    return instrument.score(list(answers))


def _payload(result: Result, answers: Sequence[int], extra: dict[str, int]) -> dict[str, Any]:
    data = result.to_dict()
    data["answers"] = list(answers)
    data["extra"] = extra
    return data


def _hash_code(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return get_crypto().keyed_hash("screening-retrieval", normalised).hex()


def new_retrieval_code() -> str:
    """A random code like ``ABCD-EFGH-JKMN-PQRS``, easy to copy down from a phone."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def _stat_row(instrument: str, band: str, user: User | None, now: datetime,
              repeat: bool) -> dict[str, Any]:
    """The de-identified statistics row of a result: the person's profile only when given
    (with consent), the home centre's region from the cached network catalogue (read from
    the database only for a centre newer than this process's copy)."""
    from app.booking import catalogue

    centre: Any = None
    if user is not None and user.home_centre_id:
        centre = (catalogue.current().centre(user.home_centre_id)
                  or db.session.get(Centre, user.home_centre_id))
    return dict(
        id=new_uid(), instrument=instrument, band=band, month=now.strftime("%Y-%m"),
        centre_id=centre.id if centre else None, region=centre.region_en if centre else None,
        age_band=user.age_band if user is not None else None,
        sector=user.sector if user is not None else None, repeat=repeat,
    )


def _count_result(stat: dict[str, Any], result: Result, now: datetime,
                  conn: Connection) -> None:
    """Keep the report roll-ups in step with the result (same transaction, ``conn``)."""
    from app.reports import stats

    stats.record_screening(instrument=stat["instrument"], band=stat["band"],
                           month=stat["month"], centre_id=stat["centre_id"],
                           age_band=stat["age_band"], sector=stat["sector"],
                           repeat=stat["repeat"], conn=conn)
    if "self_harm" in result.flags:
        stats.record_activity(stats.FLAG, now, stat["centre_id"])


# Built once: the result (its id returned) and its statistics row, each one INSERT with
# its values as parameters, instead of the unit of work's flush of two new objects.
_RESULT_ROW = ScreeningResult.__table__.insert().returning(ScreeningResult.__table__.c.id)
_STAT_ROW = ScreeningStat.__table__.insert()
_results = ScreeningResult.__table__.c
# Whether the person has an earlier result of the questionnaire (the statistics' repeat).
_EARLIER = select(_results.id).where(
    _results.user_id == bindparam("user_id"),
    _results.instrument == bindparam("instrument")).limit(1)


@dataclass
class Saved:
    """What saving produced: the result, and the retrieval code when anonymous (shown once)."""

    result: ScreeningResult
    code: str | None = None
    uid: str = ""
    followup: bool = False  # risk.needs_followup(result), known before the commit
    crisis: bool = False  # an account's result with a crisis flag: the safety step runs


def save_result(user: User | None, instrument: Instrument, answers: Sequence[int],
                extra: dict[str, int], *, keep: bool) -> Saved:
    """Score and save a result and its statistics row in one transaction.

    ``keep`` (the person consented) links it to their account under their data key;
    otherwise it is anonymous, under a key of its own, reachable only by its code.
    """
    saved = record_result(user, instrument, answers, extra, keep=keep)
    # Every row written is as the session holds it (the result made persistent as written,
    # the statistics behind the ORM with no object): nothing loaded needs reading again.
    commit_keeping_loaded()
    if saved.crisis and user is not None:
        from app.screening import risk

        risk.after_result(user, saved.result)  # with the safety-contact consent: no click
    return saved


def record_result(user: User | None, instrument: Instrument, answers: Sequence[int],
                  extra: dict[str, int], *, keep: bool) -> Saved:
    """``save_result`` without the commit and the safety step, for a caller that stores
    more in the same transaction (a course's measures) and then runs the safety step."""
    result = score(instrument, answers)
    now = utcnow()
    owner = user if keep else None
    row = ScreeningResult(user=owner, instrument=instrument.code, version=result.version,
                          created_at=now, shared=False)
    code = None
    if owner is None:
        code = new_retrieval_code()
        row.retrieval_hash = _hash_code(code)
    payload = _payload(result, answers, extra)
    row.data = payload  # sealed under the owner's key, or the result's own new key
    key = row.encryption_key()
    if key is not None and key.id is None:  # a first key (anonymous, or a person's first)
        db.session.add(key)
        db.session.flush()
    # The transaction's connection: these statements are Core, the session layer adds nothing.
    conn = db.session.connection()
    repeat = owner is not None and conn.execute(_EARLIER, {
        "user_id": owner.id, "instrument": instrument.code}).first() is not None
    values = {"uid": row.uid, "user_id": owner.id if owner is not None else None,
              "data_key_id": row.own_key.id if row.own_key is not None else None,
              "instrument": row.instrument, "version": row.version, "created_at": now,
              "shared": False, "retrieval_hash": row.retrieval_hash,
              "data_ct": getattr(row, "data_ct")}  # noqa: B009 (declared by Encrypted)
    values["id"] = conn.execute(_RESULT_ROW, values).scalar_one()
    add_as_written(row, values)
    # Profile attributes count only with consent; otherwise the row is as bare as anonymous.
    stat = _stat_row(instrument.code, result.band, owner, now, repeat)
    conn.execute(_STAT_ROW, stat)
    _count_result(stat, result, now, conn)
    from app.screening import risk

    # Read before the commit expires the rows: reading them after it costs two SELECTs and
    # a decryption, which is most of what a submission otherwise spends after scoring.
    return Saved(row, code, uid=row.uid, followup=risk.needs_followup(row),
                 crisis=owner is not None and bool(payload.get("crisis")))


def find_by_code(code: str, now: datetime | None = None) -> ScreeningResult | None:
    """The anonymous result this code opens, if it is younger than 30 days."""
    if not code or len(code) > 40:
        return None
    now = now or utcnow()
    row = db.session.scalar(select(ScreeningResult).where(
        ScreeningResult.retrieval_hash == _hash_code(code)))
    if row is None or row.created_at < now - RETENTION:
        return None
    return row


def anonymous_result(uid: str, now: datetime | None = None) -> ScreeningResult | None:
    """An anonymous (not account-linked) result younger than 30 days, by its uid."""
    if not uid:
        return None
    row = db.session.scalar(select(ScreeningResult).where(
        ScreeningResult.uid == uid, ScreeningResult.user_id.is_(None)))
    if row is None or row.created_at < (now or utcnow()) - RETENTION:
        return None
    return row


def purge(now: datetime | None = None) -> int:
    """Delete anonymous results older than 30 days with their data keys; returns the count."""
    cutoff = (now or utcnow()) - RETENTION
    old = db.session.execute(
        select(ScreeningResult.id, ScreeningResult.data_key_id)
        .where(ScreeningResult.user_id.is_(None), ScreeningResult.created_at < cutoff)
    ).all()
    if not old:
        return 0
    db.session.execute(delete(ScreeningResult).where(
        ScreeningResult.id.in_([r.id for r in old])))
    keys = [r.data_key_id for r in old if r.data_key_id is not None]
    if keys:
        shred_data_keys(DataKey.id.in_(keys))
    db.session.commit()
    return len(old)


def view(row: ScreeningResult) -> dict[str, Any]:
    """The stored result as plain data for a template."""
    return dict(row.data)


# -- the owner's results -------------------------------------------------------------------
def own_result(user: User, uid: str) -> ScreeningResult | None:
    """The result with this uid when ``user`` owns it; None otherwise."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(ScreeningResult).where(
        ScreeningResult.uid == uid, ScreeningResult.user_id == user.id))


def history(user: User) -> dict[str, list[ScreeningResult]]:
    """The person's results per instrument, oldest first."""
    rows = db.session.scalars(select(ScreeningResult).where(
        ScreeningResult.user_id == user.id).order_by(ScreeningResult.created_at)).all()
    out: dict[str, list[ScreeningResult]] = {}
    for row in rows:
        out.setdefault(row.instrument, []).append(row)
    return out


# Built once with the person bound per call: composing these selects on every request cost
# about as much CPU as running them (bench/README.md, "Step 13f").
_MARKS = select(
    ScreeningResult.id, ScreeningResult.uid, ScreeningResult.instrument,
    ScreeningResult.created_at, ScreeningResult.shared,
    ScreeningResult.data_ct,  # type: ignore[attr-defined]  # declared by Encrypted
).where(ScreeningResult.user_id == bindparam("user_id")).order_by(ScreeningResult.created_at)


def history_marks(user: User) -> list[Any]:
    """What identifies each of the person's results as stored now, oldest first, without
    opening any: id, uid, instrument, time, shared flag and the sealed bytes (which change
    with every write of the result's data)."""
    return list(db.session.execute(_MARKS, {"user_id": user.id}))


def set_shared(user: User, row: ScreeningResult, shared: bool) -> None:
    """Let (or stop letting) counsellors of the person's home centre see this result."""
    row.shared = shared
    audit.record(user, "screening.shared" if shared else "screening.unshared", row)
    db.session.commit()


# -- counsellors ---------------------------------------------------------------------------
def centres_of(staff: User) -> list[Centre]:
    """The centres where this counsellor works."""
    return list(db.session.scalars(
        select(Centre).join(centre_staff, centre_staff.c.centre_id == Centre.id)
        .where(centre_staff.c.user_id == staff.id).order_by(Centre.id)))


def shared_results(counsellor: User) -> list[ScreeningResult]:
    """Results shared by workers whose home centre is one of the counsellor's (audited)."""
    ids = [c.id for c in centres_of(counsellor)]
    if not ids:
        return []
    rows = list(db.session.scalars(
        select(ScreeningResult).join(User, User.id == ScreeningResult.user_id)
        .where(ScreeningResult.shared.is_(True), User.home_centre_id.in_(ids))
        .order_by(ScreeningResult.created_at.desc())))
    audit.record(counsellor, "screening.shared_list", None, {"count": len(rows)})
    db.session.commit()
    return rows


def read_shared(counsellor: User, uid: str) -> ScreeningResult | None:
    """One shared result of a worker of the counsellor's centre; the read is audited."""
    return read_shared_row(counsellor, ScreeningResult, uid, "screening.shared_read")


def read_shared_row(counsellor: User, model: type[SharedT], uid: str,
                    action: str) -> SharedT | None:
    """The one rule for what a worker shared with counsellors (a result, a safety plan): the
    row is shared and its owner's home centre is one of the counsellor's. A read is audited."""
    ids = [c.id for c in centres_of(counsellor)]
    row = db.session.scalar(
        select(model).join(User, User.id == model.user_id)
        .where(model.uid == uid, model.shared.is_(True),
               User.home_centre_id.in_(ids or [-1])))
    if row is not None:
        audit.record(counsellor, action, row)
        db.session.commit()
    return row


# -- the safety path -------------------------------------------------------------------------
@dataclass(frozen=True)
class CrisisLine:
    """A confidential line offered with a crisis answer (pages and API alike; callers may pay
    normal call charges, and 400 numbers bill the caller)."""

    number: str          # as people read it
    dial: str            # for tel: links
    description: object  # translated
    urgent: bool = False  # police and ambulance, for immediate danger


def crisis_lines() -> list[CrisisLine]:
    """The lines offered with a crisis answer, in the order people should try them."""
    from flask_babel import lazy_gettext as _l

    danger = _l("If you or someone else is in immediate danger")
    return [
        CrisisLine("12356", "12356", _l("National psychological assistance hotline")),
        CrisisLine("0591-85666661", "059185666661",
                   _l("Fujian psychological assistance line, 24 hours")),
        CrisisLine("400-161-9995", "4001619995", _l("Hope 24 hotline, 24 hours")),
        CrisisLine("110", "110", danger, urgent=True),
        CrisisLine("120", "120", danger, urgent=True),
    ]


BEST_TIMES = ("morning", "afternoon", "evening", "any")


def request_contact(user: User | None, centre_id: int | None, phone: str | None,
                    use_account: bool, best_time: str,
                    source: ScreeningResult | None) -> RiskItem:
    """Check the form, then open a risk item for the chosen centre (risk.open_risk_item).

    Raises ScreeningError for a field to fix, risk.AlreadyOpenError for a second open item.
    """
    centre = db.session.get(Centre, centre_id) if centre_id else None
    if centre is None or not centre.active:
        raise ScreeningError("centre", _msg("Please choose a centre."))
    phone = (phone or "").strip()
    signed_in = user is not None and user.is_authenticated
    if use_account and user is not None and signed_in:
        phone = phone or user.phone or ""
        email = user.email or ""
    else:
        email = ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if phone and not (7 <= len(digits) <= 15 and all(ch in "0123456789 -+()" for ch in phone)):
        raise ScreeningError("phone", _msg("Please enter a phone number with 7 to 15 digits."))
    if not phone and not email:
        raise ScreeningError("phone", _msg(
            "Please give a phone number, or choose to use your account's contact."))
    if best_time not in BEST_TIMES:
        best_time = "any"
    from app.screening import risk

    level = risk.result_triage(source)[0] if source is not None and (
        source.data or {}).get("crisis") else "standard"
    return risk.open_risk_item(user if signed_in else None, source, centre, level, "request",
                               contact={"phone": phone, "email": email,
                                        "best_time": best_time})


def _msg(text: str) -> object:
    from flask_babel import lazy_gettext

    return lazy_gettext(text)


# -- re-screening reminders ---------------------------------------------------------------
def schedule_reminder(user: User, instrument: Instrument, weeks: int, *, subject: str,
                      text: str, now: datetime | None = None) -> OutboxMessage | None:
    """Queue a check-in (no health data in it) ``weeks`` from now, by email and/or SMS as the
    person's channels allow; None when they have no channel."""
    from app.notifications.notices import Notice, deliver

    if weeks not in REMINDER_WEEKS:
        raise ScreeningError("weeks", _msg("Please choose 2 or 4 weeks."))
    for old in pending_reminders(user):
        if old.dedupe_key and old.dedupe_key.split(":")[2] == instrument.code:
            _drop_reminder(old)  # one reminder per questionnaire: the new one wins
    db.session.flush()
    when = (now or utcnow()) + timedelta(weeks=weeks)
    key = f"screening-reminder:{user.uid}:{instrument.code}:{secrets.token_hex(6)}"
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    queued = deliver(user, Notice(REMINDER_KIND, subject=subject, text=text,
                                  link=f"{base}/screening/history", sms_template="reminder"),
                     send_after=when, dedupe_key=key)
    db.session.commit()
    return queued[0] if queued else None


def _drop_reminder(message: OutboxMessage) -> None:
    """Remove a reminder on every channel it was queued on."""
    from app.notifications.notices import drop_unsent

    if message.dedupe_key:
        drop_unsent(message.dedupe_key.removesuffix("#sms"))
    else:
        db.session.delete(message)


# Only the columns the history page and cancelling use; the rest load if touched.
_PENDING_REMINDERS = (
    select(OutboxMessage)
    .options(load_only(OutboxMessage.uid, OutboxMessage.dedupe_key, OutboxMessage.send_after))
    .where(OutboxMessage.user_id == bindparam("user_id"), OutboxMessage.kind == REMINDER_KIND,
           OutboxMessage.sent_at.is_(None), OutboxMessage.claimed_at.is_(None))
    .order_by(OutboxMessage.send_after, OutboxMessage.id))


def pending_reminders(user: User) -> list[OutboxMessage]:
    """Reminders not yet sent, one per reminder (its email or, without email, its SMS)."""
    rows = list(db.session.scalars(_PENDING_REMINDERS, {"user_id": user.id}))
    seen: set[str] = set()
    shown = []
    for row in rows:
        base = (row.dedupe_key or row.uid).removesuffix("#sms")
        if base not in seen:
            seen.add(base)
            shown.append(row)
    return shown


def cancel_reminder(user: User, uid: str) -> bool:
    """Cancel one of the person's unsent reminders (all channels); False when there is none."""
    for message in pending_reminders(user):
        if message.uid == uid:
            _drop_reminder(message)
            db.session.commit()
            return True
    return False


def reminder_instrument(message: OutboxMessage) -> str | None:
    """The questionnaire code a reminder is for (from its dedupe key, not its text)."""
    parts = (message.dedupe_key or "").split(":")
    return parts[2] if len(parts) > 2 else None


def instrument_or_none(code: str) -> Instrument | None:
    """The instrument with this code, or None."""
    try:
        return assessments.get(code)
    except KeyError:
        return None
