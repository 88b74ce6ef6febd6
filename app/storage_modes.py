"""The SQLite file is as private as the key file: created 0600, and a warning otherwise.

The database holds ciphertext, blind indexes and the audit chain; readable by other local
users it can be copied and attacked offline. SQLite gives its ``-wal`` and ``-shm`` files the
database file's mode, so creating the file 0600 before SQLite does covers all three.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

log = logging.getLogger("app")


def sqlite_path(uri: str) -> Path | None:
    """The database file of a SQLite URI; None for memory or another database."""
    try:
        url = make_url(uri)
    except Exception:  # an unparsable URI fails later, with SQLAlchemy's message
        return None
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    if str(url.database).startswith("file:"):
        return None
    return Path(str(url.database))


def secure_sqlite_file(uri: str) -> None:
    """Create the database file 0600 if missing; warn when it or its folder is open to others."""
    path = sqlite_path(uri)
    if path is None:
        return
    if path.parent.is_dir() and not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)  # whatever the umask
    for found, fix in ((path, 600), (path.with_name(path.name + "-wal"), 600),
                       (path.with_name(path.name + "-shm"), 600), (path.parent, 700)):
        try:
            mode = stat.S_IMODE(found.stat().st_mode)
        except OSError:
            continue
        if mode & 0o077:
            log.warning("storage.readable_by_others: %s has mode %o; run: chmod %d %s",
                        found, mode, fix, found)
