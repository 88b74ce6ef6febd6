"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

import sys

from app import create_app
from app.forking import fresh_pools_in_forked_children
from app.security.keyring import KeyRingError
from config import ConfigError

try:
    app = create_app()
except (ConfigError, KeyRingError) as exc:
    # The message says what to set; a traceback would only bury it.
    print(f"xinqing: {exc}", file=sys.stderr)
    raise SystemExit(1) from None

fresh_pools_in_forked_children(app)  # gunicorn forks workers from a preloaded app
