"""The per-request work around a cached anonymous page (bench/README.md, Issue 21 step 14c):
what is the same on every request is done once, and the visitor gets the same answer."""

from __future__ import annotations

import base64
import contextvars
import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from babel import Locale
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, session
from flask.sessions import session_json_serializer
from flask_babel import get_locale
from flask_wtf.csrf import validate_csrf

from app.extensions import db, login_manager
from app.security import session_store
from app.security.headers import DEFAULTS, NO_STORE
from tests.conftest import IsolatedClient
from tests.helpers import text

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextmanager
def counted_sessions() -> Iterator[list[int]]:
    """How many SQLAlchemy sessions the requests inside open."""
    registry = db.session.registry
    create = registry.createfunc
    opened = [0]

    def counting(*args, **kwargs):
        opened[0] += 1
        return create(*args, **kwargs)

    registry.createfunc = counting
    try:
        yield opened
    finally:
        registry.createfunc = create


def cookieless(app: Flask) -> IsolatedClient:
    """A visitor who never sends a cookie back (as make bench asks), each request in its own
    app context (as on a real server)."""
    return IsolatedClient(app, app.response_class, use_cookies=False)


def test_a_cached_home_page_opens_no_database_session(app: Flask) -> None:
    """Within the catalogue's recheck interval the page needs nothing from the database, so
    no ORM session is made (and closed) for it."""
    app.config["CATALOGUE_RECHECK_SECONDS"] = 3600
    visitor = cookieless(app)
    assert visitor.get("/").status_code == 200  # reads the catalogue's version once
    with counted_sessions() as opened:
        for url in ("/", "/screening/phq9", "/screening/phq9"):
            assert visitor.get(url).status_code == 200
    assert opened[0] == 0


def test_the_locale_is_one_object_per_language_per_process(app: Flask) -> None:
    """Babel's locale is parsed once per language, not on every request."""

    def locale_of_a_request(language: str) -> Locale | None:
        def run() -> Locale | None:
            with app.test_request_context("/", headers={"Accept-Language": language}):
                return get_locale()

        return contextvars.Context().run(run)  # its own app context, as on a server

    for language, code in (("en", "en"), ("zh-CN", "zh_Hans_CN")):
        first, second = locale_of_a_request(language), locale_of_a_request(language)
        assert str(first) == code
        assert first is second


def test_the_language_choice_is_still_honoured_without_a_cookie(app: Flask) -> None:
    visitor = cookieless(app)
    for _ in range(2):  # rendered, then from the cache
        assert 'lang="en"' in text(visitor.get("/", headers={"Accept-Language": "en"}))
        assert 'lang="zh-CN"' in text(visitor.get("/", headers={"Accept-Language": "zh-CN"}))
        assert 'lang="en"' in text(visitor.get("/?lang=en"))


def test_nobody_is_looked_up_for_a_visitor_without_a_session(app: Flask, monkeypatch) -> None:
    """An empty session and no "remember me" cookie: anonymous without Flask-Login's loader;
    a cookie it reads still goes through it."""
    calls = []
    load = login_manager._load_user
    monkeypatch.setattr(login_manager, "_load_user", lambda: calls.append(1) or load())
    visitor = cookieless(app)
    for url in ("/", "/screening/phq9", "/account/login"):
        assert visitor.get(url).status_code == 200
    assert calls == []
    remembered = cookieless(app).get("/", headers={"Cookie": "remember_token=1|forged"})
    assert remembered.status_code == 200
    assert calls == [1]


def test_a_sealed_cookie_is_plain_json_and_one_sealed_before_still_opens(app: Flask) -> None:
    """The cookie keys hold strings and booleans: plain JSON writes them as Flask's tagged
    serializer did, so cookies sealed before a deploy keep opening, and vice versa."""
    secret = app.config["SECRET_KEY"]
    data = {"csrf_token": "a" * 40, "lang": "en", "_fresh": False}
    now = time.time()
    value = session_store.seal_cookie(secret, data, now)
    body = value.removeprefix("c.")
    blob = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    plain = AESGCM(session_store._cookie_key(secret)).decrypt(blob[:12], blob[12:], b"c.")
    assert json.loads(plain) == [now, data]
    assert plain == session_json_serializer.dumps([now, data]).encode()
    nonce = os.urandom(12)
    old = nonce + AESGCM(session_store._cookie_key(secret)).encrypt(
        nonce, session_json_serializer.dumps([now, data]).encode(), b"c.")
    old_value = "c." + base64.urlsafe_b64encode(old).rstrip(b"=").decode()
    assert session_store.open_cookie(secret, old_value, 60) == data
    assert session_store.open_cookie(secret, value, 60) == data


def test_a_cookieless_visitor_gets_every_header_and_a_token_that_opens(app: Flask) -> None:
    """Same security headers and request id as any page; the form's sealed cookie holds the
    CSRF secret the page's token was signed with."""
    visitor = cookieless(app)
    for url in ("/", "/", "/screening/phq9", "/screening/phq9"):
        response = visitor.get(url)
        for name, value in (*DEFAULTS, *NO_STORE):
            assert response.headers.get_all(name) == [value], (url, name)
        assert len(response.headers["X-Request-ID"]) == 16
    sealed = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    data = session_store.open_cookie(app.config["SECRET_KEY"], sealed, 60)
    token = TOKEN.search(text(response)).group(1)
    with app.test_request_context():
        session["csrf_token"] = data["csrf_token"]
        validate_csrf(token)  # raises if the token is not this secret's


def test_hooks_are_asked_once_whether_they_are_coroutines(app: Flask, monkeypatch) -> None:
    """Flask asks ``inspect`` of every hook and view on every request; the answer for a given
    function never changes, so the app keeps it."""
    import flask.app

    asked = []
    real = flask.app.iscoroutinefunction
    monkeypatch.setattr(flask.app, "iscoroutinefunction",
                        lambda func: asked.append(func) or real(func))
    visitor = cookieless(app)
    visitor.get("/")
    asked.clear()
    for _ in range(3):
        assert visitor.get("/").status_code == 200
    assert asked == []


def test_a_cached_page_signs_its_token_without_flask_wtfs_serializer(app: Flask,
                                                                     monkeypatch) -> None:
    """A cached page's token is made without an itsdangerous serializer per request (step
    15a), and still opens with the secret its cookie carries."""
    import flask_wtf.csrf

    built = []
    real = flask_wtf.csrf.URLSafeTimedSerializer
    monkeypatch.setattr(flask_wtf.csrf, "URLSafeTimedSerializer",
                        lambda *a, **k: built.append(1) or real(*a, **k))
    visitor = cookieless(app)
    visitor.get("/screening/phq9")  # rendered and kept
    built.clear()
    responses = [visitor.get("/screening/phq9") for _ in range(2)]
    assert built == []
    for response in responses:
        sealed = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
        secret = session_store.open_cookie(app.config["SECRET_KEY"], sealed, 60)["csrf_token"]
        with app.test_request_context():
            session["csrf_token"] = secret
            validate_csrf(TOKEN.search(text(response)).group(1))


def test_the_token_is_flask_wtfs_own_byte_for_byte(app: Flask, monkeypatch) -> None:
    """Same secret, same second: the same token as Flask-WTF's ``generate_csrf``; a new
    visitor gets a 40-hex secret; one request keeps one token; Flask-WTF still refuses it
    once it is older than WTF_CSRF_TIME_LIMIT."""
    import pytest
    from flask import g
    from flask_wtf.csrf import generate_csrf
    from wtforms import ValidationError

    from app.security.csrf_token import csrf_token

    now = [1_796_000_000.25]
    monkeypatch.setattr(time, "time", lambda: now[0])
    for secret_key in (app.config["SECRET_KEY"], "ключ-é", b"\x00bytes key"):
        app.config["WTF_CSRF_SECRET_KEY"] = secret_key
        with app.test_request_context():
            g.pop("csrf_token", None)  # the test's app context outlives its requests
            ours = csrf_token()
            secret = session["csrf_token"]
            assert re.fullmatch(r"[0-9a-f]{40}", secret)
            assert csrf_token() == ours == generate_csrf()  # kept for the request
            g.pop("csrf_token")
            assert generate_csrf() == ours  # Flask-WTF's own, same secret and second
            validate_csrf(ours)
            now[0] += app.config["WTF_CSRF_TIME_LIMIT"] + 1
            with pytest.raises(ValidationError):
                validate_csrf(ours)
            now[0] -= app.config["WTF_CSRF_TIME_LIMIT"] + 1
    del app.config["WTF_CSRF_SECRET_KEY"]
    with app.test_request_context():
        g.pop("csrf_token", None)
        session["csrf_token"] = "not one of ours"  # left to Flask-WTF, as it is
        token = csrf_token()
        assert session["csrf_token"] == "not one of ours"
        validate_csrf(token)


def test_the_limiter_looks_for_no_limit_on_reading_a_cached_page(app: Flask,
                                                                 monkeypatch) -> None:
    """Reading a page the render cache serves skips Flask-Limiter's resolution (step 15a);
    a POST to the same address still goes through it."""
    from app.extensions import limiter

    resolved = []
    real = limiter.limit_manager.resolve_limits
    monkeypatch.setattr(limiter.limit_manager, "resolve_limits",
                        lambda *a, **k: resolved.append(1) or real(*a, **k))
    visitor = cookieless(app)
    for url in ("/", "/screening/phq9", "/screening/", "/booking"):
        assert visitor.get(url).status_code == 200
        assert visitor.head(url).status_code == 200
    assert resolved == []
    app.config["WTF_CSRF_ENABLED"] = False  # (the CSRF check comes first)
    visitor.post("/screening/phq9", data={})
    assert resolved


def test_no_page_the_render_cache_serves_has_a_limit_on_reading(app: Flask) -> None:
    """The request filter above would hide such a limit: a view that needs one must not be
    served from the render cache (or the filter must learn of it)."""
    from flask_limiter.util import get_qualified_name

    from app.extensions import limiter
    from app.render_cache import SERVED_ATTR

    manager = limiter.limit_manager
    served = {endpoint: view for endpoint, view in app.view_functions.items()
              if getattr(view, SERVED_ATTR, False)}
    assert {"main.home", "screening.take", "screening.index", "booking.browse"} <= set(served)
    assert not manager.application_limits
    assert not manager.default_limits
    for method in ("GET", "HEAD"):
        with app.test_request_context(method=method):
            for endpoint, view in served.items():
                blueprint = endpoint.rpartition(".")[0]
                limits = [*manager.decorated_limits(get_qualified_name(view)),
                          *(manager.blueprint_limits(app, blueprint) if blueprint else [])]
                assert all(limit.method_exempt for limit in limits), (endpoint, method)
