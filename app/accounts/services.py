"""Account rules: registration, authentication and staff accounts. No request objects here."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import audit
from app.accounts.contact import ContactError, normalise_email, normalise_login, normalise_phone
from app.accounts.models import Consent, Role, User
from app.domain import DomainError
from app.extensions import db
from app.security.crypto import get_crypto
from app.security.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from app.types import utcnow

PRIVACY_NOTICE_VERSION = "2026-11"
LANGUAGES = ("zh_CN", "en")


class AccountError(DomainError):
    """Rules refused the input; ``errors`` maps each form field to the message shown beside it.

    ``message`` is the first of them, for places that show a refusal without a form.
    """

    def __init__(self, errors: dict[str, object]) -> None:
        super().__init__(next(iter(errors.values()), ""))
        self.errors = errors


DUPLICATE = _l("An account with this phone number or email already exists. "
               "Sign in instead, or use another one.")


def email_index(email: str) -> str:
    """Blind index of a normalised email."""
    return get_crypto().blind_index("email", email)


def phone_index(phone: str) -> str:
    """Blind index of a normalised phone number."""
    return get_crypto().blind_index("phone", phone)


def find_by_login(login: str) -> User | None:
    """The account for an email or phone as typed, or None (also for unreadable input)."""
    try:
        kind, value = normalise_login(login)
    except ContactError:
        return None
    column, index = (
        (User.email_index, email_index(value)) if kind == "email"
        else (User.phone_index, phone_index(value))
    )
    return db.session.scalar(select(User).where(column == index))


def login_key(login: str) -> str:
    """A per-account key for rate limits that never holds the login itself."""
    try:
        kind, value = normalise_login(login)
    except ContactError:
        value, kind = (login or "").strip().lower(), "raw"
    return get_crypto().blind_index(f"login-limit/{kind}", value)[:32]


def _contact_taken(email_idx: str | None, phone_idx: str | None) -> bool:
    conditions = []
    if email_idx:
        conditions.append(User.email_index == email_idx)
    if phone_idx:
        conditions.append(User.phone_index == phone_idx)
    return bool(conditions) and db.session.scalar(
        select(User.id).where(or_(*conditions)).limit(1)
    ) is not None


def _new_user(*, email: str | None, phone: str | None, password: str, name: str | None,
              locale: str | None, roles: Iterable[Role | str], field: str,
              errors: dict[str, object],
              assignments: Iterable[tuple[Role | str, int | None]] = ()) -> User:
    """Check every rule, then add the user to the session.

    ``errors`` holds what earlier checks found; all problems are reported together and
    nothing is added when there is any.
    """
    problem = password_problem(password, avoid=tuple(v for v in (email, phone) if v))
    if problem:
        errors["password"] = problem
    e_idx = email_index(email) if email else None
    p_idx = phone_index(phone) if phone else None
    if (e_idx or p_idx) and _contact_taken(e_idx, p_idx):
        errors[field] = DUPLICATE
    if errors:
        raise AccountError(errors)
    user = User(
        email_index=e_idx, phone_index=p_idx, password_hash=hash_password(password),
        locale=locale if locale in LANGUAGES else None,
    )
    user.email, user.phone = email, phone
    user.name = (name or "").strip() or None
    for role in roles:
        user.grant(role)
    for role, centre_id in assignments:
        user.grant(role, centre_id)
    db.session.add(user)
    return user


def _commit_new(user: User, field: str) -> User:
    try:
        db.session.commit()
    except IntegrityError:
        # Someone registered the same contact between our check and this commit.
        db.session.rollback()
        raise AccountError({field: DUPLICATE}) from None
    return user


def register_worker(login: str, password: str, *, name: str | None = None,
                    locale: str | None = None, accepted_privacy_notice: bool = False) -> User:
    """Create a worker account from an email or mainland mobile number."""
    errors: dict[str, object] = {}
    kind, value = "", None
    try:
        kind, value = normalise_login(login)
    except ContactError as exc:
        errors["login"] = exc.message
    if not accepted_privacy_notice:
        errors["accept_privacy"] = _l("Please read and accept the privacy notice.")
    user = _new_user(
        email=value if kind == "email" else None, phone=value if kind == "phone" else None,
        password=password, name=name, locale=locale, roles=[Role.WORKER], field="login",
        errors=errors,
    )
    user.consents.append(Consent(purpose="privacy_notice", text_version=PRIVACY_NOTICE_VERSION))
    db.session.flush()
    audit.record(user, "account.registered", user)
    return _commit_new(user, "login")


def create_staff(*, email: str | None, password: str, roles: Iterable[Role | str],
                 phone: str | None = None, name: str | None = None, actor: User | None = None,
                 centre_ids: Iterable[int] = ()) -> User:
    """Create an account with roles (admin page or CLI): an email, a mobile number or both
    (``flask users create --phone`` without an email, for people who have none).

    Each role is held at each of ``centre_ids``; without centres, across the whole network
    (the first administrator, before the network has a hub)."""
    roles = [Role(r) for r in roles]
    where: list[int | None] = list(dict.fromkeys(centre_ids)) or [None]
    errors: dict[str, object] = {}
    if not roles:
        errors["roles"] = _l("Choose at least one role.")
    email_value = phone_value = None
    if not email and not phone:
        errors["email"] = _l("Give an email address or a mobile number.")
    try:
        email_value = normalise_email(email) if email else None
    except ContactError as exc:
        errors["email"] = exc.message
    try:
        phone_value = normalise_phone(phone) if phone else None
    except ContactError as exc:
        errors["phone"] = exc.message
    field = "email" if email else "phone"
    user = _new_user(email=email_value, phone=phone_value, password=password, name=name,
                     locale=None, roles=(), field=field, errors=errors,
                     assignments=[(r, c) for r in roles for c in where])
    db.session.flush()
    audit.record(actor, "account.staff_created", user,
                 {"roles": sorted(Role(r).value for r in roles),
                  "centres": sorted(c for c in where if c is not None)})
    return _commit_new(user, field)


def authenticate(login: str, password: str) -> User | None:
    """The active account matching both login and password, or None. Audits failures.

    A match is not yet a sign-in: the view calls ``complete_login`` once any second
    factor has been checked too.
    """
    user = find_by_login(login)
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        reason = "unknown_account" if user is None else ("bad_password" if not ok else "inactive")
        audit.record(None, "login.failed", user, {"reason": reason})
        db.session.commit()
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def complete_login(user: User) -> None:
    """Record a finished sign-in (password and, for staff, second factor)."""
    user.last_login_at = utcnow()
    audit.record(user, "login.succeeded", user)
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    """Remember the person's language for the next visit."""
    if locale in LANGUAGES and user.locale != locale:
        user.locale = locale
        db.session.commit()


def find_by_uid(uid: str) -> User | None:
    """The account with this public id."""
    return db.session.scalar(select(User).where(User.uid == uid))


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one (fresh authentication).

    Ends the person's other sessions: whoever else held one must sign in again.
    """
    errors: dict[str, object] = {}
    if not verify_password(user.password_hash, current or ""):
        errors["current"] = _l("That is not your current password.")
    problem = password_problem(new, avoid=tuple(v for v in (user.email, user.phone) if v))
    if problem:
        errors["password"] = problem
    if errors:
        raise AccountError(errors)
    user.password_hash = hash_password(new)
    end_other_sessions(user)
    audit.record(user, "account.password_changed", user)
    db.session.commit()


# Built once: composing the select and its options on every request cost more CPU than
# running it (bench/README.md, "Step 12b"). The uid is bound per call.
_USER_BY_UID = (select(User).options(joinedload(User.role_links))
                .where(User.uid == bindparam("uid")))


def load_user(session_id: str) -> User | None:
    """The user behind a session id (Flask-Login's loader); None once that session was ended.

    Runs on every signed-in request, so the person, their roles and their data key come
    in one query (the roles would otherwise be a second one), read fresh each time: a
    locked account, an ended session or a changed role counts from the next request.
    """
    uid, _, version = session_id.partition(".")
    user = db.session.scalars(_USER_BY_UID, {"uid": uid}).unique().first()
    if user is None or (version and version != str(user.session_version)):
        return None
    return user


def end_other_sessions(user: User) -> None:
    """Invalidate every session of ``user`` (the caller starts a fresh one if needed).

    The stored sessions are deleted; the version bump is the second line of defence.
    """
    from app.security.session_store import end_user_sessions

    user.session_version = (user.session_version or 1) + 1
    end_user_sessions(user.uid)


def set_locked(actor: User, user: User, locked: bool) -> None:
    """Lock (or unlock) an account; locking also ends its sessions at once."""
    user.active = not locked
    if locked:
        end_other_sessions(user)
    audit.record(actor, "account.locked" if locked else "account.unlocked", user)
    db.session.commit()


def end_sessions(actor: User, user: User) -> None:
    """Sign a person out everywhere (e.g. a lost phone)."""
    end_other_sessions(user)
    audit.record(actor, "account.sessions_ended", user)
    db.session.commit()
