"""Production serving: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every setting can be overridden with an environment variable of the same name in
upper case with a ``GUNICORN_`` prefix (e.g. ``GUNICORN_WORKERS=8``).
"""

import multiprocessing
import os


def _env(name: str, default: str) -> str:
    return os.environ.get(f"GUNICORN_{name.upper()}", default)


# Reachable from this machine only: nginx in front is the one client, and the app reads the
# real client from X-Forwarded-For (TRUSTED_PROXY_HOPS=1, see README "Production deployment").
bind = _env("bind", "127.0.0.1:8000")
# Sync workers: the app does short database work per request; scale out with processes.
workers = int(_env("workers", str(multiprocessing.cpu_count() * 2 + 1)))
worker_class = "sync"
# Build the app once in the master and fork workers from it: a worker recycled after
# max_requests then starts in milliseconds, where importing and building the app again cost
# about a second of CPU taken from the requests being served (bench/README.md, step 12).
# The master compiles the templates first; each child opens its own database connections
# (app/forking.py, called from wsgi.py).
preload_app = _env("preload_app", "true").lower() != "false"
timeout = int(_env("timeout", "30"))
graceful_timeout = 20
keepalive = 5
# Recycle workers now and then so that a slow leak can never grow without bound. Not too
# often: a new worker starts with empty per-process caches (pages, catalogue, statements),
# and at a few hundred requests a second 2000 requests meant a new worker every few seconds
# (bench/README.md, step 12); the caches themselves are bounded.
max_requests = int(_env("max_requests", "20000"))
max_requests_jitter = 2000
# The app writes its own request log without personal data; gunicorn's would log paths.
accesslog = None
errorlog = "-"
loglevel = _env("loglevel", "info")
forwarded_allow_ips = _env("forwarded_allow_ips", "127.0.0.1")
