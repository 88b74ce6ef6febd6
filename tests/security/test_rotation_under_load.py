"""Key rotation while the app serves requests: `flask keys rotate` runs in its own process
against a live threaded server; nobody sees an error and every sealed value opens after.

On SQLite this found two bugs: the rotation's read-then-update batches failed with
"database is locked" as soon as a request wrote meanwhile, and requests that read then
write (most do: audit events) answered 500 whenever another writer overtook them.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyotp
import pytest
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import make_server

import assessments
from app.extensions import db
from app.screening import services as screening
from app.security.crypto import Encrypted
from app.security.keyring import KeyRing
from app.security.models import DataKey
from tests.conftest import free_port
from tests.helpers import PASSWORD
from tests.security.world import MARKERS, build_world

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # keep the 302: the test reads its status and Location


class Browser:
    """A cookie-keeping HTTP client that records every status it gets."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())
        self.statuses: list[tuple[str, int, float]] = []

    def open(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=60) as response:
                status, text = response.status, response.read().decode()
                location = response.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            status, text, location = exc.code, exc.read().decode(), exc.headers.get("Location", "")
        self.statuses.append((path, status, time.monotonic()))
        return status, text, location

    def submit(self, path: str, data: dict, form_url: str | None = None) -> tuple[int, str, str]:
        _, page, _ = self.open(form_url or path)
        match = TOKEN.search(page)
        return self.open(path, {**data, "csrf_token": match.group(1) if match else ""})


def _sign_in(browser: Browser, login: str, secret: str | None = None) -> None:
    status, _, location = browser.submit("/account/login", {"login": login,
                                                             "password": PASSWORD})
    assert status == 303, status
    if secret is not None:
        status, _, location = browser.submit(urllib.parse.urlparse(location).path,
                                             {"code": pyotp.TOTP(secret).now()})
        assert status == 303, status


def _worker_load(browser: Browser, ids: dict, stop: threading.Event) -> None:
    answers = {f"q{n}": "1" for n in range(1, 10)} | {"x_difficulty": "1"}
    while not stop.is_set():
        browser.open(f"/screening/results/{ids['private_result']}")
        browser.open(f"/bookings/{ids['booking']}")
        browser.open("/screening/history")
        browser.submit("/screening/phq9", answers)  # a new sealed result under A's key


def _counsellor_load(browser: Browser, ids: dict, stop: threading.Event) -> None:
    notes = f"/counselling/bookings/{ids['booking']}/notes"
    n = 0
    while not stop.is_set():
        n += 1
        browser.open(f"/counsellor/risks/{ids['risk']}")
        browser.submit(notes, {"body": f"note {n} during rotation"})


def _newcomer_load(browser: Browser, stop: threading.Event) -> None:
    """People signing up: each gets a new data key while the old KEK is being retired."""
    n = 0
    while not stop.is_set():
        n += 1
        fresh = Browser(browser.base)  # a new visitor each time
        fresh.submit("/account/register", {
            "login": f"newcomer{n}@example.com", "name": f"新人{n}", "password": PASSWORD,
            "confirm": PASSWORD, "accept_privacy": "y"})
        browser.statuses += fresh.statuses


def _open_every_sealed_value() -> int:
    """Read every encrypted attribute of every row; raises if one does not open."""
    opened = 0
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        fields = [name for name, value in vars(model).items() if isinstance(value, Encrypted)]
        if not fields:
            continue
        for row in db.session.scalars(select(model)):
            for name in fields:
                if getattr(row, name) is not None:
                    opened += 1
    return opened


@pytest.mark.slow
def test_rotation_under_load_keeps_every_row_readable(make_app, databases, tmp_path):
    key_file = KeyRing.generate().save(tmp_path / "keys.json")
    url = databases.new()
    app = make_app(SQLALCHEMY_DATABASE_URI=url, KEY_FILE=str(key_file),
                   RATELIMIT_ENABLED=False)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        with app.test_request_context():
            world = build_world()
            # Enough anonymous results (each with its own data key) for rotation to take a while.
            phq9 = assessments.get("phq9")
            for _ in range(150):
                screening.save_result(None, phq9, [1] * 9, {}, keep=False)
        ids = dict(world.ids)
        owner, secret = world.login("owner"), world.people["counsellor"].totp_secret
        counsellor = world.login("counsellor")
        db.session.remove()

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}"
    stop = threading.Event()
    browsers = {"owner": Browser(base), "counsellor": Browser(base), "newcomers": Browser(base)}
    _sign_in(browsers["owner"], owner)
    _sign_in(browsers["counsellor"], counsellor, secret)
    loads = [threading.Thread(target=_worker_load, args=(browsers["owner"], ids, stop)),
             threading.Thread(target=_counsellor_load, args=(browsers["counsellor"], ids, stop)),
             threading.Thread(target=_newcomer_load, args=(browsers["newcomers"], stop))]
    try:
        for thread in loads:
            thread.start()
        time.sleep(0.5)
        env = {**os.environ, "XINQING_CONFIG": "development", "SECRET_KEY": "rotation-test",
               "XINQING_KEY_FILE": str(key_file), "DATABASE_URL": url,
               "XINQING_INSTANCE_DIR": str(tmp_path)}
        started = time.monotonic()
        rotated = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "keys", "rotate", "--batch-size", "1"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        finished = time.monotonic()
        time.sleep(1.0)  # and a little more traffic under the new key
    finally:
        stop.set()
        for thread in loads:
            thread.join(timeout=120)
        server.shutdown()
    assert rotated.returncode == 0, rotated.stderr
    assert "KEK version 2 is now current" in rotated.stdout

    statuses = [s for b in browsers.values() for s in b.statuses]
    assert [s for s in statuses if s[1] >= 500] == []
    during = [s for s in statuses if started <= s[2] <= finished]
    assert len(during) >= 10, "the load did not overlap the rotation"
    assert {name for name, b in browsers.items() if len(b.statuses) < 5} == set()

    # A fresh app reading the key file from disk opens every sealed value in the database.
    fresh = make_app(SQLALCHEMY_DATABASE_URI=url, KEY_FILE=str(key_file))
    with fresh.app_context():
        assert _open_every_sealed_value() > 150
        versions = set(db.session.scalars(select(DataKey.kek_version)))
        assert 2 in versions
        # Keys made by a server that had not yet heard of version 2 may still be under 1:
        # `flask keys rewrap` finishes them, and then nothing is left under the old KEK.
        result = fresh.test_cli_runner().invoke(args=["keys", "rewrap"])
        assert result.exit_code == 0, result.output
        db.session.expire_all()
        assert set(db.session.scalars(select(DataKey.kek_version))) == {2}
        assert _open_every_sealed_value() > 150
        assert MARKERS["note"] in {n.body for n in _notes()}
        db.session.remove()
        db.engine.dispose()
    with app.app_context():
        db.engine.dispose()


def _notes():
    from app.counselling.models import SessionNote

    return db.session.scalars(select(SessionNote)).all()
