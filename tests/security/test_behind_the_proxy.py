"""The documented deployment under attack (issue 22): gunicorn with the production
configuration, PostgreSQL and Redis, requests arriving the way nginx forwards them.

- Per-address limits are per *client*: behind nginx with ``TRUSTED_PROXY_HOPS=1`` two
  forwarded addresses get separate budgets, and a client that writes its own extra
  ``X-Forwarded-For`` entry gets no fresh one (nginx appends the real address last).
- No lockout by strangers: 200 wrong passwords from 200 addresses, then the owner signs in.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.api.test_api_race import wait_until_up
from tests.conftest import IS_POSTGRES, free_port
from tests.helpers import PASSWORD
from tools.services import redis_up

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
COOKIE = re.compile(r"^([^=;\s]+)=([^;]*)")

pytestmark = [
    pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow,
    pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL pass only (production config)"),
]


def _addresses() -> str:
    """A /16 of its own per run: limit counts in the shared Redis outlive a run."""
    return f"10.{random.randrange(1, 255)}.{random.randrange(0, 255)}"


@pytest.fixture
def production(app, key_file, tmp_path):
    """``gunicorn -c gunicorn.conf.py wsgi:app`` as README's Production section runs it."""
    if not redis_up(REDIS_URL):
        if os.environ.get("CI"):
            pytest.fail(f"CI: Redis at {REDIS_URL} is required")
        pytest.skip(f"SKIPPED LOUDLY: no Redis at {REDIS_URL}; production limits not tested")
    port = free_port()
    env = {**os.environ, "XINQING_CONFIG": "production", "SMS_PROVIDER": "tencent",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "REDIS_URL": REDIS_URL,
           "XINQING_KEY_FILE": str(key_file), "XINQING_INSTANCE_DIR": str(tmp_path),
           "SECRET_KEY": "proxy-test-secret-key-0123456789abcdef-xyz",
           "TRUSTED_PROXY_HOPS": "1",  # nginx in front, as deploy/nginx.conf
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2"}
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}", server)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


class Nginx:
    """Requests as nginx forwards them: the client's address appended to X-Forwarded-For."""

    def __init__(self, port: int, client: str, claimed: str | None = None) -> None:
        self.port = port
        self.forwarded = f"{claimed}, {client}" if claimed else client
        self.cookies: dict[str, str] = {}  # kept by hand: production cookies are Secure

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, str, dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"X-Forwarded-For": self.forwarded, "X-Forwarded-Proto": "https",
                   "Host": "xinqing.example.org", "Accept-Language": "en",
                   "Referer": "https://xinqing.example.org/account/login"}  # CSRF over https
        if content_type:
            headers["Content-Type"] = content_type
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        text = response.read().decode()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, val = COOKIE.match(value).groups()
            self.cookies[name] = val
        conn.close()
        return response.status, text, dict(response.headers)

    def token(self, login: str, password: str) -> int:
        body = json.dumps({"login": login, "password": password}).encode()
        return self.request("POST", "/api/v1/auth/token", body, "application/json")[0]

    def sign_in(self, login: str, password: str) -> int:
        _, page, _ = self.request("GET", "/account/login")
        form = urlencode({"login": login, "password": password,
                          "csrf_token": TOKEN.search(page).group(1)}).encode()
        return self.request("POST", "/account/login", form,
                            "application/x-www-form-urlencoded")[0]


def test_forwarded_addresses_get_their_own_budgets(make_user, production):
    net = _addresses()
    workers = [make_user(login=f"1390{random.randrange(10**6, 10**7)}") for _ in range(12)]
    # 12 workers signing in with their own passwords, each from their own phone.
    statuses = [Nginx(production, f"{net}.{n + 1}").sign_in(w.phone, PASSWORD)
                for n, w in enumerate(workers)]
    assert statuses == [303] * 12  # before: 303 ×10, 429, 429 (one budget for everyone)

    # One client uses up its budget (10 per minute) on accounts that do not exist...
    a = Nginx(production, f"{net}.100")
    assert [a.token(f"1370000{n:04d}", "wrong-guess") for n in range(10)] == [401] * 10
    assert a.token("13700009999", "wrong-guess") == 429
    # ...another client is not affected...
    assert Nginx(production, f"{net}.101").token("13700009999", "wrong-guess") == 401
    # ...and writing a fake first hop buys the first client no fresh budget.
    spoofed = Nginx(production, f"{net}.100", claimed=f"{net}.200")
    assert spoofed.token("13700009999", "wrong-guess") == 429
    assert spoofed.sign_in("13700009999", "wrong-guess") == 429


def test_two_hundred_wrong_guesses_do_not_lock_the_owner_out(make_user, production):
    net = _addresses()
    login = f"1391{random.randrange(10**6, 10**7)}"
    make_user(login=login)
    guesses = [Nginx(production, f"{net}.{n % 250}", claimed="127.0.0.1").token(
        login, f"wrong-guess-{n}") for n in range(200)]
    assert 201 not in guesses
    owner = Nginx(production, f"{net.replace('10.', '172.', 1)}.7")
    assert owner.sign_in(login, PASSWORD) == 303
    status, _, _ = owner.request("GET", "/account/")
    assert status == 200
    assert Nginx(production, f"{net.replace('10.', '172.', 1)}.8").token(login, PASSWORD) == 201
