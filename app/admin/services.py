"""Administration rules: centres, services, staff accounts, scheduling, locking and signing out.

Each function takes the acting admin as its first argument, never touches the request or
the session, and refuses with ``AdminError``. The caller commits (or rolls back on a
refusal), except where noted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
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
from app.booking import meetings, profiles, scheduling
from app.booking.models import Centre, CentreKind, Service, Session
from app.domain import DomainError
from app.extensions import db
from app.i18n import BABEL_CODES
from app.notifications.notices import Notice, deliver
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
    _flush_or_code_taken()
    audit.record(actor, "service.saved", f"services:{target.id}")
    return target


# -- scheduling ------------------------------------------------------------------------------
# The one call into booking's scheduling rules (overlaps, buffers, leave): switch it here.
_schedule_session = scheduling.schedule_session


def schedule(actor: User, *, centre_id: int, service_id: int, counsellor_id: int,
             starts_at: datetime, room: str, capacity: int | None,
             room_en: str = "") -> Session:
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
    try:
        return _schedule_session(actor, centre=centre, service=service, counsellor=counsellor,
                                 starts_at=starts_at, room=room, capacity=capacity,
                                 room_en=room_en)
    except scheduling.SchedulingError as exc:
        raise AdminError(exc.message, field="start") from exc


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


# -- counsellor profiles -------------------------------------------------------------------
PROFILE_NOTE = _l("Say in 5 to 300 characters what should change.")


def pending_profile(uid: str) -> profiles.CounsellorProfile | None:
    """A profile with changes awaiting approval, by uid."""
    return next((p for p in profiles.pending_profiles() if p.uid == uid), None)


def approve_profile(actor: User, profile: profiles.CounsellorProfile) -> None:
    """Make a counsellor's submitted profile public (audited); the caller commits."""
    _require_admin(actor)
    try:
        profiles.publish(profile, actor)
    except profiles.ProfileError as exc:
        raise AdminError(exc.message) from exc
    audit.record(actor, "profile.approved", profile, {"counsellor": profile.user.uid})


def send_back_profile(actor: User, profile: profiles.CounsellorProfile, note: str) -> None:
    """Decline a submitted profile with a note for the counsellor (audited); caller commits."""
    _require_admin(actor)
    note = (note or "").strip()
    if not 5 <= len(note) <= 300:
        raise AdminError(PROFILE_NOTE, field="note")
    try:
        profiles.send_back(profile, note)
    except profiles.ProfileError as exc:
        raise AdminError(exc.message) from exc
    audit.record(actor, "profile.sent_back", profile, {"counsellor": profile.user.uid})
