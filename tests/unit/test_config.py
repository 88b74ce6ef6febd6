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
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}",
            "SMS_PROVIDER": "tencent", **overrides}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"KEY_FILE": "/nonexistent/keys.json"}, "No encryption keys"),
        ({"RATELIMIT_STORAGE_URI": "memory://"}, "REDIS_URL"),
        ({"SMS_PROVIDER": "file"}, "SMS_PROVIDER=file"),
        ({"SMS_PROVIDER": ""}, "SMS_PROVIDER=file"),
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


def test_a_config_error_prints_its_message_alone_and_exits_1(tmp_path):
    """`flask db upgrade` without instance/: the message, no traceback (issue 20, item 8)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items()
           if k not in ("SECRET_KEY", "DATABASE_URL", "XINQING_KEYS", "XINQING_KEY_FILE")}
    env.update(XINQING_INSTANCE_DIR=str(tmp_path / "missing"), XINQING_CONFIG="development")
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr + done.stdout
    assert "SECRET_KEY is not set" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_sqlite_file_and_its_wal_are_created_private(tmp_path):
    """instance/xinqing.db holds ciphertext and blind indexes: 0600 like the key file."""
    import os
    import stat

    from sqlalchemy import text

    from app.extensions import db
    from config import DevelopmentConfig

    os.umask(0o022)
    path = tmp_path / "inst" / "xinqing.db"
    path.parent.mkdir(mode=0o700)
    app = create_app(DevelopmentConfig, **settings(
        tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    with app.app_context():
        db.session.execute(text("CREATE TABLE t (x INTEGER)"))
        db.session.execute(text("INSERT INTO t VALUES (1)"))
        db.session.commit()
        for name in ("xinqing.db", "xinqing.db-wal", "xinqing.db-shm"):
            found = path.parent / name
            if found.exists():
                assert stat.S_IMODE(found.stat().st_mode) == 0o600, name
        assert (path.parent / "xinqing.db-wal").exists()
        db.engine.dispose()


def test_start_up_warns_when_the_database_or_instance_dir_is_readable_by_others(
        tmp_path, caplog):
    from config import DevelopmentConfig

    folder = tmp_path / "inst"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    path = folder / "xinqing.db"
    path.touch()
    path.chmod(0o644)
    with caplog.at_level("WARNING"):
        create_app(DevelopmentConfig, **settings(
            tmp_path, SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}"))
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert f"chmod 600 {path}" in warned
    assert f"chmod 700 {folder}" in warned


@pytest.mark.parametrize("override", [{"RISK_OPENING_HOURS": "weekdays 9-5"},
                                      {"RISK_CLOSED_DATES": "New Year"}])
def test_unreadable_opening_hours_refuse_to_start(tmp_path, override):
    with pytest.raises(ConfigError, match="RISK_OPENING_HOURS"):
        create_app(ProductionConfig, **settings(tmp_path, **override))
