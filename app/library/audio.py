"""Audio for guided exercises: check an upload, then transcode it with Debian's ffmpeg.

ffmpeg is called through ``subprocess.run`` with an argument list (never a shell), with a
time limit, reading a file we wrote and writing a new one. Every upload is re-encoded (so
what we serve is always our own small AAC file, whatever was sent), loudness-normalised to
-16 LUFS (EBU R128 ``loudnorm``, the usual level for speech on phones), mono, 64 kbit/s,
with the index at the front (``+faststart``) so a phone can seek before it has the file.
"""

from __future__ import annotations

import shutil
import subprocess  # nosec B404 - fixed argument lists, no shell
from dataclasses import dataclass
from pathlib import Path

EXTENSIONS = (".mp3", ".m4a", ".aac", ".wav", ".ogg", ".oga", ".opus", ".flac")
SUFFIX = ".m4a"
MIME = "audio/mp4"
TRANSCODE_TIMEOUT = 180  # seconds; a 15-minute recording takes a few seconds here
MAX_SECONDS = 20 * 60    # longer than any exercise we offer


class AudioError(Exception):
    """The upload is not audio we can use; ``reason`` is a short code for the message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Encoded:
    """The file we stored and how long it plays."""

    name: str
    seconds: int


def tools() -> tuple[str, str] | None:
    """Paths of ffmpeg and ffprobe, or None when either is missing on this machine."""
    ffmpeg, ffprobe = shutil.which("ffmpeg"), shutil.which("ffprobe")
    return (ffmpeg, ffprobe) if ffmpeg and ffprobe else None


def looks_like_audio(filename: str, head: bytes) -> bool:
    """A known audio extension and the first bytes of a known audio container."""
    if not filename.lower().endswith(EXTENSIONS):
        return False
    return (head[:3] == b"ID3" or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2",
                                               b"\xff\xf1", b"\xff\xf9")
            or (head[:4] == b"RIFF" and head[8:12] == b"WAVE") or head[:4] in (b"OggS", b"fLaC")
            or head[4:8] == b"ftyp")


def probe_seconds(path: Path) -> float:
    """How long a file plays, by ffprobe; AudioError when it is not audio."""
    found = tools()
    if not found:
        raise AudioError("no_ffmpeg")
    try:
        out = subprocess.run(  # noqa: S603 # nosec B603 - argument list, no shell
            [found[1], "-v", "error", "-select_streams", "a:0", "-show_entries",
             "format=duration", "-of", "default=noprint_wrappers=1:nokey=1", str(path)],
            capture_output=True, timeout=30, check=True, text=True)
        return float(out.stdout.strip().splitlines()[0])
    except (subprocess.SubprocessError, ValueError, IndexError) as exc:
        raise AudioError("not_audio") from exc


def transcode(source: Path, folder: Path, name: str, normalise: bool = True) -> Encoded:
    """Re-encode ``source`` into ``folder/name.m4a``: loudness-normalised mono AAC.

    ``normalise=False`` (a synthesised voice, already at one level) skips ``loudnorm``, which
    works at 192 kHz internally and is by far the slowest step.
    """
    found = tools()
    if not found:
        raise AudioError("no_ffmpeg")
    seconds = probe_seconds(source)
    if seconds <= 0.5 or seconds > MAX_SECONDS:
        raise AudioError("length")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}{SUFFIX}"
    partial = folder / f"{name}.part{SUFFIX}"
    try:
        subprocess.run(  # noqa: S603 # nosec B603 - argument list, no shell
            [found[0], "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i",
             str(source), "-vn", "-sn", "-dn", "-map_metadata", "-1", "-ac", "1",
             *(["-af", "loudnorm=I=-16:TP=-1.5:LRA=11", "-ar", "44100", "-b:a", "64k"]
               if normalise else ["-ar", "22050", "-b:a", "32k"]),
             "-c:a", "aac", "-movflags", "+faststart", "-t", str(MAX_SECONDS), str(partial)],
            capture_output=True, timeout=TRANSCODE_TIMEOUT, check=True)
    except subprocess.SubprocessError as exc:
        partial.unlink(missing_ok=True)
        raise AudioError("not_audio") from exc
    partial.replace(target)
    return Encoded(name=target.name, seconds=round(seconds))
