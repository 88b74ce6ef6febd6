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
from app.booking import closures, meetings, profiles, scheduling
from app.booking.models import (
    Centre,
    CentreClosure,
    CentreKind,
    Event,
    EventKind,
    EventPlace,
    Room,
    Service,
    ServiceKind,
    Session,
    centre_staff,
)
from app.domain import DomainError
from app.extensions import db
from app.i18n import BABEL_CODES
from app.notifications.notices import Notice, deliver
from app.security.scope import Scope, centres_in_scope
from app.types import utcnow

CODE_TAKEN = _l("This code is already used.")
NOT_OFFERED = _l("Choose one of the options offered.")
NOT_ALLOWED = _l("Only an administrator may do this.")
VIDEO_ONLY = _l("Only a video service has a meeting address.")
CENTRE_FIELDS = ("code", "name_zh", "name_en", "region_zh", "region_en", "address_zh",
                 "address_en", "phone", "hours_zh", "hours_en", "directions_zh",
                 "directions_en", "active")
SERVICE_FIELDS = ("code", "kind", "mode", "meeting_url_template", "name_zh", "name_en",
                  "description_zh", "description_en",
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


class OutOfScopeError(AdminError):
    """The object lies outside the actor's centres: pages answer 404, as for a missing one."""

    def __init__(self) -> None:
        super().__init__(NOT_OFFERED)


def admin_scope(actor: User | None) -> Scope:
    """The centres ``actor`` administers (the hub's administrators: the whole network)."""
    return centres_in_scope(actor, Role.ADMIN)


def _require_admin(actor: User, *, centres: Iterable[int] | None = None,
                   network: bool = False) -> Scope:
    """Every change here is an administrator's, checked here too and not only by the view,
    and inside the actor's scope: ``centres`` all within it, or the whole network."""
    if actor is None or not actor.has_role(Role.ADMIN):
        raise AdminError(NOT_ALLOWED)
    scope = admin_scope(actor)
    if network and not scope.everywhere:
        raise OutOfScopeError()
    if centres is not None and not scope.covers_all(centres):
        raise OutOfScopeError()
    return scope


def require_admin(actor: User) -> Scope:
    """An administrator of somewhere; returns where (for rules kept in other admin modules)."""
    return _require_admin(actor)


def require_network_admin(actor: User) -> None:
    """Network-wide pages (the audit log, the key ring, new centres): the hub's admins only."""
    _require_admin(actor, network=True)


def person_centres(person: User) -> set[int | None]:
    """Where a staff member works or holds a staff role (None: a network-wide role)."""
    return _held(person) | {c.id for c in centres_of(person)}


def _held(person: User) -> set[int | None]:
    return {link.centre_id for link in person.role_links if link.role != Role.WORKER.value}


def _inside(scope: Scope, where: set[int | None]) -> bool:
    """Everything about a person lies in ``scope`` (a network-wide role: the hub's only)."""
    return scope.everywhere or (None not in where
                                and scope.covers_all(i for i in where if i is not None))


def manages(actor: User, person: User) -> bool:
    """True when ``person`` is staff entirely inside ``actor``'s scope (the hub: everyone)."""
    scope = admin_scope(actor)
    return person.is_staff and bool(scope) and _inside(scope, person_centres(person))


# -- look-ups ------------------------------------------------------------------------------
def staff_people(*roles: Role) -> list[User]:
    """Accounts holding any of ``roles`` (all staff roles when none are given), oldest first."""
    wanted = roles or tuple(STAFF_ROLES)
    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role.in_([r.value for r in wanted]))
        .distinct().order_by(User.id)).all())


def managed_staff(actor: User, *roles: Role) -> list[User]:
    """The staff ``actor`` manages (see ``manages``), oldest first; a few queries, however
    many staff (a network imports hundreds)."""
    scope = admin_scope(actor)
    people = staff_people(*roles)
    if scope.everywhere or not scope:
        return people if scope else []
    works: dict[int, set[int | None]] = {}
    for centre_id, user_id in db.session.execute(select(centre_staff.c.centre_id,
                                                        centre_staff.c.user_id)):
        works.setdefault(user_id, set()).add(centre_id)
    return [u for u in people if _inside(scope, _held(u) | works.get(u.id, set()))]


def staff_working_in(actor: User, *roles: Role) -> list[User]:
    """Staff holding ``roles`` who work at one of ``actor``'s centres (to schedule or assign)."""
    scope = admin_scope(actor)
    return [u for u in staff_people(*roles)
            if scope.everywhere or any(c.id in scope.centre_ids for c in centres_of(u))]


def staff_member(uid: str, actor: User | None = None) -> User | None:
    """The staff account with this public id; None for a worker, an unknown id, or (given
    ``actor``) someone outside the actor's scope."""
    user = accounts.find_by_uid(uid)
    if user is None or not user.is_staff:
        return None
    return user if actor is None or manages(actor, user) else None


def centres_in_reach(actor: User) -> list[Centre]:
    """The centres ``actor`` administers, the hub first."""
    scope = admin_scope(actor)
    return [c for c in all_centres() if scope.covers(c.id)]


def centre_for(actor: User, centre_id: int) -> Centre | None:
    """The centre, when ``actor`` administers it; None otherwise (the page answers 404)."""
    centre = db.session.get(Centre, centre_id)
    return centre if centre is not None and admin_scope(actor).covers(centre.id) else None


def service_in_reach(actor: User, service: Service) -> bool:
    """A service is the actor's when every centre offering it is (a county's own service)."""
    scope = admin_scope(actor)
    return scope.everywhere or scope.covers_all(c.id for c in service.centres)


def services_in_reach(actor: User) -> list[Service]:
    """The services ``actor`` may edit, oldest first."""
    return [s for s in all_services() if service_in_reach(actor, s)]


def service_for(actor: User, service_id: int) -> Service | None:
    """The service, when ``actor`` may edit it; None otherwise (the page answers 404)."""
    service = db.session.get(Service, service_id)
    return service if service is not None and service_in_reach(actor, service) else None


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
    """Create (``centre`` None) or update a centre; audited; the caller commits.

    A new centre is the hub's to make; a county admin edits their own centre, assigns the
    staff they manage and keeps the colleagues the hub assigned."""
    scope = _require_admin(actor, network=centre is None,
                           centres=None if centre is None else [centre.id])
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
        chosen = [u for u in (db.session.get(User, i) for i in changes.staff_ids)
                  if u is not None and u.is_staff]
        if not scope.everywhere:
            choosable = {u.id for u in assignable_staff(actor)}
            kept = [u for u in target.staff if u.id not in choosable]
            chosen = kept + [u for u in chosen if u.id in choosable]
        target.staff = chosen
    _flush_or_code_taken()
    audit.record(actor, "centre.saved", f"centres:{target.id}")
    return target


def save_service(actor: User, service: Service | None, fields: Mapping[str, Any]) -> Service:
    """Create (``service`` None) or update a service and its booking rules; the caller commits.

    A county admin edits only services their own centres alone offer, and a service they
    create is offered at their centres."""
    scope = _require_admin(actor)
    if service is not None and not service_in_reach(actor, service):
        raise OutOfScopeError()
    _code_free(Service, fields["code"], service)
    own = [c for c in all_centres() if scope.covers(c.id)]
    template = (fields.get("meeting_url_template") or "").strip()
    if template:
        if fields.get("mode") != "video":
            raise AdminError(VIDEO_ONLY, field="meeting_url_template")
        try:
            template = meetings.check_link(template, template=True)
        except meetings.MeetingError as exc:
            raise AdminError(exc.message, field="meeting_url_template") from exc
    fields = {**fields, "meeting_url_template": template,
              "mode": fields.get("mode") or "in_person"}
    target = service or Service()
    db.session.add(target)
    for name in SERVICE_FIELDS:
        value = fields.get(name)
        setattr(target, name, "" if value is None and name.startswith("description") else value)
    if service is None and not scope.everywhere:
        target.centres = own
    _flush_or_code_taken()
    audit.record(actor, "service.saved", f"services:{target.id}")
    return target


# -- scheduling ------------------------------------------------------------------------------
GROUP_KINDS = (ServiceKind.GROUP.value, ServiceKind.RELAXATION.value, ServiceKind.LECTURE.value)
# The one call into booking's scheduling rules (overlaps, buffers, leave): switch it here.
_schedule_session = scheduling.schedule_session


def schedule(actor: User, *, centre_id: int, service_id: int, counsellor_id: int,
             starts_at: datetime, room: str, capacity: int | None,
             room_en: str = "", room_id: int | None = None) -> Session:
    """Schedule one session (e.g. a group) through booking's rules; the caller commits.
    ``counsellor_id`` is the leader: a counsellor, or for a group a facilitator."""
    scope = _require_admin(actor)
    centre = db.session.get(Centre, centre_id)
    service = db.session.get(Service, service_id)
    counsellor = db.session.get(User, counsellor_id)
    if centre is None or not scope.covers(centre.id):
        raise AdminError(NOT_OFFERED, field="centre")
    if service is None:
        raise AdminError(NOT_OFFERED, field="service")
    if counsellor is None or not counsellor.has_role(Role.COUNSELLOR, Role.FACILITATOR):
        raise AdminError(NOT_OFFERED, field="counsellor")
    if not counsellor.has_role(Role.COUNSELLOR):
        # A facilitator (volunteer, group trainer) leads groups, relaxation training and
        # lectures at the centres they belong to; one-to-one counselling and assessment
        # are a counsellor's, as are their notes and results.
        if service.kind not in GROUP_KINDS:
            raise AdminError(_l("A facilitator leads group sessions, relaxation training "
                                "and lectures only. Choose a counsellor for this service."),
                             field="counsellor")
        if counsellor not in centre.staff:
            raise AdminError(_l("This facilitator does not work at this centre."),
                             field="counsellor")
    room_row = db.session.get(Room, room_id) if room_id else None
    if room_id and (room_row is None or room_row.centre_id != centre.id):
        raise AdminError(_l("Choose a room of this centre."), field="room_id")
    if not scope.everywhere and counsellor not in centre.staff:
        raise AdminError(NOT_OFFERED, field="counsellor")
    try:
        return _schedule_session(actor, centre=centre, service=service, counsellor=counsellor,
                                 starts_at=starts_at, room=room, capacity=capacity,
                                 room_en=room_en, room_row=room_row)
    except scheduling.SchedulingError as exc:
        raise AdminError(exc.message, field="start") from exc


# -- the network's calendar: closures and rooms ---------------------------------------------
# Every closure, room and event change names its centre, and ``_centre`` checks it against
# the actor's scope: a county admin reaches their own centre only.
def _centre(actor: User, centre_id: int | None) -> Centre:
    centre = db.session.get(Centre, centre_id) if centre_id else None
    if centre is None or not admin_scope(actor).covers(centre.id):
        raise AdminError(NOT_OFFERED, field="centre")
    return centre


def close_centre(actor: User, *, centre_id: int, first_day: date, last_day: date,
                 reason_zh: str, reason_en: str = "") -> closures.Closed:
    """Close a centre for whole days: its sessions then are called off and each booked
    person told once (booking's closures.py); the caller commits."""
    _require_admin(actor)
    centre = _centre(actor, centre_id)
    try:
        return closures.close_centre(actor, centre, first_day, last_day, reason_zh, reason_en)
    except closures.ClosureError as exc:
        raise AdminError(exc.message, field="first_day") from exc


def closure_for(actor: User, closure_id: int) -> CentreClosure:
    """A closure not yet over of ``actor``'s centres; OutOfScopeError for any other."""
    _require_admin(actor)
    closure = db.session.get(CentreClosure, closure_id)
    if (closure is None or not admin_scope(actor).covers(closure.centre_id)
            or closure.ends_at <= utcnow()):
        raise OutOfScopeError()
    return closure


def change_closure(actor: User, closure: CentreClosure, *, first_day: date, last_day: date,
                   reason_zh: str, reason_en: str = "") -> closures.Closed:
    """Correct a closure's days or reason (booking's closures.py: newly covered sessions are
    called off, none is restored); the caller commits."""
    closure = closure_for(actor, closure.id)
    try:
        return closures.change_closure(actor, closure, first_day, last_day, reason_zh,
                                       reason_en)
    except closures.ClosureError as exc:
        raise AdminError(exc.message, field="first_day") from exc


def remove_closure(actor: User, closure: CentreClosure) -> None:
    """Open the days again; sessions already called off stay so. The caller commits."""
    closures.remove_closure(actor, closure_for(actor, closure.id))


def load_holidays(actor: User, name: str, centre_id: int | None) -> closures.Loaded:
    """Close one of ``actor``'s centres (or, with no centre, all of them) on each holiday of
    a shipped calendar file; audited per closure. The caller commits."""
    scope = _require_admin(actor)
    if centre_id:
        centres = [_centre(actor, centre_id)]
    else:
        centres = [c for c in db.session.scalars(select(Centre).where(
            Centre.active.is_(True)).order_by(Centre.id)) if scope.covers(c.id)]
    try:
        report = closures.load_calendar(closures.read_calendar(name), centres)
    except closures.ClosureError as exc:
        raise AdminError(exc.message, field="calendar") from exc
    audit.record(actor, "closure.calendar_loaded", None,
                 {"file": name, "centres": len(centres), "created": report.created})
    return report


def upcoming_closures(actor: User) -> list[CentreClosure]:
    """Closures not yet over of the centres ``actor`` administers, soonest first."""
    scope = admin_scope(actor)
    return [c for c in closures.upcoming() if scope.covers(c.centre_id)]


def rooms(actor: User) -> list[Room]:
    """The rooms of the centres ``actor`` administers, by centre then name."""
    scope = admin_scope(actor)
    return [r for r in db.session.scalars(select(Room).order_by(Room.centre_id, Room.name_zh))
            if scope.covers(r.centre_id)]


def save_room(actor: User, room: Room | None, *, centre_id: int, name_zh: str, name_en: str,
              capacity: int, accessible: bool, active: bool = True) -> Room:
    """Create or change a room of a centre (audited); the caller commits."""
    _require_admin(actor)
    centre = _centre(actor, centre_id)
    if room is not None and not admin_scope(actor).covers(room.centre_id):
        raise OutOfScopeError()
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
    scope = _require_admin(actor)
    centre = _centre(actor, plan.centre_id)
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
    if not scope.everywhere and leader not in centre.staff:
        raise AdminError(NOT_OFFERED, field="leader")
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


def event_leaders(actor: User) -> list[User]:
    """Counsellors and facilitators who may lead ``actor``'s events (at their centres)."""
    return staff_working_in(actor, Role.COUNSELLOR, Role.FACILITATOR)


# -- staff accounts ----------------------------------------------------------------------------
Assignment = tuple[Role, int]  # a staff role held at one centre


def assignable_staff(actor: User) -> list[User]:
    """Counsellors and social workers ``actor`` may assign to a centre they administer."""
    wanted = (Role.COUNSELLOR, Role.SOCIAL_WORKER)
    if admin_scope(actor).everywhere:
        return staff_people(*wanted)
    ids = {u.id for u in managed_staff(actor, *wanted)}
    ids |= {u.id for u in staff_working_in(actor, *wanted)}
    return [u for u in staff_people(*wanted) if u.id in ids]


def parse_assignments(values: Iterable[str]) -> list[Assignment]:
    """Form values ``role:centre_id`` as pairs; anything else is refused."""
    pairs = []
    for value in values:
        role, _sep, centre = str(value).partition(":")
        if role not in {r.value for r in STAFF_ROLES} or not centre.isdigit():
            raise AdminError(NOT_OFFERED, field="assignments")
        pairs.append((Role(role), int(centre)))
    return list(dict.fromkeys(pairs))


def _checked_assignments(actor: User, assignments: Iterable[Assignment]) -> list[Assignment]:
    """At least one role, each at a centre inside the actor's scope."""
    pairs = list(dict.fromkeys((Role(r), int(c)) for r, c in assignments))
    if not pairs or any(r not in STAFF_ROLES for r, _c in pairs):
        raise AdminError(_l("Choose at least one role at a centre."), field="assignments")
    scope = admin_scope(actor)
    known = {c.id for c in all_centres()}
    if any(c not in known or not scope.covers(c) for _r, c in pairs):
        raise AdminError(NOT_OFFERED, field="assignments")
    return pairs


def _set_workplaces(staff: User, centre_ids: set[int]) -> bool:
    """Make ``staff`` work exactly at ``centre_ids`` (booking's list of a centre's staff)."""
    before = {c.id for c in centres_of(staff)}
    if before == centre_ids:
        return False
    for centre in db.session.scalars(select(Centre).where(Centre.id.in_(before - centre_ids))):
        centre.staff.remove(staff)
    for centre in db.session.scalars(select(Centre).where(Centre.id.in_(centre_ids - before))):
        centre.staff.append(staff)
    return True


def create_staff(actor: User, *, email: str, phone: str | None, name: str, password: str,
                 roles: Iterable[Role | str] = (), centre_ids: Iterable[int] = (),
                 assignments: Iterable[Assignment] | None = None) -> User:
    """Create a staff account holding each role at its centre (committed, audited).

    ``assignments`` are (role, centre) pairs; or every one of ``roles`` at every one of
    ``centre_ids``. A county admin creates staff for their own centres only.
    """
    _require_admin(actor)
    pairs = _checked_assignments(actor, assignments if assignments is not None else
                                 [(Role(r), c) for r in roles for c in centre_ids])
    try:
        user = accounts.create_staff(email=email, phone=phone, name=name, password=password,
                                     roles=sorted({r for r, _c in pairs}), actor=actor,
                                     centre_ids=sorted({c for _r, c in pairs}))
    except accounts.AccountError as exc:
        raise AdminError.from_account(exc) from exc
    _set_roles(user, pairs)
    _set_workplaces(user, {c for _r, c in pairs})
    db.session.commit()
    return user


def _set_roles(staff: User, pairs: list[Assignment]) -> bool:
    """Hold exactly these staff roles at these centres (a worker role stays)."""
    held = {(Role(link.role), link.centre_id) for link in staff.role_links
            if Role(link.role) in STAFF_ROLES}
    if held == set(pairs):
        return False
    staff.role_links = [link for link in staff.role_links
                        if Role(link.role) not in STAFF_ROLES
                        or (Role(link.role), link.centre_id) in set(pairs)]
    for role, centre_id in pairs:
        staff.grant(role, centre_id)
    return True


def update_staff(actor: User, staff: User, *, name: str, email: str, phone: str | None,
                 roles: Iterable[Role | str] = (), centre_ids: Iterable[int] = (),
                 assignments: Iterable[Assignment] | None = None) -> list[str]:
    """Correct a staff member's name, contact, and roles at centres; returns what changed.

    ``assignments`` as for ``create_staff``. Audited with the names of the changed fields
    (never their values) and committed. An admin cannot take away their own administrator
    role (nobody could give it back); a county admin edits only staff wholly within their
    centres (``OutOfScopeError`` otherwise).
    """
    _require_admin(actor)
    if not manages(actor, staff):
        raise OutOfScopeError()
    pairs = _checked_assignments(actor, assignments if assignments is not None else
                                 [(Role(r), c) for r in roles for c in centre_ids])
    if staff.id == actor.id and not any(r == Role.ADMIN for r, _c in pairs):
        raise AdminError(_l("You cannot remove your own administrator role."),
                         field="assignments")
    try:
        changed = credentials.set_contact(staff, email, phone)
    except accounts.AccountError as exc:
        raise AdminError.from_account(exc) from exc
    clean_name = (name or "").strip() or None
    if clean_name != staff.name:
        staff.name = clean_name
        changed.append("name")
    if _set_roles(staff, pairs):
        changed.append("roles")
    if _set_workplaces(staff, {c for _r, c in pairs}):
        changed.append("centres")
    if not changed:
        return []
    audit.record(actor, "account.staff_updated", staff,
                 {"fields": sorted(changed),
                  "roles": sorted({r.value for r, _c in pairs}),
                  "centres": sorted({c for _r, c in pairs})})
    try:
        db.session.commit()
    except IntegrityError:  # someone took the address between the check and the commit
        db.session.rollback()
        raise AdminError(accounts.DUPLICATE, field="email") from None
    return sorted(changed)


def set_locked(actor: User, staff: User, locked: bool) -> None:
    """Lock (or unlock) a staff account; locking signs it out everywhere. Committed."""
    _require_admin(actor)
    if not manages(actor, staff):
        raise OutOfScopeError()
    if staff.id == actor.id:
        raise AdminError(_l("You cannot lock your own account."))
    accounts.set_locked(actor, staff, locked)


def end_sessions(actor: User, staff: User) -> None:
    """Sign a staff member out on every device (e.g. a lost phone). Committed."""
    _require_admin(actor)
    if not manages(actor, staff):
        raise OutOfScopeError()
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
    if not manages(actor, staff):
        raise OutOfScopeError()
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


# -- counsellor profiles -------------------------------------------------------------------
PROFILE_NOTE = _l("Say in 5 to 300 characters what should change.")


def pending_profiles(actor: User) -> list[profiles.CounsellorProfile]:
    """Profiles awaiting approval of the counsellors ``actor`` manages (a county admin:
    their own centre's)."""
    return [p for p in profiles.pending_profiles() if manages(actor, p.user)]


def pending_profile(actor: User, uid: str) -> profiles.CounsellorProfile | None:
    """A profile with changes awaiting ``actor``'s approval, by uid."""
    return next((p for p in pending_profiles(actor) if p.uid == uid), None)


def approve_profile(actor: User, profile: profiles.CounsellorProfile) -> None:
    """Make a counsellor's submitted profile public (audited); the caller commits."""
    _require_admin(actor)
    if not manages(actor, profile.user):
        raise OutOfScopeError()
    try:
        profiles.publish(profile, actor)
    except profiles.ProfileError as exc:
        raise AdminError(exc.message) from exc
    audit.record(actor, "profile.approved", profile, {"counsellor": profile.user.uid})


def send_back_profile(actor: User, profile: profiles.CounsellorProfile, note: str) -> None:
    """Decline a submitted profile with a note for the counsellor (audited); caller commits."""
    _require_admin(actor)
    if not manages(actor, profile.user):
        raise OutOfScopeError()
    note = (note or "").strip()
    if not 5 <= len(note) <= 300:
        raise AdminError(PROFILE_NOTE, field="note")
    try:
        profiles.send_back(profile, note)
    except profiles.ProfileError as exc:
        raise AdminError(exc.message) from exc
    audit.record(actor, "profile.sent_back", profile, {"counsellor": profile.user.uid})
