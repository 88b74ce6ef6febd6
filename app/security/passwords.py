"""Password hashing (argon2id) and the password rules every account follows."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from importlib.resources import files

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app
from flask_babel import lazy_gettext

# Messages are translated when shown; a lazy string reads as the str it becomes.
_l: Callable[..., str] = lazy_gettext

MIN_LENGTH = 8
MAX_LENGTH = 128

# A real hash of a throwaway password, verified against when the account does not exist,
# so a wrong login takes the same time whether or not the account is there.
_DUMMY_PASSWORD = "not-a-real-password-xinqing"  # noqa: S105


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_COST"],
        parallelism=cfg["ARGON2_PARALLELISM"],
        type=Type.ID,
    )


def _normalise(password: str) -> str:
    # NFKC so that full-width digits typed on a Chinese keyboard match their ASCII twins.
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """An argon2id hash with the configured cost."""
    return _hasher().hash(_normalise(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; spends the same work when there is no hash."""
    hasher = _hasher()
    try:
        return hasher.verify(stored_hash or hasher.hash(_DUMMY_PASSWORD), _normalise(password)) \
            and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with other parameters than today's (upgrade at login)."""
    return _hasher().check_needs_rehash(stored_hash)


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    text = files("app.security").joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines()
        if line.strip() and not line.startswith("#")
    )


def _is_common(password: str) -> bool:
    lowered = password.lower()
    if lowered in _common():
        return True
    if len(set(lowered)) <= 2:  # "aaaaaaaa", "abababab"
        return True
    digits = "01234567890" * 2
    if lowered.isdigit() and (lowered in digits or lowered in digits[::-1]):
        return True
    # A common stem with digits or symbols stuck on the end ("password2026!").
    stem = re.sub(r"[\d\W_]+$", "", lowered)
    return len(stem) >= 6 and stem in _common()


def password_problem(password: str, *, avoid: tuple[str, ...] = ()) -> str | None:
    """The translated reason a new password is refused, or None when it is acceptable.

    ``avoid`` holds the person's own email and phone, which must not be the password.
    """
    password = _normalise(password or "")
    if len(password) < MIN_LENGTH:
        return _l("Use at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(n)d characters.", n=MAX_LENGTH)
    if _is_common(password):
        return _l("This password is too common and easy to guess. Please choose another.")
    lowered = password.lower()
    for value in avoid:
        if value and (lowered == value.lower() or lowered in value.lower()):
            return _l("Do not use your phone number or email address as your password.")
    return None
