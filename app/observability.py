"""Health check and structured request logs that carry no personal data.

A log line names the endpoint (never the path, which may hold record ids, and never
query strings or form data), the status, the duration and a request id that is also
returned as ``X-Request-ID`` so a person reporting a problem can quote it.
"""

from __future__ import annotations

import json
import logging
import time
import uuid

from flask import Flask, Response, current_app, g, jsonify, request
from flask.logging import default_handler
from sqlalchemy import text

from app.extensions import db

log = logging.getLogger("xinqing.requests")


def _start() -> None:
    g.request_started = time.perf_counter()
    g.request_id = uuid.uuid4().hex[:16]


def _finish(response: Response) -> Response:
    started = g.get("request_started")
    if started is None:
        return response
    response.headers["X-Request-ID"] = g.request_id
    if request.endpoint != "static":
        log.info(json.dumps({
            "request_id": g.request_id,
            "method": request.method,
            "endpoint": request.endpoint or "-",
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }))
    return response


def healthz() -> tuple[Response, int]:
    """Database and (when configured) Redis reachable: 200, else 503 naming what is down."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as exc:  # any failure at all means "down" here
        checks["database"] = f"down: {type(exc).__name__}"
    finally:
        db.session.rollback()
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
            checks["redis"] = "ok"
        except redis.RedisError as exc:
            checks["redis"] = f"down: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify(status="ok" if healthy else "down", checks=checks), 200 if healthy else 503


def init_app(app: Flask) -> None:
    """Request logging hooks and the /healthz route."""
    from app.security.access import public

    app.before_request(_start)
    app.after_request(_finish)
    app.add_url_rule("/healthz", "healthz", public(healthz))
    limiter_log = logging.getLogger("flask-limiter")
    if not app.testing and default_handler not in limiter_log.handlers:
        # Its fallback to memory when Redis is down must reach the log, not a NullHandler.
        limiter_log.addHandler(default_handler)
    if not log.handlers and not app.testing:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
