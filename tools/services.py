"""Local services for make: ``python tools/services.py postgres|redis|createdb URL``.

``postgres`` and ``redis`` exit 0 when the service answers (the Makefile decides whether
the PostgreSQL pass can run); ``createdb`` creates the database in URL when missing.
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


def createdb(url: str) -> bool:
    """Create the database named in ``url`` when it does not exist yet."""
    import psycopg
    from psycopg import sql

    url = url.replace("postgresql+psycopg://", "postgresql://")
    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


if __name__ == "__main__":
    kind, url = sys.argv[1], sys.argv[2]
    up = {"postgres": postgres_up, "redis": redis_up, "createdb": createdb}[kind](url)
    sys.exit(0 if up else 1)
