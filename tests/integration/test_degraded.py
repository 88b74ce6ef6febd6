"""When the database or Redis is unreachable: a clear 503, or service with a fallback.

``bench/faults.py`` drills the same with real servers that are killed and restarted.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from app.extensions import db

DEAD_DATABASE = "postgresql+psycopg://xinqing@127.0.0.1:1/nowhere?connect_timeout=2"
DEAD_REDIS = "redis://127.0.0.1:1/0"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dead_db_app(make_app):
    """An app whose database answers nothing (port 1: connection refused at once).

    The network catalogue is cached per process, not per app: an earlier test's fresh copy
    would let the home page answer without the database, so it is read again first."""
    from app.booking import catalogue

    catalogue.recheck()
    app = make_app(SQLALCHEMY_DATABASE_URI=DEAD_DATABASE)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(("lang", "words"), [
    ("zh_CN", "服务暂时不可用"), ("en", "The service is briefly unavailable")])
def test_a_page_says_503_in_the_readers_language_when_the_database_is_down(
        dead_db_app, lang, words, caplog):
    with caplog.at_level(logging.WARNING):
        response = dead_db_app.test_client().get(f"/?lang={lang}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    html = response.get_data(as_text=True)
    assert words in html
    assert "Traceback" not in html
    assert "OperationalError" not in html
    assert "database unavailable" in caplog.text


def test_a_form_post_gets_the_503_page_not_a_server_error(dead_db_app):
    client = dead_db_app.test_client()
    response = client.post("/account/login?lang=en", data={"login": "a@example.com",
                                                           "password": "whatever-1234"})
    # CSRF fails first without a token; the page itself must still never be a 500.
    assert response.status_code in (400, 503)


def test_the_api_answers_a_503_problem_when_the_database_is_down(dead_db_app):
    response = dead_db_app.test_client().get("/api/v1/centres",
                                             headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 503
    assert problem["type"].endswith(":unavailable")
    assert "database" in problem["detail"]


# Flask-Limiter keeps its storage on the shared extension object: a process of its own.
LIMITS_PROCESS = """
import json, logging, sys
logging.basicConfig(level=logging.WARNING, format="%(name)s %(message)s")
from app import create_app
from app.accounts import services
from app.extensions import db
from config import TestingConfig
from tests.helpers import sign_in
app = create_app(TestingConfig, **json.loads(sys.argv[1]))
with app.app_context():
    db.create_all()
    services.register_worker("13800138000", "calm river at dawn", accepted_privacy_notice=True)
client = app.test_client()
statuses = [client.get("/account/login?lang=en").status_code]
statuses += [sign_in(client, "13800138000", "wrong-guess-99").status_code for _ in range(3)]
statuses.append(sign_in(client, "13800138000", "calm river at dawn").status_code)
print(json.dumps(statuses))
"""


def test_with_redis_down_for_limits_sign_in_still_works_and_the_log_says_so_once(
        databases, key_file):
    settings = {"SQLALCHEMY_DATABASE_URI": databases.new(), "KEY_FILE": str(key_file),
                "RATELIMIT_STORAGE_URI": DEAD_REDIS, "LOGIN_ACCOUNT_RATE_LIMIT": "3 per minute"}
    out = subprocess.run([sys.executable, "-c", LIMITS_PROCESS, json.dumps(settings)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    statuses = json.loads(out.stdout.strip().splitlines()[-1])
    # The page serves; wrong passwords get the form again; the limit still counts (in this
    # process's memory) and refuses the fourth try even with the right password.
    assert statuses == [200, 200, 200, 200, 429]
    assert out.stderr.count("falling back to in-memory storage") == 1
    assert "Traceback" not in out.stderr


def test_with_redis_down_for_sessions_pages_serve_as_signed_out_and_the_log_says_so_once(
        make_app, caplog):
    app = make_app(REDIS_URL=DEAD_REDIS)
    client = app.test_client()
    client.set_cookie("session", "a" * 43)
    with caplog.at_level(logging.ERROR):
        first = client.get("/screening/?lang=en")
        second = client.get("/screening/?lang=en")
    assert first.status_code == 200
    assert second.status_code == 200
    assert caplog.text.count("session store unavailable") == 1


def test_a_connection_killed_after_the_response_does_not_fail_the_request(app):
    """PostgreSQL restarting between the page and the request's end: no error escapes."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: terminating a backend")
    from sqlalchemy import create_engine, text

    with app.app_context():
        pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        killer = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
        with killer.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
        killer.dispose()
    # Leaving the context ran the teardowns without raising; the next request is served.
    with app.app_context():
        assert db.session.execute(text("SELECT 1")).scalar() == 1
