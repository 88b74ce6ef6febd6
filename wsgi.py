"""WSGI entry point: ``gunicorn wsgi:app`` or ``flask --app wsgi run``."""

import sys

from app import create_app
from app.forking import fresh_pools_in_forked_children, warm
from app.security.keyring import KeyRingError
from config import ConfigError

try:
    app = create_app()
except (ConfigError, KeyRingError) as exc:
    # The message says what to set; a traceback would only bury it.
    print(f"xinqing: {exc}", file=sys.stderr)
    raise SystemExit(1) from None

warm(app)  # gunicorn forks its workers from this process (preload_app)
fresh_pools_in_forked_children(app)
