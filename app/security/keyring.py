"""Key-encryption keys and the blind-index root key, held outside the database.

The key file (JSON, mode 0600) looks like::

    {"format": 1, "current": 2,
     "keks": {"1": "<base64 32 bytes>", "2": "<base64 32 bytes>"},
     "index_key": "<base64 32 bytes>"}

``XINQING_KEYS`` may hold the same JSON instead of a file. Old key versions stay
in the ring until ``flask keys status`` shows no data key still wrapped by them.
The index key never rotates with the KEKs: blind indexes must stay stable.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

KEY_BYTES = 32
FORMAT = 1


class KeyRingError(RuntimeError):
    """A key is missing or malformed; the message says which and what to do."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(text, validate=True)
    except (ValueError, TypeError) as exc:
        raise KeyRingError(f"{what} is not valid base64") from exc
    if len(raw) != KEY_BYTES:
        raise KeyRingError(f"{what} must be {KEY_BYTES} bytes, found {len(raw)}")
    return raw


@dataclass
class KeyRing:
    """Versioned KEKs plus the index root key; reloads its file when a version is unknown."""

    current: int
    keks: dict[int, bytes]
    index_key: bytes
    path: Path | None = None
    _mtime: float | None = field(default=None, repr=False)

    @classmethod
    def generate(cls) -> KeyRing:
        """A fresh ring with one KEK (version 1) and a new index key."""
        return cls(current=1, keks={1: secrets.token_bytes(KEY_BYTES)},
                   index_key=secrets.token_bytes(KEY_BYTES))

    @classmethod
    def from_json(cls, text: str, source: str = "XINQING_KEYS") -> KeyRing:
        """Parse and check the JSON form, naming the source in every error."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise KeyRingError(f"{source}: not valid JSON ({exc.msg})") from exc
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise KeyRingError(f"{source}: expected an object with \"format\": {FORMAT}")
        try:
            keks = {int(v): _unb64(k, f"{source}: KEK version {v}")
                    for v, k in dict(data["keks"]).items()}
            current = int(data["current"])
            index_key = _unb64(data["index_key"], f"{source}: index_key")
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyRingError(f"{source}: needs \"current\", \"keks\" and \"index_key\"") from exc
        if current not in keks:
            raise KeyRingError(f"{source}: current version {current} is not among the KEKs")
        return cls(current=current, keks=keks, index_key=index_key)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> KeyRing:
        """Read a key file; refuses a file other users can read."""
        path = Path(path)
        try:
            stat = path.stat()
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise KeyRingError(
                f"key file {path} not found: create it with `python -m app.security.bootstrap`"
            ) from None
        if stat.st_mode & 0o077:
            raise KeyRingError(f"key file {path} is readable by others: chmod 600 {path}")
        ring = cls.from_json(text, source=str(path))
        ring.path, ring._mtime = path, stat.st_mtime
        return ring

    def to_json(self) -> str:
        """The JSON form, as written to the key file."""
        return json.dumps({
            "format": FORMAT,
            "current": self.current,
            "keks": {str(v): _b64(k) for v, k in sorted(self.keks.items())},
            "index_key": _b64(self.index_key),
        }, indent=2)

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write atomically with mode 0600, so a crash never leaves a half-written key file."""
        target = Path(path or self.path or "")
        if not str(target):
            raise KeyRingError("keys come from XINQING_KEYS, not a file: update that variable")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".keys-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(self.to_json())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.path, self._mtime = target, target.stat().st_mtime
        return target

    def add_version(self) -> int:
        """Add a new KEK and make it current; returns its version."""
        version = max(self.keks) + 1
        self.keks[version] = secrets.token_bytes(KEY_BYTES)
        self.current = version
        return version

    def kek(self, version: int) -> bytes:
        """The KEK of a version; re-reads the key file once if another process rotated it."""
        if version not in self.keks and self.path is not None:
            self._reload_if_changed()
        try:
            return self.keks[version]
        except KeyError:
            raise KeyRingError(f"KEK version {version} is not in the key ring") from None

    def _reload_if_changed(self) -> None:
        assert self.path is not None
        try:
            mtime = self.path.stat().st_mtime
        except FileNotFoundError:
            return
        if mtime != self._mtime:
            fresh = KeyRing.load(self.path)
            self.keks, self.index_key, self._mtime = fresh.keks, fresh.index_key, fresh._mtime
            # A newer current version elsewhere is adopted too, so new data keys use it.
            self.current = max(self.current, fresh.current)


def load_keyring(key_file: str | None, keys_env: str | None) -> KeyRing:
    """The ring from the environment when set, else from the key file."""
    if keys_env:
        return KeyRing.from_json(keys_env)
    if not key_file:
        raise KeyRingError("no key file configured and XINQING_KEYS is not set")
    return KeyRing.load(key_file)
