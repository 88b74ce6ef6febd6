"""Create ``instance/`` with a secret key and a key file when they are missing.

Run by ``make run``: ``python -m app.security.bootstrap [INSTANCE_DIR]``. Never overwrites.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from app.security.keyring import KeyRing


def ensure_instance(instance: Path) -> list[str]:
    """Create what is missing (mode 0600) and say what was created."""
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    created = []
    secret = instance / "secret_key"
    if not secret.exists():
        fd = os.open(secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secrets.token_urlsafe(48))
        created.append(str(secret))
    keys = instance / "keys.json"
    if not keys.exists():
        KeyRing.generate().save(keys)
        created.append(str(keys))
    return created


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    instance = Path(argv[1] if len(argv) > 1 else os.environ.get("XINQING_INSTANCE_DIR",
                                                                   "instance"))
    for path in ensure_instance(instance):
        print(f"created {path} (mode 0600; back it up separately from the database)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
