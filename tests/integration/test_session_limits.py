"""Sessions end after inactivity (30 minutes for staff) and after 12 hours in any case."""

from __future__ import annotations

import time

import pytest

from app import create_app
from config import ProductionConfig
from tests.conftest import LIMITS_SETTINGS
from tests.helpers import text


def age(client, *, idle_minutes: float = 0, signed_in_hours: float = 0) -> None:
    now = time.time()
    with client.session_transaction() as session:
        session["seen_at"] = now - idle_minutes * 60
        session["signed_in_at"] = now - signed_in_hours * 3600


def test_staff_are_signed_out_after_30_idle_minutes(counsellor, signed_in):
    client = signed_in(counsellor)
    age(client, idle_minutes=29)
    assert client.get("/account/").status_code == 200
    age(client, idle_minutes=31)
    response = client.get("/account/?lang=en")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")
    page = text(client.get("/account/login"))
    assert "已自动退出登录" in page
    assert client.get("/account/").status_code == 302


def test_workers_get_longer_but_not_forever(worker, signed_in):
    client = signed_in(worker)
    age(client, idle_minutes=31)
    assert client.get("/account/").status_code == 200
    age(client, idle_minutes=121)
    assert client.get("/account/").status_code == 302


def test_every_session_ends_after_12_hours(worker, signed_in):
    client = signed_in(worker)
    age(client, idle_minutes=1, signed_in_hours=13)
    assert client.get("/account/").status_code == 302


def test_activity_keeps_the_session_alive(counsellor, signed_in):
    client = signed_in(counsellor)
    age(client, idle_minutes=20)
    assert client.get("/account/").status_code == 200
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 5


@pytest.mark.parametrize("name", ["__Host-session"])
def test_production_cookie_is_host_only_and_secure(tmp_path, name):
    from app.security.keyring import KeyRing

    app = create_app(ProductionConfig, SECRET_KEY="s" * 48, KEYS_ENV=KeyRing.generate().to_json(),
                     RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/15", **LIMITS_SETTINGS,
                     SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'p.db'}",
                     SMS_PROVIDER="tencent")
    assert app.config["SESSION_COOKIE_NAME"] == name
    assert app.config["SESSION_COOKIE_SECURE"] is True
