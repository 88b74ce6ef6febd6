"""Administration rules: centres, services, staff accounts, scheduling, locking and signing out.

Each function takes the acting admin as its first argument, never touches the request or
the session, and refuses with ``AdminError``. The caller commits (or rolls back on a
refusal), except where noted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.accounts import credentials
from app.accounts import services as accounts
from app.accounts.models import STAFF_ROLES, Role, User, UserRole
from app.booking import closures, scheduling
from app.booking.models import (
    Centre,
    CentreClosure,
    CentreKind,
    Event,
    EventKind,
    EventPlace,
    Room,
    Service,
    Session,
)
from app.domain import DomainError
from app.extensions import db
from app.i18n import BABEL_CODES
from app.notifications.notices import Notice, deliver
from app.types import utcnow

CODE_TAKEN = _l("This code is already used.")
NOT_OFFERED = _l("Choose one of the options offered.")
NOT_ALLOWED = _l("Only an administrator may do this.")
CENTRE_FIELDS = ("code", "name_zh", "name_en", "region_zh", "region_en", "address_zh",
                 "address_en", "phone", "hours_zh", "hours_en", "directions_zh",
                 "directions_en", "active")
SERVICE_FIELDS = ("code", "kind", "name_zh", "name_en", "description_zh", "description_en",
                  "duration_minutes", "capacity", "requires_confirmation",
                  "cancellation_window_hours", "min_notice_hours", "horizon_days",
                  "buffer_minutes", "active")


class AdminError(DomainError):
    """An administrative change refused; ``errors`` maps form fields to messages.

    ``message`` is the first message; ``field`` is its field, or None when the refusal
    belongs to no field (then the page shows it as a notice).
    """

    def __init__(self, message: object, field: str | None = None,
                 errors: Mapping[str, object] | None = None) -> None:
        super().__init__(message)
        self.errors: dict[str, object] = dict(errors or ({field: message} if field else {}))

    @property
    def field(self) -> str | None:
        """The form field the (first) message belongs to."""
        return next(iter(self.errors), None)

    @classmethod
    def from_account(cls, exc: accounts.AccountError) -> AdminError:
        """The same refusal, field by field, as an admin error."""
        return cls(exc.message, errors=exc.errors)


def _require_admin(actor: User) -> None:
    """Every change here is an administrator's, checked here too and not only by the view."""
    if actor is None or not actor.has_role(Role.ADMIN):
        raise AdminError(NOT_ALLOWED)


# -- look-ups ------------------------------------------------------------------------------
def staff_people(*roles: Role) -> list[User]:
    """Accounts holding any of ``roles`` (all staff roles when none are given), oldest first."""
    wanted = roles or tuple(STAFF_ROLES)
    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role.in_([r.value for r in wanted]))
        .distinct().order_by(User.id)).all())


def staff_member(uid: str) -> User | None:
    """The staff account with this public id; None for a worker or an unknown id."""
    user = accounts.find_by_uid(uid)
    return user if user is not None and user.is_staff else None


def centres_of(user: User) -> list[Centre]:
    """The centres ``user`` works at."""
    return list(db.session.scalars(select(Centre).where(Centre.staff.any(User.id == user.id))
                                   .order_by(Centre.id)))


def all_centres() -> list[Centre]:
    """Every centre, open or closed: the hub first, then the county centres."""
    return list(db.session.scalars(select(Centre).order_by(Centre.parent_id.is_not(None),
                                                           Centre.id)))


def all_services() -> list[Service]:
    """Every service, open or closed, oldest first."""
    return list(db.session.scalars(select(Service).order_by(Service.id)))


def hubs() -> list[Centre]:
    """The city hub(s): the centres a new centre may belong to."""
    return list(db.session.scalars(select(Centre).where(Centre.kind == CentreKind.HUB.value)
                                   .order_by(Centre.id)))


# -- centres and services --------------------------------------------------------------------
def _code_free(model: type[Centre] | type[Service], code: str, existing: Any) -> None:
    query = select(model.id).where(model.code == code)
    if existing is not None:
        query = query.where(model.id != existing.id)
    if db.session.scalar(query) is not None:
        raise AdminError(CODE_TAKEN, field="code")


def _flush_or_code_taken() -> None:
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent admin took the code
        db.session.rollback()
        raise AdminError(CODE_TAKEN, field="code") from None


def _parent(centre: Centre | None, parent_id: int | None) -> Centre | None:
    """The hub a centre belongs to; "1+N" allows one hub, so a second one is refused."""
    others = [c for c in hubs() if centre is None or c.id != centre.id]
    if not parent_id:
        if others:
            raise AdminError(NOT_OFFERED, field="parent")
        return None
    parent = next((c for c in others if c.id == parent_id), None)
    if parent is None:
        raise AdminError(NOT_OFFERED, field="parent")
    return parent


@dataclass(frozen=True)
class CentreChanges:
    """What an admin set on a centre: its fields, its hub, its services and staff."""

    fields: Mapping[str, Any]
    parent_id: int | None
    service_ids: Iterable[int]
    staff_ids: Iterable[int]


def save_centre(actor: User, centre: Centre | None, changes: CentreChanges) -> Centre:
    """Create (``centre`` None) or update a centre; audited; the caller commits."""
    _require_admin(actor)
    fields = changes.fields
    _code_free(Centre, fields["code"], centre)
    parent = _parent(centre, changes.parent_id)
    target = centre or Centre()
    db.session.add(target)
    for name in CENTRE_FIELDS:
        value = fields.get(name)
        setattr(target, name, "" if value is None and name.startswith("directions") else value)
    target.parent_id = parent.id if parent else None
    target.kind = (CentreKind.COUNTY if parent else CentreKind.HUB).value
    with db.session.no_autoflush:
        target.services = [s for s in (db.session.get(Service, i) for i in changes.service_ids)
                           if s is not None]
        target.staff = [u for u in (db.session.get(User, i) for i in changes.staff_ids)
                        if u is not None and u.is_staff]
    _flush_or_code_taken()
    audit.record(actor, "centre.saved", f"centres:{target.id}")
    return target


def save_service(actor: User, service: Service | None, fields: Mapping[str, Any]) -> Service:
    """Create (``service`` None) or update a service and its booking rules; the caller commits."""
    _require_admin(actor)
    _code_free(Service, fields["code"], service)
    target = service or Service()
    db.session.add(target)
    for name in SERVICE_FIELDS:
        value = fields.get(name)
        setattr(target, name, "" if value is None and name.startswith("description") else value)
    _flush_or_code_taken()
    audit.record(actor, "service.saved", f"services:{target.id}")
    return target


# -- scheduling ------------------------------------------------------------------------------
# The one call into booking's scheduling rules (overlaps, buffers, leave): switch it here.
_schedule_session = scheduling.schedule_session


def schedule(actor: User, *, centre_id: int, service_id: int, counsellor_id: int,
             starts_at: datetime, room: str, capacity: int | None,
             room_en: str = "", room_id: int | None = None) -> Session:
    """Schedule one session (e.g. a group) through booking's rules; the caller commits."""
    _require_admin(actor)
    centre = db.session.get(Centre, centre_id)
    service = db.session.get(Service, service_id)
    counsellor = db.session.get(User, counsellor_id)
    if centre is None:
        raise AdminError(NOT_OFFERED, field="centre")
    if service is None:
        raise AdminError(NOT_OFFERED, field="service")
    if counsellor is None or not counsellor.has_role(Role.COUNSELLOR):
        raise AdminError(NOT_OFFERED, field="counsellor")
    room_row = db.session.get(Room, room_id) if room_id else None
    if room_id and (room_row is None or room_row.centre_id != centre.id):
        raise AdminError(_l("Choose a room of this centre."), field="room_id")
    try:
        return _schedule_session(actor, centre=centre, service=service, counsellor=counsellor,
                                 starts_at=starts_at, room=room, capacity=capacity,
                                 room_en=room_en, room_row=room_row)
    except scheduling.SchedulingError as exc:
        raise AdminError(exc.message, field="start") from exc


# -- the network's calendar: closures and rooms ---------------------------------------------
# Scope (issue #18's per-centre roles) narrows these through ``_require_admin`` and the
# centre look-up below: every closure and room change names its centre here.
def _centre(centre_id: int | None) -> Centre:
    centre = db.session.get(Centre, centre_id) if centre_id else None
    if centre is None:
        raise AdminError(NOT_OFFERED, field="centre")
    return centre


def close_centre(actor: User, *, centre_id: int, first_day: date, last_day: date,
                 reason_zh: str, reason_en: str = "") -> closures.Closed:
    """Close a centre for whole days: its sessions then are called off and each booked
    person told once (booking's closures.py); the caller commits."""
    _require_admin(actor)
    centre = _centre(centre_id)
    try:
        return closures.close_centre(actor, centre, first_day, last_day, reason_zh, reason_en)
    except closures.ClosureError as exc:
        raise AdminError(exc.message, field="first_day") from exc


def upcoming_closures() -> list[CentreClosure]:
    """Closures of every centre not yet over, soonest first."""
    return closures.upcoming()


def rooms() -> list[Room]:
    """Every room, by centre then name."""
    return list(db.session.scalars(select(Room).order_by(Room.centre_id, Room.name_zh)))


def save_room(actor: User, room: Room | None, *, centre_id: int, name_zh: str, name_en: str,
              capacity: int, accessible: bool, active: bool = True) -> Room:
    """Create or change a room of a centre (audited); the caller commits."""
    _require_admin(actor)
    centre = _centre(centre_id)
    if not (name_zh or "").strip():
        raise AdminError(_l("Give the room's name in Chinese."), field="name_zh")
    if capacity is None or capacity < 1:
        raise AdminError(_l("Capacity must be at least 1."), field="capacity")
    target = room or Room()
    target.centre_id, target.name_zh, target.name_en = centre.id, name_zh.strip(), \
        (name_en or "").strip()
    target.capacity, target.accessible, target.active = capacity, bool(accessible), active
    try:
        with db.session.begin_nested():
            db.session.add(target)
    except IntegrityError:
        raise AdminError(_l("This centre already has a room of this name."),
                         field="name_zh") from None
    audit.record(actor, "room.saved", f"rooms:{target.id}", {"centre": centre.code})
    return target


# -- events ------------------------------------------------------------------------------------
EVENT_TEXT_FIELDS = ("title_zh", "title_en", "description_zh", "description_en", "speaker",
                     "audience_zh", "audience_en", "site_zh", "site_en", "online_url")


@dataclass(frozen=True)
class EventPlan:
    """What an admin fills in for a new event (times are aware datetimes)."""

    centre_id: int
    service_id: int
    leader_id: int
    starts_at: datetime
    opens_at: datetime
    closes_at: datetime
    kind: str
    place: str
    capacity: int | None = None
    room_id: int | None = None
    tags: str = ""
    texts: Mapping[str, str] | None = None


def _tags(raw: str) -> str:
    parts = [t.strip().lower() for t in raw.replace("，", ",").split(",")]
    return ",".join(dict.fromkeys(t[:30] for t in parts if t))[:200]


def create_event(actor: User, plan: EventPlan) -> Event:
    """Schedule an event: its session through booking's rules (leader free, room free,
    centre open), then its public details. The leader is a counsellor or a facilitator of
    the centre's network; the caller commits."""
    _require_admin(actor)
    centre = _centre(plan.centre_id)
    service = db.session.get(Service, plan.service_id)
    leader = db.session.get(User, plan.leader_id)
    texts = {k: (v or "").strip() for k, v in (plan.texts or {}).items()}
    if service is None:
        raise AdminError(NOT_OFFERED, field="service")
    if leader is None or not leader.has_role(Role.COUNSELLOR, Role.FACILITATOR):
        raise AdminError(NOT_OFFERED, field="leader")
    if not leader.has_role(Role.COUNSELLOR) and leader not in centre.staff:
        # Volunteers lead at the centres they belong to (the centre's staff list).
        raise AdminError(_l("This facilitator does not work at this centre."), field="leader")
    if plan.kind not in set(EventKind):
        raise AdminError(NOT_OFFERED, field="kind")
    if plan.place not in set(EventPlace):
        raise AdminError(NOT_OFFERED, field="place")
    if not texts.get("title_zh"):
        raise AdminError(_l("Give the title in Chinese."), field="title_zh")
    if plan.place == EventPlace.SITE and not texts.get("site_zh"):
        raise AdminError(_l("Give the workplace's address."), field="site_zh")
    online = texts.get("online_url", "")
    if plan.place == EventPlace.ONLINE and not online.startswith("https://"):
        raise AdminError(_l("Give the link to join, starting with https://."),
                         field="online_url")
    if not plan.opens_at < plan.closes_at <= plan.starts_at:
        raise AdminError(_l("Registration must open before it closes, and close no later "
                            "than the start."), field="closes_hours_before")
    room_row = db.session.get(Room, plan.room_id) if plan.room_id else None
    if plan.room_id and (room_row is None or room_row.centre_id != centre.id):
        raise AdminError(_l("Choose a room of this centre."), field="room_id")
    try:
        session = _schedule_session(actor, centre=centre, service=service, counsellor=leader,
                                    starts_at=plan.starts_at, room="", capacity=plan.capacity,
                                    room_row=room_row)
    except scheduling.SchedulingError as exc:
        raise AdminError(exc.message, field="start") from exc
    event = Event(session_id=session.id, kind=plan.kind, place=plan.place,
                  registration_opens_at=plan.opens_at, registration_closes_at=plan.closes_at,
                  tags=_tags(plan.tags), **{k: texts.get(k, "") for k in EVENT_TEXT_FIELDS})
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "event.created", f"events:{event.uid}",
                 {"centre": centre.code, "kind": plan.kind})
    return event


def event_leaders() -> list[User]:
    """Counsellors and facilitators, who may lead events."""
    return staff_people(Role.COUNSELLOR, Role.FACILITATOR)


# -- staff accounts ----------------------------------------------------------------------------
def create_staff(actor: User, *, email: str, phone: str | None, name: str, password: str,
                 roles: Iterable[Role | str]) -> User:
    """Create a staff account (committed, audited)."""
    _require_admin(actor)
    try:
        return accounts.create_staff(email=email, phone=phone, name=name, password=password,
                                     roles=roles, actor=actor)
    except accounts.AccountError as exc:
        raise AdminError.from_account(exc) from exc


def update_staff(actor: User, staff: User, *, name: str, email: str, phone: str | None,
                 roles: Iterable[Role | str], centre_ids: Iterable[int]) -> list[str]:
    """Correct a staff member's name, contact, roles and centres; returns what changed.

    Audited with the names of the changed fields (never their values) and committed. An
    admin cannot take away their own administrator role (nobody could give it back).
    """
    _require_admin(actor)
    wanted = {Role(r) for r in roles}
    if not wanted or not wanted <= set(STAFF_ROLES):
        raise AdminError(_l("Choose at least one role."), field="roles")
    if staff.id == actor.id and Role.ADMIN not in wanted:
        raise AdminError(_l("You cannot remove your own administrator role."), field="roles")
    centres = [c for c in (db.session.get(Centre, i) for i in centre_ids) if c is not None]
    try:
        changed = credentials.set_contact(staff, email, phone)
    except accounts.AccountError as exc:
        raise AdminError.from_account(exc) from exc
    clean_name = (name or "").strip() or None
    if clean_name != staff.name:
        staff.name = clean_name
        changed.append("name")
    held = {r for r in staff.roles if r in STAFF_ROLES}
    if held != wanted:
        for role in held - wanted:
            staff.revoke(role)
        for role in wanted - held:
            staff.grant(role)
        changed.append("roles")
    before = {c.id for c in centres_of(staff)}
    if before != {c.id for c in centres}:
        for centre in db.session.scalars(select(Centre).where(Centre.id.in_(before))):
            centre.staff.remove(staff)
        for centre in centres:
            if staff not in centre.staff:
                centre.staff.append(staff)
        changed.append("centres")
    if not changed:
        return []
    audit.record(actor, "account.staff_updated", staff,
                 {"fields": sorted(changed), "roles": sorted(r.value for r in wanted)})
    try:
        db.session.commit()
    except IntegrityError:  # someone took the address between the check and the commit
        db.session.rollback()
        raise AdminError(accounts.DUPLICATE, field="email") from None
    return sorted(changed)


def set_locked(actor: User, staff: User, locked: bool) -> None:
    """Lock (or unlock) a staff account; locking signs it out everywhere. Committed."""
    _require_admin(actor)
    if staff.id == actor.id:
        raise AdminError(_l("You cannot lock your own account."))
    accounts.set_locked(actor, staff, locked)


def end_sessions(actor: User, staff: User) -> None:
    """Sign a staff member out on every device (e.g. a lost phone). Committed."""
    _require_admin(actor)
    accounts.end_sessions(actor, staff)


# -- authenticator reset --------------------------------------------------------------------
MFA_RESET_HOLD = timedelta(hours=24)


def request_authenticator_reset(actor: User, staff: User,
                                now: datetime | None = None) -> datetime:
    """Hold a reset of ``staff``'s authenticator app for 24 hours and tell them by email and
    SMS; returns when it takes effect. Committed.

    The hold (rather than a second admin's approval) works with one admin per centre: if
    someone talked the admin into it, the real staff member signs in with password and
    authenticator before then, which cancels it (``app.accounts.mfa.verify``). Once due, the
    next password sign-in sets up a new authenticator (``app.accounts.mfa.apply_due_reset``).
    """
    _require_admin(actor)
    if not staff.is_staff:
        raise AdminError(NOT_OFFERED)
    if staff.id == actor.id:
        raise AdminError(_l("Another administrator must reset your own authenticator."))
    if not staff.mfa_enabled:
        raise AdminError(_l("This person has no authenticator yet: they set one up at their "
                            "next sign-in."))
    if staff.mfa_reset_due_at is not None:
        raise AdminError(_l("A reset of this person's authenticator is already waiting."))
    due = (now or utcnow()) + MFA_RESET_HOLD
    staff.mfa_reset_due_at = due
    audit.record(actor, "mfa.reset_requested", staff)
    base = current_app.config.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    with force_locale(BABEL_CODES.get(staff.locale or "zh_CN", "zh_Hans_CN")):
        subject = _("Your Xinqing authenticator will be reset in 24 hours")
        text = _("An administrator asked to reset the authenticator app of your Xinqing staff "
                 "account. In 24 hours you will set up a new one at your next sign-in.\n\n"
                 "If you did not ask for this, sign in now with your password and your "
                 "authenticator: that cancels the reset. Then tell your administrator.\n"
                 "%(link)s", link=f"{base}/account/login")
    deliver(staff, Notice("mfa.reset_requested", subject=subject, text=text,
                          link=f"{base}/account/login"))
    db.session.commit()
    return due
