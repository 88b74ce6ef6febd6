"""Headers the issue names, exactly; HSTS only where cookies are Secure; security.txt."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from app import create_app
from config import ProductionConfig
from tests.conftest import LIMITS_SETTINGS
from tests.helpers import text

REQUIRED_CSP = ("default-src 'self'; object-src 'none'; base-uri 'none'; "
                "frame-ancestors 'none'")


def test_csp_is_the_required_policy_plus_only_what_pages_need(client):
    csp = client.get("/account/login").headers["Content-Security-Policy"]
    assert csp == REQUIRED_CSP + "; img-src 'self' data:; form-action 'self'"


def test_no_hsts_over_plain_http_in_development(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


def test_production_sends_hsts_nosniff_and_same_origin_referrer(tmp_path, key_file):
    prod = create_app(ProductionConfig, SECRET_KEY="s" * 48, KEY_FILE=str(key_file),
                      RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15", **LIMITS_SETTINGS,
                      SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}",
                      SMS_PROVIDER="tencent")
    headers = prod.test_client().get("/", base_url="https://localhost").headers
    assert headers["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Content-Security-Policy"].startswith(REQUIRED_CSP)


@pytest.mark.parametrize("url", ["/account/", "/account/data", "/account/contact",
                                 "/account/security", "/screening/history", "/bookings"])
def test_pages_with_personal_data_are_not_stored(worker, signed_in, url):
    response = signed_in(worker).get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_security_txt(client, app):
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    body = text(response)
    assert f"Contact: {app.config['SECURITY_CONTACT']}" in body
    expires = re.search(r"^Expires: (\S+)$", body, re.M).group(1)
    when = datetime.fromisoformat(expires.replace("Z", "+00:00"))
    assert timedelta(days=30) < when - datetime.now(UTC) < timedelta(days=365)
