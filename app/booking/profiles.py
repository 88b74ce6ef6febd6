"""Counsellor profiles: the fixed lists, a counsellor's own edits, what workers may browse.

A counsellor edits their own profile; the edit waits (``pending``) until an admin approves it
through app/admin/services.py, which calls ``publish`` or ``send_back`` here. Workers see
only the approved version. Photos are checked to be real images of at most 5 MB, turned
upright, shrunk and re-encoded as JPEG without any metadata (EXIF, GPS), and kept on the
app's own disk under a random name.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import and_, event, or_, select
from sqlalchemy.orm import Session as OrmSession

from app import audit
from app.accounts.models import Role, User
from app.booking import bookable
from app.booking.care_models import CounsellorProfile
from app.booking.models import Centre, Mode, Service, Session, centre_staff
from app.domain import DomainError
from app.extensions import db
from app.types import utcnow

MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_SIDE = 480
PHOTO_FORMATS = ("JPEG", "PNG", "WEBP")
# A photo file no profile names is swept once this old (younger: an upload may be under way).
STRAY_PHOTO_AGE = timedelta(days=1)
_UNWANTED = "xinqing.unwanted_photos"

# Fixed lists, so filters match and both languages read well: code -> (Chinese, English).
SPECIALTIES: dict[str, tuple[str, str]] = {
    "work_stress": ("工作压力", "Work stress"),
    "sleep": ("睡眠问题", "Sleep"),
    "low_mood": ("情绪低落", "Low mood"),
    "anxiety": ("焦虑紧张", "Anxiety"),
    "family": ("婚姻家庭", "Marriage and family"),
    "parenting": ("亲子教育", "Parenting"),
    "relationships": ("人际关系", "Relationships at work and home"),
    "grief": ("丧失与哀伤", "Grief and loss"),
    "career": ("职业发展", "Career"),
    "trauma": ("创伤与应激", "Trauma and stress after incidents"),
    "migrant_life": ("外出务工适应", "Life away from home"),
}
LANGUAGES: dict[str, tuple[str, str]] = {
    "putonghua": ("普通话", "Mandarin (Putonghua)"),
    "minnan": ("闽南话", "Minnan (Hokkien)"),
    "cantonese": ("粤语", "Cantonese"),
    "hakka": ("客家话", "Hakka"),
    "english": ("英语", "English"),
}
GENDERS: dict[str, tuple[str, str]] = {
    "female": ("女", "Woman"),
    "male": ("男", "Man"),
    "unsaid": ("不说明", "Not stated"),
}
# Qualifications: code -> (Chinese, English, needs a register number).
QUALIFICATIONS: dict[str, tuple[str, str, bool]] = {
    "counsellor_2": ("国家二级心理咨询师", "National Psychological Counsellor, level 2", False),
    "counsellor_3": ("国家三级心理咨询师", "National Psychological Counsellor, level 3", False),
    "registered": ("注册心理师（中国心理学会）",
                   "Registered Psychologist (Chinese Psychological Society)", True),
    "supervisor": ("注册督导师（中国心理学会）",
                   "Registered Supervisor (Chinese Psychological Society)", True),
    "psychotherapist": ("心理治疗师", "Psychotherapist (health professional title)", False),
    "social_worker": ("社会工作师", "Social Worker (intermediate)", False),
}
FIELDS = ("display_name", "photo", "qualifications", "specialties", "languages", "gender",
          "intro_zh", "intro_en")

NOT_IMAGE = _l("This file is not a photo we can read: choose a JPEG, PNG or WebP image.")
TOO_BIG = _l("This photo is larger than 5 MB: choose a smaller one.")
NAME_NEEDED = _l("Give the name workers will see (1 to 40 characters).")
NUMBER_NEEDED = _l("Give the register number of this qualification (letters, digits and "
                   "dashes, up to 20).")
NOT_OFFERED = _l("Choose one of the options offered.")
INTRO_TOO_LONG = _l("Keep the introduction to 600 characters.")
NOTHING_PENDING = _l("There are no changes waiting for approval.")


class ProfileError(DomainError):
    """A profile change refused; ``field`` names the form field. Nothing was changed."""

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def label(table: Mapping[str, tuple[Any, ...]], code: str, locale: str) -> str:
    """A fixed list's label in the reader's language."""
    entry = table.get(code)
    if entry is None:
        return code
    return str(entry[1] if locale.startswith("en") else entry[0])


# -- photos ------------------------------------------------------------------------------
def photo_dir() -> Path:
    """Where photos live (``COUNSELLOR_PHOTO_DIR``; the instance directory by default)."""
    from config import INSTANCE_DIR

    configured = current_app.config.get("COUNSELLOR_PHOTO_DIR")
    return Path(configured) if configured else INSTANCE_DIR / "counsellor_photos"


def clean_photo(data: bytes) -> bytes:
    """The photo as a small JPEG with no metadata; ProfileError when it is no real image."""
    if len(data) > MAX_PHOTO_BYTES:
        raise ProfileError(TOO_BIG, "photo")
    try:
        with Image.open(BytesIO(data)) as probe:
            if probe.format not in PHOTO_FORMATS:
                raise ProfileError(NOT_IMAGE, "photo")
            probe.verify()
        with Image.open(BytesIO(data)) as image:
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            rgb = upright.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as exc:
        raise ProfileError(NOT_IMAGE, "photo") from exc
    rgb.thumbnail((PHOTO_SIDE, PHOTO_SIDE))
    out = BytesIO()
    rgb.save(out, "JPEG", quality=85, optimize=True)  # a fresh file: no EXIF, no GPS
    return out.getvalue()


def store_photo(clean: bytes) -> str:
    """Write a cleaned photo under a random name; the name."""
    folder = photo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.jpg"
    (folder / name).write_bytes(clean)
    return name


def photo_path(name: str) -> Path | None:
    """The file of a photo name we made (32 hex digits + .jpg), if it exists."""
    stem = name.removesuffix(".jpg")
    if len(stem) != 32 or any(c not in "0123456789abcdef" for c in stem) \
            or not name.endswith(".jpg"):
        return None
    path = photo_dir() / name
    return path if path.is_file() else None


def photo_visible(viewer: User | None, name: str) -> bool:
    """A published photo is public; a pending one only to its counsellor and admins."""
    if not name:
        return False
    if db.session.scalar(select(CounsellorProfile.id).where(
            CounsellorProfile.published.is_(True), CounsellorProfile.photo == name)):
        return True
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.has_role(Role.ADMIN):
        return any((p.pending or {}).get("photo") == name for p in pending_profiles())
    own = profile_of(viewer)
    return own is not None and (own.pending or {}).get("photo") == name


def _forget_photo(name: str, *still_named: str) -> None:
    """Delete photo ``name`` once the transaction that stops naming it commits (a rollback
    keeps it); nothing when one of ``still_named`` is that same photo."""
    if name and name not in still_named:
        db.session.info.setdefault(_UNWANTED, set()).add(name)


@event.listens_for(OrmSession, "after_commit")
def _delete_unwanted(session: OrmSession) -> None:
    for name in session.info.pop(_UNWANTED, ()):
        path = photo_path(name)
        try:
            if path is not None:
                path.unlink(missing_ok=True)
        except OSError:  # the change stands; the retention run sweeps the file later
            current_app.logger.warning("could not delete the replaced photo %s", name)


@event.listens_for(OrmSession, "after_rollback")
def _keep_unwanted(session: OrmSession) -> None:
    session.info.pop(_UNWANTED, None)


def stray_photos(now: datetime, batch: int) -> int:
    """Retention step: photo files no profile names, public or pending (left by a crash, or
    by a profile deleted with its account), once ``STRAY_PHOTO_AGE`` old. Files we did not
    make are left alone."""
    folder = photo_dir()
    if not folder.is_dir():
        return 0
    named = {p for p in db.session.scalars(select(CounsellorProfile.photo)) if p}
    named |= {(p or {}).get("photo") or "" for p in db.session.scalars(
        select(CounsellorProfile.pending).where(CounsellorProfile.pending.is_not(None)))}
    cutoff = (now - STRAY_PHOTO_AGE).timestamp()
    removed = 0
    for path in folder.iterdir():
        if path.name in named or photo_path(path.name) != path:
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # gone meanwhile (a replace committed)
            continue
    return removed


# -- a counsellor's own profile ------------------------------------------------------------
def profile_of(user: User) -> CounsellorProfile | None:
    """The user's profile row, if any."""
    return db.session.scalar(select(CounsellorProfile).where(
        CounsellorProfile.user_id == user.id))


def draft_of(profile: CounsellorProfile | None) -> dict[str, Any]:
    """What the edit form starts from: the pending changes, else the public version."""
    if profile is None:
        return {"display_name": "", "photo": "", "qualifications": [], "specialties": [],
                "languages": [], "gender": "unsaid", "intro_zh": "", "intro_en": ""}
    if profile.pending:
        return dict(profile.pending)
    return {name: getattr(profile, name) for name in FIELDS}


@dataclass
class Draft:
    """A counsellor's edit as the form gives it (photo bytes None when none was chosen)."""

    display_name: str
    gender: str
    specialties: Iterable[str]
    languages: Iterable[str]
    qualifications: Iterable[str]
    register_number: str
    intro_zh: str
    intro_en: str
    photo: bytes | None = None
    remove_photo: bool = False


def _check(draft: Draft) -> dict[str, Any]:
    name = (draft.display_name or "").strip()
    if not 1 <= len(name) <= 40 or not name.isprintable():
        raise ProfileError(NAME_NEEDED, "display_name")
    if draft.gender not in GENDERS:
        raise ProfileError(NOT_OFFERED, "gender")
    specialties = list(dict.fromkeys(draft.specialties))
    languages = list(dict.fromkeys(draft.languages))
    quals = list(dict.fromkeys(draft.qualifications))
    for values, table, field in ((specialties, SPECIALTIES, "specialties"),
                                 (languages, LANGUAGES, "languages"),
                                 (quals, QUALIFICATIONS, "qualifications")):
        if any(v not in table for v in values):
            raise ProfileError(NOT_OFFERED, field)
    number = (draft.register_number or "").strip()
    needs_number = any(QUALIFICATIONS[q][2] for q in quals)
    if needs_number and not (1 <= len(number) <= 20 and all(
            c.isascii() and (c.isalnum() or c == "-") for c in number)):
        raise ProfileError(NUMBER_NEEDED, "register_number")
    for text, field in ((draft.intro_zh, "intro_zh"), (draft.intro_en, "intro_en")):
        if len(text or "") > 600:
            raise ProfileError(INTRO_TOO_LONG, field)
    return {
        "display_name": name, "gender": draft.gender, "specialties": specialties,
        "languages": languages,
        "qualifications": [{"code": q, "number": number if QUALIFICATIONS[q][2] else ""}
                           for q in quals],
        "intro_zh": (draft.intro_zh or "").strip(), "intro_en": (draft.intro_en or "").strip(),
    }


def submit(actor: User, draft: Draft) -> CounsellorProfile:
    """Save a counsellor's own edit for an admin to approve; the caller commits.

    Everything is checked before anything is written (the photo last, as it is a file).
    """
    if not actor.has_role(Role.COUNSELLOR):
        raise ProfileError(NOT_OFFERED)
    values = _check(draft)
    profile = profile_of(actor)
    current = draft_of(profile)
    clean = clean_photo(draft.photo) if draft.photo else None
    values["photo"] = "" if draft.remove_photo else current.get("photo", "")
    if clean is not None:
        values["photo"] = store_photo(clean)
    if profile is not None and profile.pending:  # a pending photo this edit replaces
        _forget_photo(profile.pending.get("photo", ""), values["photo"], profile.photo)
    if profile is None:
        profile = CounsellorProfile(user_id=actor.id)
        db.session.add(profile)
    profile.pending = values
    profile.submitted_at = utcnow()
    profile.review_note = ""
    db.session.flush()
    audit.record(actor, "profile.submitted", profile)
    return profile


def pending_profiles() -> list[CounsellorProfile]:
    """Profiles with changes awaiting an admin, oldest submission first."""
    return list(db.session.scalars(select(CounsellorProfile).where(
        CounsellorProfile.pending.is_not(None)).order_by(CounsellorProfile.submitted_at)))


def publish(profile: CounsellorProfile, approver: User) -> None:
    """Make the pending changes public (called by app/admin/services.py only)."""
    if not profile.pending:
        raise ProfileError(NOTHING_PENDING)
    pending = dict(profile.pending)
    _forget_photo(profile.photo, pending.get("photo", profile.photo))  # the public one replaced
    for name in FIELDS:
        setattr(profile, name, pending.get(name, getattr(profile, name)))
    profile.pending = None
    profile.published = True
    profile.approved_at = utcnow()
    profile.approved_by_id = approver.id
    profile.review_note = ""


def send_back(profile: CounsellorProfile, note: str) -> None:
    """Decline the pending changes with a note to the counsellor (admin services only)."""
    if not profile.pending:
        raise ProfileError(NOTHING_PENDING)
    _forget_photo(profile.pending.get("photo", ""), profile.photo)
    profile.pending = None
    profile.review_note = note


# -- what workers browse -----------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    """Browse filters; empty strings mean "any"."""

    centre: str = ""
    specialty: str = ""
    language: str = ""
    gender: str = ""
    mode: str = ""

    def cleaned(self) -> Filters:
        """Unknown values count as "any" (a stale link never errors)."""
        return Filters(
            centre=self.centre if self.centre and len(self.centre) <= 40 else "",
            specialty=self.specialty if self.specialty in SPECIALTIES else "",
            language=self.language if self.language in LANGUAGES else "",
            gender=self.gender if self.gender in ("female", "male") else "",
            mode=self.mode if self.mode in {m.value for m in Mode} else "")


def _mode_clause(mode: str):
    return or_(Session.mode == mode,
               and_(Session.mode.is_(None),
                    Session.service_id.in_(select(Service.id).where(Service.mode == mode))))


def browse(filters: Filters) -> list[CounsellorProfile]:
    """Published profiles of active counsellors matching the filters, by display name."""
    f = filters.cleaned()
    query = select(CounsellorProfile).join(User, User.id == CounsellorProfile.user_id).where(
        CounsellorProfile.published.is_(True), User.active.is_(True))
    if f.centre:
        query = query.where(CounsellorProfile.user_id.in_(
            select(centre_staff.c.user_id).join(Centre, Centre.id == centre_staff.c.centre_id)
            .where(Centre.code == f.centre, Centre.active.is_(True))))
    if f.gender:
        query = query.where(CounsellorProfile.gender == f.gender)
    if f.mode:
        query = query.where(CounsellorProfile.user_id.in_(
            select(Session.counsellor_id).where(bookable.open_clause(utcnow()),
                                                _mode_clause(f.mode))))
    rows = [p for p in db.session.scalars(query)
            if p.user.has_role(Role.COUNSELLOR)
            and (not f.specialty or f.specialty in (p.specialties or []))
            and (not f.language or f.language in (p.languages or []))]
    return sorted(rows, key=lambda p: (p.display_name, p.id))


def public_profile(uid: str) -> CounsellorProfile | None:
    """A published profile by its uid (None for unknown, unpublished or locked ones)."""
    profile = db.session.scalar(select(CounsellorProfile).where(
        CounsellorProfile.uid == uid, CounsellorProfile.published.is_(True)))
    if profile is None or not profile.user.active \
            or not profile.user.has_role(Role.COUNSELLOR):
        return None
    return profile


def next_free(profile: CounsellorProfile, limit: int = 3, mode: str = "",
              now: datetime | None = None) -> list[Session]:
    """The counsellor's next sessions with a free seat (bookable.py's rule), soonest first."""
    query = select(Session).where(bookable.bookable_clause(now or utcnow()),
                                  Session.counsellor_id == profile.user_id)
    if mode in {m.value for m in Mode}:
        query = query.where(_mode_clause(mode))
    return list(db.session.scalars(query.order_by(Session.starts_at, Session.id).limit(limit)))


def centres_of(profile: CounsellorProfile) -> list[Centre]:
    """The open centres the counsellor works at (set by an admin on the staff page)."""
    return list(db.session.scalars(
        select(Centre).join(centre_staff, centre_staff.c.centre_id == Centre.id)
        .where(centre_staff.c.user_id == profile.user_id, Centre.active.is_(True))
        .order_by(Centre.id)))
