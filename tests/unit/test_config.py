"""Production refuses to start unsafely, with a message that says what to set."""

from __future__ import annotations

import pytest

from app import create_app
from app.security.keyring import KeyRing
from config import ConfigError, ProductionConfig
from tests.conftest import LIMITS_SETTINGS

GOOD_SECRET = "s" * 48


def settings(tmp_path, **overrides):
    key_file = KeyRing.generate().save(tmp_path / "keys.json")
    return {"SECRET_KEY": GOOD_SECRET, "KEY_FILE": str(key_file), "KEYS_ENV": None,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/15", **LIMITS_SETTINGS,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}", **overrides}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"KEY_FILE": "/nonexistent/keys.json"}, "No encryption keys"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "REDIS_URL"),
    ],
)
def test_production_refuses_to_start_unsafely(tmp_path, override, message):
    with pytest.raises(ConfigError, match=message):
        create_app(ProductionConfig, **settings(tmp_path, **override))


def test_production_starts_with_secret_keys_and_redis_and_sets_secure_cookies(tmp_path):
    app = create_app(ProductionConfig, **settings(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_production_accepts_keys_from_the_environment(tmp_path):
    app = create_app(ProductionConfig, **settings(
        tmp_path, KEY_FILE=None, KEYS_ENV=KeyRing.generate().to_json()))
    assert app.extensions["xinqing.crypto"].ring.current == 1


def test_postgres_urls_use_psycopg_3(tmp_path):
    app = create_app(ProductionConfig, **settings(
        tmp_path, SQLALCHEMY_DATABASE_URI="postgresql://u@db.internal/xinqing"))
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
