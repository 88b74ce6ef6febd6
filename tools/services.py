"""Is a service up? ``python tools/services.py postgres URL`` or ``redis URL``; exit 0 when it is.

Used by the Makefile to decide whether the PostgreSQL pass can run.
"""

from __future__ import annotations

import sys


def postgres_up(url: str) -> bool:
    """True when PostgreSQL accepts a connection at ``url``."""
    import psycopg

    try:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                             connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def redis_up(url: str) -> bool:
    """True when Redis answers PING at ``url``."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


if __name__ == "__main__":
    kind, url = sys.argv[1], sys.argv[2]
    up = {"postgres": postgres_up, "redis": redis_up}[kind](url)
    sys.exit(0 if up else 1)
