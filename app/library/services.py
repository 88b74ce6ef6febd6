"""The library's rules: writing, reviewing and publishing items, finding them, counting use.

One home for every status change of a version (``_move``): draft -> review -> published
(the previous published version becomes superseded), or review -> draft when a reviewer
sends it back. The author never approves their own version. Every change is audited.
Reading and listening are counted per item and month only (``reports.stats``); nothing
here records who read what.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select, update

from app import audit
from app.accounts.models import Role, User
from app.domain import DomainError
from app.extensions import db
from app.library import audio, markup, search, tags
from app.library.models import (
    ARTICLE,
    AUDIO,
    DRAFT,
    KINDS,
    LANGS,
    PUBLISHED,
    REVIEW,
    SUPERSEDED,
    LibraryItem,
    LibraryVersion,
)
from app.reports import stats
from app.types import new_uid, rowcount, utcnow

RESULT_MIN, RESULT_MAX = 2, 4


class LibraryError(DomainError):
    """A library rule refused the action (message translated)."""


@dataclass
class Draft:
    """What a counsellor writes for one version."""

    title: str
    summary: str = ""
    body_md: str = ""
    transcript: str = ""
    tags: list[str] = field(default_factory=list)


def library_dir() -> Path:
    """Where audio files live (``LIBRARY_DIR``, default ``instance/library``)."""
    configured = current_app.config.get("LIBRARY_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "library"


def audio_path(version: LibraryVersion) -> Path | None:
    """The stored audio file of a version, when it has one that exists."""
    if not version.audio_file:
        return None
    path = library_dir() / "audio" / version.audio_file
    return path if path.is_file() else None


def _is_counsellor(actor: User) -> None:
    if not actor.has_role(Role.COUNSELLOR):
        raise LibraryError(_l("Only counsellors write and review library items."))


def _fill(version: LibraryVersion, draft: Draft, lang: str) -> None:
    title = " ".join(draft.title.split())
    if not title:
        raise LibraryError(_l("Give the item a title."))
    if len(title) > 200 or len(draft.summary) > 500:
        raise LibraryError(_l("The title or summary is too long."))
    if len(draft.body_md) > 60_000 or len(draft.transcript) > 60_000:
        raise LibraryError(_l("The text is too long (at most 60,000 characters)."))
    version.title = title
    version.summary = " ".join(draft.summary.split())
    version.body_md = draft.body_md.strip()
    version.body_html = markup.render(version.body_md)
    version.transcript = draft.transcript.strip()
    version.tags = " " + " ".join(tags.valid(draft.tags, lang)) + " "
    version.search_text = search.normalise(" ".join([
        version.title, version.summary, markup.plain_text(version.body_md),
        version.transcript]))


def create_item(actor: User, kind: str, lang: str, draft: Draft) -> LibraryVersion:
    """A new item with its first version as a draft by ``actor``."""
    _is_counsellor(actor)
    if kind not in KINDS or lang not in LANGS:
        raise LibraryError(_l("Choose a kind and a language."))
    item = LibraryItem(kind=kind, lang=lang, created_by_id=actor.id)
    version = LibraryVersion(item=item, number=1, status=DRAFT, author_id=actor.id)
    _fill(version, draft, lang)
    db.session.add_all([item, version])
    db.session.flush()
    audit.record(actor, "library.created", item, {"version": 1, "kind": kind})
    return version


def open_version(item: LibraryItem) -> LibraryVersion | None:
    """The version being written or reviewed, if any (there is at most one)."""
    return next((v for v in item.versions if v.status in (DRAFT, REVIEW)), None)


def editable(actor: User, version: LibraryVersion) -> bool:
    """Only the author edits, and only a draft."""
    return version.status == DRAFT and version.author_id == actor.id


def edit_draft(actor: User, version: LibraryVersion, draft: Draft) -> None:
    """Change the author's own draft."""
    if not editable(actor, version):
        raise LibraryError(_l("Only the author can change a draft."))
    _fill(version, draft, version.item.lang)
    audit.record(actor, "library.edited", version.item, {"version": version.number})


def attach_audio(actor: User, version: LibraryVersion, upload: Path, filename: str) -> None:
    """Check, transcode and attach an uploaded recording to the author's draft."""
    if not editable(actor, version) or version.item.kind != AUDIO:
        raise LibraryError(_l("Only the author can add a recording to an audio draft."))
    if not audio.tools():
        raise LibraryError(_l("Audio cannot be processed on this server (ffmpeg is not "
                              "installed). Ask the administrator to install it; you can "
                              "save the transcript meanwhile."))
    with upload.open("rb") as fh:
        head = fh.read(16)
    if not audio.looks_like_audio(filename, head):
        raise LibraryError(_l("This file is not a recording we accept (MP3, M4A, AAC, WAV, "
                              "OGG, Opus or FLAC)."))
    try:
        encoded = audio.transcode(upload, library_dir() / "audio", new_uid())
    except audio.AudioError as exc:
        if exc.reason == "length":
            raise LibraryError(_l("A recording must be between 1 second and 20 minutes "
                                  "long.")) from exc
        raise LibraryError(_l("This file could not be read as audio.")) from exc
    old = version.audio_file
    version.audio_file, version.audio_seconds = encoded.name, encoded.seconds
    version.placeholder_voice = False
    db.session.flush()
    _remove_unused(old)
    audit.record(actor, "library.audio_attached", version.item, {"version": version.number})


def _remove_unused(name: str | None) -> None:
    if name and not db.session.scalar(select(LibraryVersion.id)
                                      .where(LibraryVersion.audio_file == name).limit(1)):
        (library_dir() / "audio" / name).unlink(missing_ok=True)


def start_revision(actor: User, item: LibraryItem) -> LibraryVersion:
    """A new draft copied from the published version, which stays up meanwhile."""
    _is_counsellor(actor)
    if open_version(item):
        raise LibraryError(_l("A new version of this item is already being written or "
                              "reviewed."))
    base = item.published or (item.versions[-1] if item.versions else None)
    if base is None:
        raise LibraryError(_l("This item has no version to start from."))
    version = LibraryVersion(
        item=item, number=max(v.number for v in item.versions) + 1, status=DRAFT,
        author_id=actor.id, title=base.title, summary=base.summary, body_md=base.body_md,
        body_html=base.body_html, transcript=base.transcript, tags=base.tags,
        search_text=base.search_text, audio_file=base.audio_file,
        audio_seconds=base.audio_seconds, placeholder_voice=base.placeholder_voice)
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "library.revision_started", item, {"version": version.number})
    return version


def _move(actor: User, version: LibraryVersion, to: str) -> None:
    """The one place a version's status changes."""
    _is_counsellor(actor)
    now = utcnow()
    item = version.item
    if to == REVIEW:
        if version.status != DRAFT or version.author_id != actor.id:
            raise LibraryError(_l("Only the author can send their draft for review."))
        if item.kind == ARTICLE and not version.body_md:
            raise LibraryError(_l("Write the article before sending it for review."))
        if item.kind == AUDIO and not version.transcript:
            raise LibraryError(_l("Add the transcript before sending it for review."))
        version.submitted_at = now
    elif to == PUBLISHED:
        if version.status != REVIEW:
            raise LibraryError(_l("Only a version in review can be approved."))
        if version.author_id == actor.id:
            raise LibraryError(_l("A second counsellor must approve: you cannot approve "
                                  "your own version."))
        if item.published is not None:
            item.published.status = SUPERSEDED
        version.reviewer_id, version.published_at = actor.id, now
        item.published_version_id = version.id
        item.published = version
    elif to == DRAFT:
        if version.status != REVIEW or version.author_id == actor.id:
            raise LibraryError(_l("Only a reviewer can send a version back."))
        version.reviewer_id = actor.id
    else:  # pragma: no cover - programming error
        raise ValueError(to)
    before = version.status
    # The status changes only if it is still what was read: of two reviewers approving at
    # once, the second finds the version published already and is refused.
    claimed = rowcount(db.session.execute(
        update(LibraryVersion.__table__)
        .where(LibraryVersion.__table__.c.id == version.id,
               LibraryVersion.__table__.c.status == before)
        .values(status=to)))
    if not claimed:
        raise LibraryError(_l("Someone else changed this version just now. Please look again."))
    version.status = to
    action = {REVIEW: "submitted", PUBLISHED: "published", DRAFT: "sent_back"}[to]
    audit.record(actor, f"library.{action}", item,
                 {"version": version.number, "from": before, "to": to})


def submit(actor: User, version: LibraryVersion) -> None:
    """Draft -> in review (the author)."""
    _move(actor, version, REVIEW)


def approve(actor: User, version: LibraryVersion) -> None:
    """In review -> published (a second counsellor); the old published version is kept."""
    _move(actor, version, PUBLISHED)


def send_back(actor: User, version: LibraryVersion) -> None:
    """In review -> draft again (a second counsellor asks for changes)."""
    _move(actor, version, DRAFT)


# -- reading --------------------------------------------------------------------------------
def version_by_id(version_id: int) -> LibraryVersion | None:
    """Any version, for staff pages."""
    return db.session.get(LibraryVersion, version_id)


def item_by_uid(uid: str) -> LibraryItem | None:
    """An item by its public id."""
    return db.session.scalar(select(LibraryItem).where(LibraryItem.uid == uid))


def published_item(uid: str) -> LibraryItem | None:
    """A published item, or None (drafts are not public)."""
    item = item_by_uid(uid)
    return item if item is not None and item.published is not None else None


def published_audio(name: str) -> LibraryVersion | None:
    """The published version that plays the file ``name``, or None (drafts are not public)."""
    return db.session.scalar(
        select(LibraryVersion)
        .join(LibraryItem, LibraryItem.published_version_id == LibraryVersion.id)
        .where(LibraryVersion.audio_file == name).limit(1))


def _published_query(lang: str) -> Select[Any]:
    return (select(LibraryVersion)
            .join(LibraryItem, LibraryItem.published_version_id == LibraryVersion.id)
            .where(LibraryItem.lang == lang))


def find(lang: str, kind: str | None = None, tag: str | None = None,
         query: str | None = None, limit: int = 100) -> list[LibraryVersion]:
    """Published versions in ``lang``, filtered by kind and tag, best search matches first."""
    stmt = _published_query(lang)
    if kind in KINDS:
        stmt = stmt.where(LibraryItem.kind == kind)
    if tag:
        stmt = stmt.where(LibraryVersion.tags.like(f"% {_escape(tag)} %", escape="\\"))
    stmt = stmt.order_by(LibraryVersion.published_at.desc(), LibraryVersion.id.desc())
    patterns = search.like_patterns(query or "")
    if not patterns:
        return list(db.session.scalars(stmt.limit(limit)))
    stmt = stmt.where(or_(*[LibraryVersion.search_text.like(p, escape="\\")
                            for p in patterns]))
    ranked = [(search.score(query or "", v.search_text), v)
              for v in db.session.scalars(stmt.limit(1000))]
    ranked = [(s, v) for s, v in ranked if s >= search.THRESHOLD]
    ranked.sort(key=lambda pair: -pair[0])  # stable: newest first among equals
    return [v for _, v in ranked[:limit]]


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def for_result(instrument: str, band: str, flags: Sequence[str], lang: str,
               crisis: bool) -> list[LibraryVersion]:
    """2-4 published items for a result page: its band and flags first, then the newest.

    A crisis result gets none: there the safety loop decides what the person sees.
    """
    if crisis:
        return []
    chosen: list[LibraryVersion] = []
    for tag in tags.for_result(instrument, band, list(flags)):
        for version in find(lang, tag=tag, limit=RESULT_MAX):
            if version not in chosen:
                chosen.append(version)
    if len(chosen) < RESULT_MIN:
        for version in find(lang, tag="help", limit=RESULT_MAX) + find(lang, limit=RESULT_MAX):
            if len(chosen) >= RESULT_MIN:
                break
            if version not in chosen:
                chosen.append(version)
    return chosen[:RESULT_MAX]


def count_use(item: LibraryItem, event: str) -> None:
    """Count one read or listen for the item and month (no reader is recorded)."""
    stats.record_library_use(item.uid, event, utcnow())


def staff_overview(actor: User) -> dict[str, list[LibraryVersion] | list[LibraryItem]]:
    """The counsellor's desk: own open versions, versions waiting for a second reviewer, all."""
    open_rows = list(db.session.scalars(
        select(LibraryVersion).where(LibraryVersion.status.in_((DRAFT, REVIEW)))
        .order_by(LibraryVersion.created_at.desc())))
    return {
        "mine": [v for v in open_rows if v.author_id == actor.id],
        "to_review": [v for v in open_rows if v.status == REVIEW and v.author_id != actor.id],
        "items": list(db.session.scalars(select(LibraryItem)
                                         .order_by(LibraryItem.created_at.desc()))),
    }


def titles(uids: Sequence[str]) -> dict[str, LibraryVersion]:
    """The published (or latest) version of each item, by item uid, for the reports page."""
    out: dict[str, LibraryVersion] = {}
    for item in db.session.scalars(select(LibraryItem).where(LibraryItem.uid.in_(list(uids)))):
        version = item.published or (item.versions[-1] if item.versions else None)
        if version is not None:
            out[item.uid] = version
    return out
