"""A person's rights over their data (PIPL Art. 44–47): see it, take a copy, withdraw
consent, delete the account, and see who opened their records.

Other packages plug in through three registries, so this module never needs to know
their tables: an *exporter* adds a section to the copy, an *eraser* runs before the
account goes (e.g. booking releases seats to the waitlist), and a *target provider*
names the audit targets of the person's records for the access history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, select

from app import audit
from app.accounts.models import STAFF_ROLES, Consent, User
from app.accounts.services import AccountError
from app.audit.models import AuditEvent
from app.extensions import db
from app.security.models import DataKey
from app.security.passwords import verify_password
from app.security.shredding import shred_data_keys
from app.types import utcnow

Exporter = Callable[[User], Any]
Eraser = Callable[[User], None]
TargetProvider = Callable[[User], list[str]]

_exporters: dict[str, Exporter] = {}
_erasers: list[Eraser] = []
_target_providers: list[TargetProvider] = []

# Consents that cannot be withdrawn on their own: the account rests on them.
ACCOUNT_CONSENTS = frozenset({"privacy_notice"})


def register_exporter(section: str, exporter: Exporter) -> None:
    """Add ``section`` to every copy: ``exporter(user)`` returns JSON-ready data."""
    _exporters[section] = exporter


def register_eraser(eraser: Eraser) -> None:
    """Run ``eraser(user)`` inside the deletion transaction, before the data key goes."""
    if eraser not in _erasers:
        _erasers.append(eraser)


def register_target_provider(provider: TargetProvider) -> None:
    """``provider(user)`` lists audit targets (``table:uid``) of the person's records."""
    if provider not in _target_providers:
        _target_providers.append(provider)


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def export(user: User) -> dict[str, Any]:
    """Everything held about ``user``, decrypted, as one JSON-ready document."""
    document: dict[str, Any] = {
        "account": {
            "id": user.uid, "name": user.name, "email": user.email, "phone": user.phone,
            "language": user.locale, "roles": sorted(r.value for r in user.roles),
            "created_at": _iso(user.created_at), "last_login_at": _iso(user.last_login_at),
            "second_factor": user.mfa_enabled,
        },
        "consents": [
            {"purpose": c.purpose, "text_version": c.text_version,
             "given_at": _iso(c.given_at), "withdrawn_at": _iso(c.withdrawn_at)}
            for c in sorted(user.consents, key=lambda c: c.id)
        ],
    }
    for section, exporter in _exporters.items():
        document[section] = exporter(user)
    audit.record(user, "my_data.exported", user)
    db.session.commit()
    return document


# Built once (bench/README.md, "Step 16b"): a yes or no, not every consent the person gave.
_HOLDS = select(exists().where(
    Consent.user_id == bindparam("user_id"), Consent.purpose == bindparam("purpose"),
    Consent.text_version == bindparam("version"), Consent.withdrawn_at.is_(None)))


def holds_consent(user: User, purpose: str, version: str) -> bool:
    """Whether ``user`` agreed to this version of this purpose's text and has not withdrawn.

    Asked of the database (one EXISTS, after the session's own changes are flushed) unless
    the person's consents are loaded already, when their loaded state answers, as the
    collection always did; either way a withdrawal counts from the next request.
    """
    if "consents" in user.__dict__:
        return any(c.purpose == purpose and c.text_version == version
                   and c.withdrawn_at is None for c in user.consents)
    return bool(db.session.scalar(_HOLDS, {"user_id": user.id, "purpose": purpose,
                                           "version": version}))


def active_consents(user: User) -> list[Consent]:
    """Consents given and not withdrawn, oldest first."""
    return [c for c in sorted(user.consents, key=lambda c: c.id) if c.withdrawn_at is None]


def withdraw_consent(user: User, consent_id: int) -> bool:
    """Withdraw one of the person's own consents; False when it is not theirs or not allowed."""
    consent = db.session.get(Consent, consent_id)
    if (consent is None or consent.user_id != user.id or consent.withdrawn_at is not None
            or consent.purpose in ACCOUNT_CONSENTS):
        return False
    consent.withdrawn_at = utcnow()
    audit.record(user, "consent.withdrawn", user, {"purpose": consent.purpose})
    db.session.commit()
    return True


def access_history(user: User, limit: int = 200) -> list[AuditEvent]:
    """Who else opened or changed the person's records, newest first."""
    targets = [f"users:{user.uid}"]
    for provider in _target_providers:
        targets.extend(provider(user))
    return list(db.session.scalars(
        select(AuditEvent).where(AuditEvent.target.in_(targets),
                                 AuditEvent.actor.is_not(None),
                                 AuditEvent.actor != user.uid)
        .order_by(AuditEvent.seq.desc()).limit(limit)
    ))


@dataclass(frozen=True)
class AccessEntry:
    """One read or change of the person's records by someone else, with who they are."""

    at: datetime
    action: str
    name: str
    roles: tuple[str, ...]
    centres: tuple[str, ...]


def access_entries(user: User, lang: str, limit: int = 200) -> list[AccessEntry]:
    """``access_history`` with each staff member's name, roles and centres spelled out.

    The person has a right to know who read their data (PIPL art. 45, GDPR art. 15), so a
    read says "林咨询, counsellor, Dehua centre", not "a counsellor".
    """
    from app.booking.models import Centre, centre_staff

    events = access_history(user, limit)
    uids = {e.actor for e in events if e.actor}
    staff = {p.uid: p for p in db.session.scalars(select(User).where(User.uid.in_(uids)))}
    centres: dict[int, list[str]] = {}
    if staff:
        for person_id, centre in db.session.execute(
                select(centre_staff.c.user_id, Centre)
                .join(Centre, Centre.id == centre_staff.c.centre_id)
                .where(centre_staff.c.user_id.in_([p.id for p in staff.values()]))
                .order_by(Centre.id)):
            centres.setdefault(person_id, []).append(centre.localised("name", lang))
    out = []
    for event in events:
        actor = staff.get(event.actor or "")
        if actor is None:  # an account since closed: say so rather than guess
            out.append(AccessEntry(event.at, event.action, "", (), ()))
            continue
        roles = tuple(sorted(r.value for r in actor.roles if r in STAFF_ROLES))
        out.append(AccessEntry(event.at, event.action, actor.name or "",
                               roles, tuple(centres.get(actor.id, ()))))
    return out


def delete_account(user: User, password: str) -> None:
    """Delete the account after checking the password; destroys the person's data key.

    Sealed values become unreadable (restored backups too, through the shred list);
    de-identified statistics, which hold nothing that points back to the person, stay.
    """
    if user.is_staff:
        # Staff records (notes, sessions) belong to the service: an admin closes the account.
        raise AccountError({"password": _l("Staff accounts are closed by an administrator.")})
    if not verify_password(user.password_hash, password or ""):
        raise AccountError({"password": _l("That is not your current password.")})
    for eraser in _erasers:
        eraser(user)
    key_id = user.data_key_id
    uid = user.uid
    audit.record(user, "account.deleted", f"users:{uid}")
    from app.security.session_store import end_user_sessions

    end_user_sessions(uid)  # every device, not only this one
    db.session.delete(user)
    db.session.flush()
    if key_id is not None:  # listed outside the database too: restores shred it again
        shred_data_keys(DataKey.id == key_id)
    db.session.commit()
