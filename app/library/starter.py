"""Seeding the starter library (``flask seed-demo``): articles and guided exercises in zh and en.

Written by one demo counsellor and approved by another through the same services a person
uses, so the audit trail shows the review. Audio is synthesised by espeak-ng (a placeholder
voice, labelled on the page) and encoded by ffmpeg; without either tool, or with
``LIBRARY_SEED_AUDIO`` off (tests), the exercises are seeded text-only with their transcript.
Encoded files are named after their script, so seeding again reuses them (fast).
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess  # nosec B404 - fixed argument lists, no shell
import tempfile
from html import escape
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.library import audio, services
from app.library.models import ARTICLE, AUDIO, LibraryItem, LibraryVersion
from app.library.starter_articles import ARTICLES
from app.library.starter_audio import EXERCISES, Script

VOICES = {"zh": "cmn", "en": "en"}


def _exists(title: str, lang: str) -> bool:
    return db.session.scalar(
        select(LibraryVersion.id).join(LibraryItem, LibraryVersion.item_id == LibraryItem.id)
        .where(LibraryVersion.title == title, LibraryItem.lang == lang).limit(1)) is not None


def synthesise(key: str, lang: str, script: Script) -> audio.Encoded | None:
    """The exercise read by espeak-ng and encoded by ffmpeg, or None without the tools."""
    espeak = shutil.which("espeak-ng")
    if not espeak or not audio.tools() or not current_app.config.get("LIBRARY_SEED_AUDIO"):
        return None
    folder = services.library_dir() / "audio"
    digest = hashlib.sha256(repr((lang, script)).encode()).hexdigest()[:12]
    name = f"starter-{key}-{lang}-{digest}"
    target = folder / f"{name}{audio.SUFFIX}"
    if target.is_file():
        return audio.Encoded(name=target.name, seconds=round(audio.probe_seconds(target)))
    ssml = "<speak>" + "".join(f'{escape(line, quote=False)}<break time="{pause}s"/>'
                               for line, pause in script) + "</speak>"
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "voice.wav"
        try:
            subprocess.run(  # noqa: S603 # nosec B603 - argument list, no shell
                [espeak, "-m", "-v", VOICES[lang], "-s", "135", "-w", str(wav), ssml],
                capture_output=True, timeout=120, check=True)
            return audio.transcode(wav, folder, name, normalise=False)
        except (subprocess.SubprocessError, audio.AudioError):
            return None


def seed_library(author: User, reviewer: User) -> int:
    """Create and publish whatever of the starter set is missing; returns how many items."""
    created = 0
    for article in ARTICLES:
        for lang in ("zh", "en"):
            title, summary, body = article[lang]
            if _exists(title, lang):
                continue
            version = services.create_item(author, ARTICLE, lang, services.Draft(
                title=title, summary=summary, body_md=body, tags=list(article["tags"])))
            services.submit(author, version)
            services.approve(reviewer, version)
            created += 1
    for exercise in EXERCISES:
        for lang in ("zh", "en"):
            title, summary, script = exercise[lang]
            if _exists(title, lang):
                continue
            version = services.create_item(author, AUDIO, lang, services.Draft(
                title=title, summary=summary, tags=list(exercise["tags"]),
                transcript="\n".join(line for line, _ in script)))
            encoded = synthesise(exercise["key"], lang, script)
            if encoded is not None:
                version.audio_file, version.audio_seconds = encoded.name, encoded.seconds
                version.placeholder_voice = True
            services.submit(author, version)
            services.approve(reviewer, version)
            created += 1
    db.session.commit()
    return created
