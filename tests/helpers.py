"""Small helpers for driving pages the way a browser does (CSRF tokens included)."""

from __future__ import annotations

import re
from typing import Any

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
    """Submit the login form."""
    url = "/account/login" + (f"?next={next_url}" if next_url else "")
    return submit(client, url, {"login": login, "password": password})


def text(response: TestResponse) -> str:
    """The page as text."""
    return response.get_data(as_text=True)
