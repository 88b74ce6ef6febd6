"""This visitor's CSRF token for the pages served from the render cache, made as Flask-WTF
makes it, without rebuilding Flask-WTF's signing machinery on every call.

Why: a page served from the render cache (the home page, the questionnaires) still needs the
visitor's own token, and for a first-time visitor that is a new token on every request.
Flask-WTF's ``generate_csrf`` builds an itsdangerous serializer and signer per call, tries
zlib on the 42-byte payload (kept only when shorter, which a random secret's never was: at
least 43 bytes in 300 000 tries; Flask-WTF's check reads either form) and signs through
``hmac.new``'s Python path; that was the largest single share of a cached
questionnaire for a first-time visitor (bench/README.md, Issue 21 step 15a).

What it makes is Flask-WTF's token byte for byte (tests/integration/test_anonymous_floor.py
compares it with Flask-WTF's own at the same second): the session's secret (40 hex
characters, 160 random bits, kept in the session under ``WTF_CSRF_FIELD_NAME``; a new one
when there is none) as a JSON string in URL-safe base64, the time in seconds, and an
HMAC-SHA1 over both under the key itsdangerous derives from ``WTF_CSRF_SECRET_KEY`` (or
``SECRET_KEY``) with Flask-WTF's salt. It is checked by Flask-WTF's ``CSRFProtect`` exactly
as before: signature, age (``WTF_CSRF_TIME_LIMIT``) and the session's secret. The token is
kept in ``g`` under the field name, as Flask-WTF keeps it, so every form of the request
(rendered by Flask-WTF) carries the same one. A secret that is not one Flask-WTF or this
module would have made is left to Flask-WTF's ``generate_csrf``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from functools import lru_cache

from flask import current_app, g, session
from flask_wtf.csrf import generate_csrf

# Flask-WTF signs with this salt; itsdangerous's default key derivation ("django-concat")
# adds b"signer" between salt and secret and hashes with its default digest, SHA-1.
SALT = b"wtf-csrf-token"
_OURS = re.compile(r"[0-9a-f]{40}")


@lru_cache(maxsize=8)
def _signing_key(secret_key: bytes) -> bytes:
    """The HMAC key itsdangerous derives from the secret key (the same for every token)."""
    # itsdangerous's derivation, which Flask-WTF's check repeats: it must be the same hash.
    return hashlib.sha1(SALT + b"signer" + secret_key).digest()  # noqa: S324  # nosec B324


def _b64(raw: bytes) -> bytes:
    """itsdangerous's base64: URL-safe, without padding."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def csrf_token() -> str:
    """This request's CSRF token (the one ``generate_csrf`` would give)."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = g.get(field)
    if token is not None:
        return str(token)
    secret = session.get(field)
    if secret is None:
        secret = session[field] = secrets.token_hex(20)
    elif not isinstance(secret, str) or not _OURS.fullmatch(secret):
        return str(generate_csrf())
    key = config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)
    if key is None:
        return str(generate_csrf())  # Flask-WTF says what is missing
    payload = _b64(json.dumps(secret).encode())
    now = int(time.time())
    signed = payload + b"." + _b64(now.to_bytes((now.bit_length() + 7) // 8, "big"))
    key_bytes = key.encode() if isinstance(key, str) else key
    signature = hmac.digest(_signing_key(key_bytes), signed, "sha1")
    token = (signed + b"." + _b64(signature)).decode("ascii")
    setattr(g, field, token)
    return token
