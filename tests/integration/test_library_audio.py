"""Library audio: uploads are checked and re-encoded by ffmpeg, served with Range requests
(phones seek) and caching headers, playable without JavaScript with the transcript below.

Without ffmpeg these tests skip loudly on a developer's machine and fail under CI (which
installs it); the refusal without ffmpeg is tested either way.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # nosec B404
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.library import audio
from app.library import services as library
from app.library.models import LibraryItem
from app.reports.models import LibraryUse
from tests.helpers import sign_in, text


def _need_ffmpeg() -> None:
    if audio.tools():
        return
    if os.environ.get("CI"):
        pytest.fail("CI: ffmpeg is missing; .ci/run installs it")
    pytest.skip("LIBRARY AUDIO TESTS SKIPPED: ffmpeg is not installed (apt-get install ffmpeg)")


@pytest.fixture
def library_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "LIBRARY_DIR", str(tmp_path / "library"))
    return tmp_path / "library"


@pytest.fixture
def tone(tmp_path) -> bytes:
    """Three seconds of a quiet tone as WAV, made by ffmpeg itself."""
    _need_ffmpeg()
    out = tmp_path / "tone.wav"
    subprocess.run([shutil.which("ffmpeg") or "ffmpeg", "-nostdin", "-loglevel", "error",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-af", "volume=0.05",
                    str(out)], check=True, timeout=60)
    return out.read_bytes()


@pytest.fixture
def counsellors(make_user):
    from app.accounts.models import Role

    return make_user(Role.COUNSELLOR), make_user(Role.COUNSELLOR)


def _upload(client, data: dict, audio_bytes: bytes, filename: str):
    page = client.get("/library/staff/new")
    from tests.helpers import csrf_token

    return client.post("/library/staff/new", data={
        "kind": "audio", "lang": "zh", "title": "呼吸练习", "transcript": "慢慢吸气，慢慢呼气。",
        "tags": ["relaxation"], **data, "csrf_token": csrf_token(text(page)),
        "audio": (BytesIO(audio_bytes), filename)}, content_type="multipart/form-data")


def test_upload_is_transcoded_published_and_seekable(app, client, counsellors, library_dir,
                                                     tone):
    author, reviewer = counsellors
    sign_in(client, author.email)
    response = _upload(client, {}, tone, "breathing.wav")
    assert response.status_code == 303
    item = db.session.scalar(select(LibraryItem))
    version = item.versions[0]
    assert version.audio_file.endswith(".m4a")
    assert 2 <= version.audio_seconds <= 4
    stored = Path(library_dir, "audio", version.audio_file)
    assert stored.read_bytes()[4:8] == b"ftyp"  # re-encoded: our own MP4/AAC file
    assert list(Path(library_dir, "tmp").iterdir()) == []  # the upload is not kept
    # not public before approval
    assert client.get(f"/library/audio/{version.audio_file}").status_code == 404
    library.submit(author, version)
    library.approve(reviewer, version)
    db.session.commit()
    page = text(client.get(f"/library/{item.uid}"))
    assert f'<audio controls preload="metadata" src="/library/audio/{version.audio_file}"' in page
    assert page.index("<audio") < page.index("慢慢吸气")  # transcript below the player
    whole = client.get(f"/library/audio/{version.audio_file}")
    assert whole.status_code == 200
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Cache-Control"].startswith("public, max-age=")
    assert whole.mimetype == "audio/mp4"
    size = len(whole.data)
    part = client.get(f"/library/audio/{version.audio_file}", headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{size}"
    assert part.data == whole.data[100:200]
    whole.close()
    part.close()
    # a seek is not another listen
    listens = db.session.scalar(select(LibraryUse.n).where(LibraryUse.event == "listen"))
    assert listens == 1


def test_a_file_that_is_not_audio_is_refused(app, client, counsellors, library_dir):
    _need_ffmpeg()
    author, _ = counsellors
    sign_in(client, author.email)
    response = _upload(client, {}, b"MZ\x90\x00 not audio at all", "evil.mp3")
    assert response.status_code == 200
    assert "不是我们接受的录音" in text(response) or "not a recording we accept" in text(response)
    assert db.session.scalar(select(LibraryItem)) is None
    fake = b"RIFF\x00\x00\x00\x00WAVEjunkjunkjunk" * 10
    response = _upload(client, {}, fake, "fake.wav")
    assert response.status_code == 200
    assert db.session.scalar(select(LibraryItem)) is None


def test_a_recording_over_the_size_limit_is_refused(app, client, counsellors, library_dir,
                                                    monkeypatch):
    author, _ = counsellors
    monkeypatch.setitem(app.config, "LIBRARY_AUDIO_MAX_BYTES", 1024)
    sign_in(client, author.email)
    # over the limit (plus the form's allowance), under werkzeug's 500 kB in-memory buffer
    response = _upload(client, {}, b"ID3" + b"\x00" * 300_000, "big.mp3")
    assert response.status_code == 413
    assert db.session.scalar(select(LibraryItem)) is None


def test_without_ffmpeg_the_upload_says_so_and_saves_nothing(app, client, counsellors,
                                                              library_dir, monkeypatch):
    author, _ = counsellors
    monkeypatch.setattr(audio, "tools", lambda: None)
    sign_in(client, author.email)
    response = _upload(client, {}, b"ID3" + b"\x00" * 100, "a.mp3")
    assert response.status_code == 200
    assert "ffmpeg" in text(response)
    assert db.session.scalar(select(LibraryItem)) is None
