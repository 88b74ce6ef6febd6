"""Small helpers for driving pages the way a browser does (CSRF tokens included)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

import pyotp
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

PASSWORD = "calm river at dawn"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def submit(client: FlaskClient, url: str, data: dict[str, Any], *, form_url: str | None = None,
           **kwargs: Any) -> TestResponse:
    """GET the form page, then POST ``data`` with its CSRF token, like a browser."""
    page = client.get(form_url or url, **{k: v for k, v in kwargs.items() if k == "headers"})
    token = csrf_token(page.get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kwargs)


def sign_in(client: FlaskClient, login: str, password: str = PASSWORD,
            next_url: str | None = None) -> TestResponse:
    """Submit the login form and, for staff, the second-factor step the way a person would."""
    url = "/account/login" + (f"?next={next_url}" if next_url else "")
    response = submit(client, url, {"login": login, "password": password})
    location = response.headers.get("Location", "")
    if response.status_code == 303 and location.startswith("/account/mfa"):
        response = pass_second_factor(client, login, location)
    return response


def totp_code(secret: str, after_step: int | None = None) -> str:
    """A valid code not used before: the current step's, or the next one's if that was used."""
    totp = pyotp.TOTP(secret)
    now = time.time()
    step = totp.timecode(datetime.fromtimestamp(now, UTC))
    if after_step is not None and step <= after_step:
        now += 30 * (after_step + 1 - step)
    return totp.at(now)


def pass_second_factor(client: FlaskClient, login: str, location: str) -> TestResponse:
    """Enrol (reading the key off the page) or enter a code from the enrolled secret."""
    from app.accounts.services import find_by_login

    page = client.get(location)
    html = page.get_data(as_text=True)
    if location.startswith("/account/mfa/setup"):
        secret, last = re.search(r'id="totp-secret">([A-Z2-7]+)<', html).group(1), None
    else:
        user = find_by_login(login)
        secret, last = user.totp_secret, user.totp_last_step
        step = pyotp.TOTP(secret).timecode(datetime.now(UTC))
        if last is not None and last >= step + 1:
            # Every code of this half-minute is used: a person would wait; a test rewinds.
            user.totp_last_step = last = step - 2
            from app.extensions import db

            db.session.commit()
    response = client.post(location, data={"code": totp_code(secret, last),
                                           "csrf_token": csrf_token(html)})
    if response.status_code == 303 and response.headers["Location"] == "/account/recovery-codes":
        # Enrolled: the recovery codes page links on; follow it to where sign-in leads.
        codes_page = client.get(response.headers["Location"]).get_data(as_text=True)
        response.headers["Location"] = re.search(
            r'href="([^"]+)">[^<]*</a></p>\s*</section>', codes_page).group(1)
    return response


def text(response: TestResponse) -> str:
    """The page as text."""
    return response.get_data(as_text=True)


def prepared_after(client, path: str, times: int, marker: str) -> list[str]:
    """PostgreSQL's prepared statements on the connection that served the last of ``times``
    GETs of ``path`` (statements containing ``marker`` pick it), as a sync worker has one.

    The pool is emptied first: earlier tests may have left several connections in it, which
    it hands out in turn, so that none would reach psycopg's ``prepare_threshold``.
    """
    from sqlalchemy import event

    from app.extensions import db

    db.engine.dispose()
    drivers: list[object] = []

    def on_execute(conn, cursor, statement, *args) -> None:
        if marker in statement:
            drivers.append(cursor.connection)

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        for _ in range(times):
            assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    raw = drivers[-1]
    assert all(d is raw for d in drivers[-2:])
    rows = raw.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    raw.rollback()
    return [row[0] for row in rows]
