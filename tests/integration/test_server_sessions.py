"""Server-side sessions, in the database and in Redis: the cookie is only a random id, and
signing out, "sign out everywhere" and timeouts really end a session."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from app.extensions import db
from app.security.models import ServerSession
from app.security.session_store import record_key
from app.types import utcnow
from tests.conftest import LIMITS_SETTINGS, IsolatedClient
from tests.helpers import csrf_token, sign_in, submit
from tests.integration.screening_helpers import answer
from tools.services import redis_up

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_or_skip() -> str:
    if not redis_up(REDIS_URL):
        if os.environ.get("CI"):
            pytest.fail(f"CI: Redis at {REDIS_URL} is required for the Redis session store")
        pytest.skip(f"SKIPPED LOUDLY: no Redis at {REDIS_URL}; Redis session store not tested")
    return REDIS_URL


@pytest.fixture(params=["database", "redis"])
def web(request: pytest.FixtureRequest, app: Flask, make_app) -> Iterator[Flask]:
    """The app serving requests: sessions in the database, or in Redis (own key prefix)."""
    if request.param == "database":
        yield app
        return
    url = _redis_or_skip()
    prefix = f"xq-test-{uuid.uuid4().hex}:"
    served = make_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                      SESSION_REDIS_URL=url, SESSION_REDIS_PREFIX=prefix)
    served.test_client_class = IsolatedClient
    yield served
    store = served.session_interface.store
    keys = list(store.redis.scan_iter(f"{prefix}*"))
    if keys:
        store.redis.delete(*keys)
    with served.app_context():
        db.engine.dispose()


def browser(web: Flask) -> FlaskClient:
    web.test_client_class = IsolatedClient
    return web.test_client()


def cookie(client: FlaskClient, name: str = "session") -> str | None:
    found = client.get_cookie(name)
    return found.value if found else None


def replay(web: Flask, value: str) -> FlaskClient:
    """A new browser that sends an old cookie value."""
    other = browser(web)
    other.set_cookie("session", value)
    return other


def stored(web: Flask, sid: str) -> bytes | None:
    return web.session_interface.store.load(record_key(sid))


def test_cookie_is_a_random_id_and_the_store_holds_sealed_data(web, worker):
    client = browser(web)
    assert sign_in(client, "13800138000").status_code == 303
    sid = cookie(client)
    assert len(sid) >= 43
    assert "." not in sid
    blob = stored(web, sid)
    assert blob is not None
    assert worker.uid.encode() not in blob
    assert b"signed_in_at" not in blob


def records(web: Flask) -> int:
    """How many session records the store holds (Redis: under this test's prefix)."""
    store = web.session_interface.store
    if hasattr(store, "redis"):
        return sum(1 for key in store.redis.scan_iter(f"{store.prefix}s:*"))
    db.session.commit()
    return db.session.scalar(select(db.func.count()).select_from(ServerSession))


def test_sign_in_gives_a_new_id_and_the_old_one_is_dead(web, worker):
    client = browser(web)
    client.get("/account/login")
    before = cookie(client)
    assert before
    assert stored(web, before) is None  # only a CSRF secret so far: held in the cookie
    sign_in(client, "13800138000")
    after = cookie(client)
    assert after != before
    assert stored(web, after) is not None
    assert client.get("/account/").status_code == 200
    assert replay(web, before).get("/account/").status_code == 302


@pytest.mark.parametrize("url", ["/screening/phq9", "/account/login"])
def test_a_first_visit_to_a_form_writes_no_record(web, url):
    client = browser(web)
    before = records(web)
    response = client.get(url)
    assert response.status_code == 200
    value = cookie(client)
    assert value
    assert "." in value
    assert "csrf" not in value
    assert records(web) == before
    client.get(url)  # Flask-Login marks the session not fresh: still in the cookie
    assert records(web) == before


def test_a_sealed_cookie_carries_the_csrf_secret(web):
    client = browser(web)
    response = answer(client, "phq9", [0] * 9, {"difficulty": 0})
    assert response.status_code == 200  # the form passed its CSRF check: a result page
    value = cookie(client)
    assert "." not in value  # the result's code is the visitor's own: now a record
    assert stored(web, value) is not None


def test_a_wrong_token_with_a_sealed_cookie_is_refused(web):
    client = browser(web)
    token = csrf_token(client.get("/screening/phq9").get_data(as_text=True))
    before = records(web)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    response = client.post("/screening/phq9", data={"csrf_token": forged})
    assert response.status_code == 400
    assert "表单已失效" in response.get_data(as_text=True)
    assert records(web) == before


def test_a_tampered_sealed_cookie_is_no_session(web):
    client = browser(web)
    token = csrf_token(client.get("/screening/phq9").get_data(as_text=True))
    value = cookie(client)
    middle = len(value) // 2
    tampered = value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1:]
    other = replay(web, tampered)
    response = other.post("/screening/phq9", data={"csrf_token": token})
    assert response.status_code == 400
    assert "表单已失效" in response.get_data(as_text=True)


def test_an_expired_sealed_cookie_is_no_session(web, monkeypatch):
    import time

    from app.security import session_store

    client = browser(web)
    token = csrf_token(client.get("/screening/phq9").get_data(as_text=True))
    later = time.time() + web.config["IDLE_TIMEOUT"].total_seconds() + 120
    monkeypatch.setattr(session_store, "time", SimpleNamespace(time=lambda: later))
    response = client.post("/screening/phq9", data={"csrf_token": token})
    assert response.status_code == 400
    assert "表单已失效" in response.get_data(as_text=True)


def test_a_flash_message_moves_the_session_into_a_record(web):
    client = browser(web)
    client.get("/screening/phq9")
    light = cookie(client)
    before = records(web)
    response = client.get("/account/")  # "please sign in" is flashed
    assert response.status_code == 302
    value = cookie(client)
    assert value != light
    assert "." not in value
    assert stored(web, value) is not None
    assert records(web) == before + 1
    assert "请先登录" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_staff_get_a_new_id_after_the_second_factor(web, counsellor):
    client = browser(web)
    response = submit(client, "/account/login",
                      {"login": counsellor.email, "password": "calm river at dawn"})
    assert response.headers["Location"].startswith("/account/mfa")
    halfway = cookie(client)
    sign_in(client, counsellor.email)
    assert cookie(client) != halfway
    assert stored(web, halfway) is None


def test_signing_out_makes_the_old_cookie_useless(web, worker):
    client = browser(web)
    sign_in(client, "13800138000")
    old = cookie(client)
    assert replay(web, old).get("/account/").status_code == 200
    submit(client, "/account/logout", {}, form_url="/account/")
    assert stored(web, old) is None
    thief = replay(web, old)
    response = thief.get("/account/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


def test_admin_ending_sessions_signs_out_another_browser(web, admin, counsellor):
    theirs = browser(web)
    sign_in(theirs, counsellor.email)
    assert theirs.get("/account/").status_code == 200
    mine = browser(web)
    sign_in(mine, admin.email)
    response = submit(mine, f"/admin/staff/{counsellor.uid}/sessions/end", {},
                      form_url="/admin/staff")
    assert response.status_code == 303
    assert stored(web, cookie(theirs)) is None
    assert theirs.get("/account/").status_code == 302
    assert mine.get("/account/").status_code == 200  # the admin's own session goes on


def test_idle_limit_in_the_store_ends_a_session(app, client, worker):
    sign_in(client, "13800138000")
    sid = cookie(client)
    db.session.execute(update(ServerSession).where(ServerSession.id == record_key(sid))
                       .values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert client.get("/account/").status_code == 302


def test_store_expiry_follows_idle_and_absolute_limits(app, client, counsellor, worker):
    sign_in(client, counsellor.email)
    row = db.session.scalar(select(ServerSession).where(
        ServerSession.id == record_key(cookie(client))))
    left = row.expires_at - utcnow()
    # Staff: 30 idle minutes (and a minute's slack), not the worker's two hours.
    assert timedelta(minutes=29) < left <= timedelta(minutes=31, seconds=5)
    assert row.user_uid == counsellor.uid

    other = app.test_client()
    sign_in(other, "13800138000")
    with other.session_transaction() as session:
        session["signed_in_at"] -= 12 * 3600 - 120  # two minutes before the 12-hour limit
    row = db.session.scalar(select(ServerSession).where(
        ServerSession.id == record_key(cookie(other))))
    assert row.expires_at - utcnow() <= timedelta(minutes=2, seconds=5)


def test_password_change_ends_other_sessions_in_the_store(web, worker):
    laptop, phone = browser(web), browser(web)
    sign_in(laptop, "13800138000")
    sign_in(phone, "13800138000")
    response = submit(laptop, "/account/password", {
        "current": "calm river at dawn", "password": "a brand new sentence", "confirm":
        "a brand new sentence"})
    assert response.status_code == 303
    assert stored(web, cookie(phone)) is None
    assert phone.get("/account/").status_code == 302
    assert laptop.get("/account/").status_code == 200


def test_a_forged_or_garbled_cookie_is_just_a_new_visitor(web):
    client = browser(web)
    client.set_cookie("session", "x" * 43)
    response = client.get("/account/")
    assert response.status_code == 302
    client.set_cookie("session", "y" * 500)
    assert client.get("/").status_code == 200
    for sealed in ("c.", "c.!!", "c." + "A" * 200, "c." + "A" * 2000):
        client.set_cookie("session", sealed)
        assert client.get("/account/").status_code == 302


def test_production_cookie_attributes(tmp_path, key_file):
    from app import create_app
    from config import ProductionConfig

    url = _redis_or_skip()
    prefix = f"xq-test-{uuid.uuid4().hex}:"
    prod = create_app(ProductionConfig, SECRET_KEY="s" * 48, KEY_FILE=str(key_file),
                      RATELIMIT_STORAGE_URI=url, REDIS_URL=url, SESSION_REDIS_PREFIX=prefix,
                      **LIMITS_SETTINGS,
                      SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}",
                      SMS_PROVIDER="tencent")
    try:
        response = prod.test_client().get("/account/login", base_url="https://localhost")
        set_cookie = response.headers["Set-Cookie"]
        assert set_cookie.startswith("__Host-session=")
        attributes = {part.strip().split("=")[0].lower() for part in set_cookie.split(";")}
        assert {"secure", "httponly", "path"} <= attributes
        assert "domain" not in attributes
        assert "SameSite=Lax" in set_cookie
        assert "Path=/" in set_cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        store = prod.session_interface.store
        keys = list(store.redis.scan_iter(f"{prefix}*"))
        if keys:
            store.redis.delete(*keys)


def test_a_request_in_flight_does_not_bring_an_ended_session_back(web, worker):
    from flask import Response, request

    from app.security.session_store import end_user_sessions

    client = browser(web)
    sign_in(client, "13800138000")
    sid = cookie(client)
    uid = worker.uid  # read here: inside the other app's context it would bind to its engine
    interface = web.session_interface
    with web.test_request_context(headers={"Cookie": f"session={sid}"}):
        session = interface.open_session(web, request)
        assert session.get("_user_id")
        end_user_sessions(uid)  # e.g. an admin, at this very moment
        db.session.commit()
        session["seen_at"] = 1.0  # the in-flight request still writes its session
        response = Response()
        interface.save_session(web, session, response)
    assert stored(web, sid) is None
    assert "Set-Cookie" not in response.headers
