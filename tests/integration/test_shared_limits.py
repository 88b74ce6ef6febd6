"""With Redis, the login limit holds across every worker process, not per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import LIMITS_SETTINGS
from tests.helpers import sign_in
from tools.services import redis_up

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]

# A second process: its own app, its own memory, the same database, key file and Redis.
OTHER_PROCESS = """
import json, sys
from app import create_app
from config import TestingConfig
from tests.helpers import sign_in
app = create_app(TestingConfig, **json.loads(sys.argv[1]))
client = app.test_client()
print(json.dumps([sign_in(client, "13800138000", "wrong-guess-99").status_code
                  for _ in range(2)]))
"""


@pytest.fixture
def redis_url() -> str:
    if not redis_up(REDIS_URL):
        if os.environ.get("CI"):
            pytest.fail(f"CI: Redis at {REDIS_URL} is required for the shared-limit test")
        pytest.skip(f"SKIPPED LOUDLY: no Redis at {REDIS_URL}; shared login limits not tested")
    return REDIS_URL


def attempts_in_other_process(settings: dict) -> list[int]:
    out = subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS, json.dumps(settings)], cwd=ROOT,
        capture_output=True, text=True, timeout=60, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.redis
@pytest.mark.slow
def test_login_limit_is_shared_between_processes(make_app, databases, key_file, redis_url):
    from app.accounts import services
    from app.extensions import db, limiter

    settings = {"SQLALCHEMY_DATABASE_URI": databases.new(), "KEY_FILE": str(key_file),
                "RATELIMIT_STORAGE_URI": redis_url, **LIMITS_SETTINGS,
                "RATELIMIT_KEY_PREFIX": f"xq-test-{uuid.uuid4().hex}",
                "LOGIN_ACCOUNT_RATE_LIMIT": "3 per minute"}
    app = make_app(**settings)
    with app.app_context():
        db.create_all()
        services.register_worker("13800138000", "calm river at dawn",
                                 accepted_privacy_notice=True)
    try:
        here = [sign_in(app.test_client(), "13800138000", "wrong-guess-99").status_code
                for _ in range(2)]
        there = attempts_in_other_process(settings)
        assert here + there == [200, 200, 200, 429]
    finally:
        with app.app_context():
            limiter.reset()
            db.session.remove()
            db.engine.dispose()


@pytest.mark.redis
def test_a_test_process_clearing_its_limits_leaves_other_processes_limits_alone(
        make_app, databases, redis_url):
    """Parallel test workers (and other checkouts' runs) share the Redis test database:
    clearing this process's limits between tests must not clear anyone else's."""
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    from app.extensions import db, limiter

    other = FixedWindowRateLimiter(storage_from_string(redis_url))  # the default prefix
    item, who = parse("5 per minute"), f"someone-{uuid.uuid4().hex}"
    other.hit(item, who)
    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new(), RATELIMIT_STORAGE_URI=redis_url)
    try:
        with app.app_context():
            limiter.reset()
        assert other.get_window_stats(item, who).remaining == 4
    finally:
        other.clear(item, who)
        with app.app_context():
            db.engine.dispose()
