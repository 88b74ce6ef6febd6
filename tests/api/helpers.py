"""Helpers for the API tests: tokens and authorised requests."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from tests.helpers import PASSWORD


def get_token(client: FlaskClient, login: str, password: str = PASSWORD,
              otp: str | None = None) -> str:
    """A bearer token through POST /api/v1/auth/token, as an app would get one."""
    body: dict[str, Any] = {"login": login, "password": password}
    if otp is not None:
        body["otp"] = otp
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["token"]


def bearer(token: str, lang: str | None = None) -> dict[str, str]:
    """Headers carrying the token (and a language, when given)."""
    headers = {"Authorization": f"Bearer {token}"}
    if lang:
        headers["Accept-Language"] = lang
    return headers
