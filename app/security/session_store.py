"""Server-side sessions: the cookie holds a random id; the data lives in Redis or the database.

Why our own ``SessionInterface`` and not Flask-Session: we need an index from a person to
all their sessions (so "sign out everywhere" and locking really end them), a table that
exists only through our migrations, and session data that a database or Redis reader
cannot use. Flask-Session offers none of the three; this module is small.

- A record's cookie value is 256 random bits (``secrets.token_urlsafe(32)``). The store
  never sees it: records are keyed by HKDF(id, "id") and sealed with AES-GCM under
  HKDF(id, "data"), so a copy of the table (or of Redis) neither reveals what sessions
  hold nor lets anyone ride them.
- Each record carries an expiry (idle limit, capped by the absolute limit from sign-in);
  Redis drops it by TTL, the database by ``flask retention run`` (and expired rows are
  ignored on read either way).
- ``session.clear()`` also gives the session a new id and deletes the old record: signing
  in, finishing the second factor, signing out and timing out all clear the session, so
  each of them rotates the id (no fixation, and an old cookie is worthless afterwards).
- ``end_user_sessions(uid)`` deletes every record of a person (Redis keeps a set per
  person, the database a ``user_uid`` column). ``User.session_version`` stays as a second
  line of defence.
- A session that holds only ``COOKIE_KEYS`` (the CSRF secret, the language choice,
  Flask-Login's freshness mark) has no record: it travels in the cookie itself, sealed with
  AES-GCM under HKDF(SECRET_KEY, "cookie") with the time it was sealed, and ``"c."`` in
  front (a record's id never has a dot). Why: every first visit to a page with a form
  (a questionnaire, sign-in) needs a CSRF secret, and writing a record for each of those
  visitors was most of the store's work (bench/README.md, Issue 21 step 13b). Nothing
  personal can be in it; the moment anything else is put in the session (signing in, a
  flashed message, a result's code) it becomes a record under a new random id. A sealed
  cookie that does not open, or is older than an anonymous record would live, is no session.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import secrets
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, Request, current_app, has_request_context
from flask.sessions import SessionInterface, SessionMixin, session_json_serializer
from redis import RedisError
from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.datastructures import CallbackDict
from werkzeug.wrappers import Response

from app.types import rowcount

SID_BYTES = 32
USER_KEY = "_user_id"  # where Flask-Login keeps "uid.version"
SIGNED_IN_AT = "signed_in_at"
IDLE_KEY = "idle_s"
# What a session may hold and still travel in the cookie: nothing personal, nothing about
# health, no answers. Flask-WTF's CSRF secret (its key is WTF_CSRF_FIELD_NAME, see
# cookie_keys), the language switch (app/i18n.py) and Flask-Login's "not fresh" mark, which
# it sets on the second request of any non-empty anonymous session.
COOKIE_KEYS = frozenset({"lang", "_fresh"})
SEALED_PREFIX = "c."  # a sealed cookie; a record's id (token_urlsafe) never has a dot
MAX_ID = 100  # longer ids are no session (a record's id has 43 characters)
MAX_SEALED = 1024  # longer sealed cookies are no session (ours have about 165)


def _derive(sid: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"xinqing session " + purpose).derive(sid.encode())


def record_key(sid: str) -> str:
    """The store's key for a cookie value: one-way, so the store cannot give out cookies."""
    return _derive(sid, b"id").hex()


def _encrypt(key: bytes, bound_to: bytes, data: Any) -> bytes:
    return _encrypt_plain(key, bound_to, session_json_serializer.dumps(data).encode())


def _encrypt_plain(key: bytes, bound_to: bytes, plain: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(key).encrypt(nonce, plain, bound_to)


def _decrypt(key: bytes, bound_to: bytes, blob: bytes) -> Any:
    """What ``_encrypt`` sealed, or None if it does not open."""
    try:
        plain = AESGCM(key).decrypt(blob[:12], blob[12:], bound_to)
        return session_json_serializer.loads(plain.decode())
    except (InvalidTag, ValueError, TypeError):
        return None


def _seal(sid: str, key: str, data: dict[str, Any]) -> bytes:
    """Seal ``data`` for the record ``key`` (= ``record_key(sid)``, which the caller holds)."""
    return _encrypt(_derive(sid, b"data"), key.encode(), data)


def _open(sid: str, key: str, blob: bytes) -> dict[str, Any] | None:
    """The data of the record ``key`` (= ``record_key(sid)``), or None if it does not open."""
    data = _decrypt(_derive(sid, b"data"), key.encode(), blob)
    return data if isinstance(data, dict) else None


@lru_cache(maxsize=4)
def _cookie_key(secret: str) -> bytes:
    """The sealed cookies' key: SECRET_KEY through HKDF, derived once per process."""
    return _derive(secret, b"cookie")


def cookie_keys(app: Flask) -> frozenset[str]:
    """The keys a session may hold and still be sealed in the cookie (``COOKIE_KEYS``)."""
    return COOKIE_KEYS | {app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")}


def seal_cookie(secret: str, data: dict[str, Any], sealed_at: float) -> str:
    """The cookie value holding ``data`` itself, sealed at ``sealed_at``.

    Plain JSON, not Flask's tagged serializer: the cookie keys hold strings and booleans,
    which both write byte for byte alike (so ``open_cookie`` reads either), and the tagged
    one took three times as long (12 of the seal's 19 µs per cookie-less visitor to a form:
    bench/README.md, Issue 21 step 14c)."""
    plain = json.dumps([sealed_at, data], separators=(",", ":"), sort_keys=True).encode()
    blob = _encrypt_plain(_cookie_key(secret), SEALED_PREFIX.encode(), plain)
    return SEALED_PREFIX + base64.urlsafe_b64encode(blob).rstrip(b"=").decode()


def open_cookie(secret: str, value: str, max_age: float) -> dict[str, Any] | None:
    """The data of a sealed cookie, or None if it does not open or is older than ``max_age``."""
    body = value.removeprefix(SEALED_PREFIX)
    try:
        blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None
    match _decrypt(_cookie_key(secret), SEALED_PREFIX.encode(), blob):
        case [int() | float() as sealed_at, dict() as data] if time.time() - sealed_at <= max_age:
            return data
    return None


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """Session data with its id; ``clear()`` starts a new id (the old record is deleted).

    ``new``: no record under ``sid`` yet. ``in_cookie``: the data came sealed in the cookie;
    ``sid`` is then a fresh id, used only if the session has to become a record.
    """

    def __init__(self, initial: dict[str, Any] | None = None, sid: str | None = None,
                 in_cookie: bool = False) -> None:
        def on_update(self: ServerSession) -> None:
            self.modified = True

        super().__init__(initial, on_update)
        self.new = sid is None
        self.sid = sid or secrets.token_urlsafe(SID_BYTES)
        self.in_cookie = in_cookie
        self.retired: list[str] = []
        self.modified = False

    def regenerate(self) -> None:
        """A new id for the same data; the old record goes at the end of the request."""
        if not self.new:
            self.retired.append(self.sid)
        self.sid = secrets.token_urlsafe(SID_BYTES)
        self.new = True
        self.modified = True

    def clear(self) -> None:
        super().clear()
        self.regenerate()


def _user_uid(data: dict[str, Any]) -> str | None:
    value = data.get(USER_KEY)
    return str(value).partition(".")[0] or None if value else None


def _end_request_transaction() -> None:
    """Close the request's own transaction before the store writes on its own connection.

    On SQLite a web request holds the write lock from its first statement (app/sqlite.py),
    so a second connection of the same request would wait for itself. The session is saved
    after the view and its after-request hooks, so anything still uncommitted here would be
    rolled back at teardown anyway. Rolled back rather than closed: loaded objects stay
    attached (a test's ``session_transaction`` shares the test's own session).
    """
    from app.extensions import db

    if has_request_context() and db.session().in_transaction():
        db.session.rollback()


class DatabaseStore:
    """Records in the ``server_sessions`` table (see app/security/models.py)."""

    def load(self, key: str) -> bytes | None:
        from app.extensions import db
        from app.security.models import ServerSession as Row

        with db.engine.connect() as conn:
            row = conn.execute(select(Row.data, Row.expires_at).where(Row.id == key)).first()
        return row.data if row is not None and row.expires_at > datetime.now(UTC) else None

    def save(self, key: str, blob: bytes, user_uid: str | None, ttl: float,
             new: bool) -> bool:
        """Write a record; an existing one only while it still exists (ended stays ended)."""
        from app.extensions import db
        from app.security.models import ServerSession as Row

        _end_request_transaction()
        table = Row.__table__
        values = {"data": blob, "user_uid": user_uid, "updated_at": datetime.now(UTC),
                  "expires_at": datetime.fromtimestamp(time.time() + ttl, UTC)}
        with db.engine.begin() as conn:
            if new:
                conn.execute(table.insert().values(id=key, **values))
                return True
            return bool(conn.execute(table.update().where(table.c.id == key)
                                     .values(**values)).rowcount)

    def delete(self, keys: Iterable[str]) -> None:
        from app.extensions import db
        from app.security.models import ServerSession as Row

        keys = list(keys)
        if keys:
            _end_request_transaction()
            with db.engine.begin() as conn:
                conn.execute(delete(Row).where(Row.id.in_(keys)))

    def end_user(self, user_uid: str) -> int:
        """Delete every record of one person, in the caller's transaction."""
        from app.extensions import db
        from app.security.models import ServerSession as Row

        result = db.session.execute(delete(Row).where(Row.user_uid == user_uid))
        return rowcount(result) or 0

    def purge_expired(self, batch: int = 1000) -> int:
        """Delete expired records in batches; safe when several run at once."""
        from app.extensions import db
        from app.security.models import ServerSession as Row

        total = 0
        while True:
            now = datetime.now(UTC)
            chosen = (select(Row.id).where(Row.expires_at < now).limit(batch)
                      .scalar_subquery())
            result = db.session.execute(delete(Row).where(Row.id.in_(chosen)))
            db.session.commit()
            if not (removed := rowcount(result)):
                return total
            total += removed


class RedisStore:
    """Records as Redis strings with a TTL, plus one set of record keys per person."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)
        self.prefix = prefix

    def _key(self, key: str) -> str:
        return f"{self.prefix}s:{key}"

    def _user_key(self, user_uid: str) -> str:
        return f"{self.prefix}u:{user_uid}"

    def load(self, key: str) -> bytes | None:
        return cast("bytes | None", self.redis.get(self._key(key)))  # no decode_responses

    def save(self, key: str, blob: bytes, user_uid: str | None, ttl: float,
             new: bool) -> bool:
        """Write a record; an existing one only while it still exists (ended stays ended)."""
        ms = max(int(ttl * 1000), 1)
        pipe = self.redis.pipeline()
        if new:
            pipe.set(self._key(key), blob, px=ms, nx=True)
        else:
            pipe.set(self._key(key), blob, px=ms, xx=True)
        if user_uid:
            absolute = int(current_app.config["PERMANENT_SESSION_LIFETIME"].total_seconds())
            pipe.sadd(self._user_key(user_uid), key)
            pipe.expire(self._user_key(user_uid), absolute + 60)
        return bool(pipe.execute()[0])

    def delete(self, keys: Iterable[str]) -> None:
        keys = [self._key(k) for k in keys]
        if keys:
            self.redis.delete(*keys)

    def end_user(self, user_uid: str) -> int:
        members = [m.decode() if isinstance(m, bytes) else m
                   for m in self.redis.smembers(self._user_key(user_uid))]
        pipe = self.redis.pipeline()
        for member in members:
            pipe.delete(self._key(member))
        pipe.delete(self._user_key(user_uid))
        results = pipe.execute()
        return sum(int(r) for r in results[:-1])

    def purge_expired(self, batch: int = 1000) -> int:
        """Redis expires records itself; nothing to do."""
        return 0


# What an unreachable store raises (redis-py's errors are not OSErrors).
STORE_ERRORS = (SQLAlchemyError, OSError, RedisError)


class ServerSessionInterface(SessionInterface):
    """Flask's session hooks, backed by one of the stores above."""

    def __init__(self, store: DatabaseStore | RedisStore) -> None:
        self.store = store
        self.store_ok = True  # per process: an outage is logged once, and so is the recovery

    def _store_down(self, app: Flask, exc: Exception) -> None:
        """Policy while the store is unreachable: serve everyone as signed out, say so once."""
        if self.store_ok:
            self.store_ok = False
            app.logger.error("session store unavailable (%s): serving everyone as signed out "
                             "until it answers again", type(exc).__name__)

    def _store_up(self, app: Flask) -> None:
        if not self.store_ok:
            self.store_ok = True
            app.logger.warning("session store reachable again")

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if sid and sid.startswith(SEALED_PREFIX) and len(sid) <= MAX_SEALED:
            data = open_cookie(app.config["SECRET_KEY"], sid, self._ttl(app, {}))
            return ServerSession(data, in_cookie=True) if data else ServerSession()
        if not sid or len(sid) > MAX_ID:
            return ServerSession()
        key = record_key(sid)  # derived once per request: HKDF showed in the profile
        try:
            blob = self.store.load(key)
            self._store_up(app)
        except STORE_ERRORS as exc:
            self._store_down(app, exc)
            blob = None
        data = _open(sid, key, blob) if blob else None
        if data is None:
            return ServerSession()  # unknown, ended or expired: a fresh, empty session
        return ServerSession(data, sid=sid)

    def _ttl(self, app: Flask, session: Mapping[str, Any]) -> float:
        config = app.config
        absolute = config["PERMANENT_SESSION_LIFETIME"].total_seconds()
        idle = float(session.get(IDLE_KEY) or config["IDLE_TIMEOUT"].total_seconds())
        started = session.get(SIGNED_IN_AT)
        remaining = absolute - (time.time() - started) if started else absolute
        # A minute's slack: the idle check itself (app/security/sessions.py) is exact.
        return float(max(min(idle + 60, remaining), 1))

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        name = self.get_cookie_name(app)
        cookie: dict[str, Any] = dict(
            domain=self.get_cookie_domain(app), path=self.get_cookie_path(app),
            secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app),
            httponly=self.get_cookie_httponly(app))
        if session.accessed:
            response.vary.add("Cookie")
        if session.retired:
            self.store.delete(record_key(s) for s in session.retired)
            session.retired = []
        if not session:
            if session.modified:
                if not session.new:
                    self.store.delete([record_key(session.sid)])
                response.delete_cookie(name, **cookie)
                response.vary.add("Cookie")
            return
        if not session.modified and (not session.new or session.in_cookie):
            return
        if session.new and session.keys() <= cookie_keys(app):
            # No record yet and nothing that needs one: the data goes in the cookie itself.
            value = seal_cookie(app.config["SECRET_KEY"], dict(session), time.time())
            response.set_cookie(name, value, expires=self.get_expiration_time(app, session),
                                **cookie)
            response.vary.add("Cookie")
            session.in_cookie = True
            session.modified = False
            return
        key = record_key(session.sid)
        try:
            saved = self.store.save(key, _seal(session.sid, key, dict(session)), _user_uid(session),
                                    self._ttl(app, session), session.new)
        except STORE_ERRORS as exc:
            self._store_down(app, exc)
            return  # no cookie for a session that was not kept: the reader stays signed out
        if not saved:
            return  # ended meanwhile (signed out elsewhere): do not bring it back
        response.set_cookie(name, session.sid, expires=self.get_expiration_time(app, session),
                            **cookie)
        response.vary.add("Cookie")
        session.new = False
        session.in_cookie = False
        session.modified = False


def get_store() -> DatabaseStore | RedisStore:
    """The app's session store."""
    # Read from the registry, not app.session_interface: the API wraps that interface.
    store: DatabaseStore | RedisStore = current_app.extensions["xinqing_session_store"]
    return store


def end_user_sessions(user_uid: str) -> int:
    """Delete every stored session of a person (database: in the caller's transaction)."""
    return get_store().end_user(user_uid)


def init_app(app: Flask) -> None:
    """Redis when ``REDIS_URL`` is set, the database otherwise."""
    url = app.config.get("SESSION_REDIS_URL") or app.config.get("REDIS_URL")
    store: DatabaseStore | RedisStore
    if url:
        store = RedisStore(url, app.config.get("SESSION_REDIS_PREFIX", "xq:session:"))
    else:
        store = DatabaseStore()
    app.extensions["xinqing_session_store"] = store
    app.session_interface = ServerSessionInterface(store)

