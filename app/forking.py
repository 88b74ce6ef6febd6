"""Workers forked from a preloaded app: warmed once in the master, own connections each.

gunicorn loads the app once in its master and forks the workers from it (``preload_app`` in
gunicorn.conf.py), so a worker recycled after ``max_requests`` starts in milliseconds
instead of importing and building the app again (about a second of CPU each, taken from the
requests being served). A pooled connection must never be used by two processes, so each
child starts with empty pools; ``dispose(close=False)`` leaves the parent's connections to
the parent, as SQLAlchemy's pooling guide asks after a fork. Redis clients need nothing:
redis-py notices the new process id and opens its own connections.

What every worker would otherwise build on its first requests, and can share with the
master's memory instead, is built before the fork (:func:`warm`): the compiled templates
(124 of them, about half a second of CPU) and each language's translation catalogue.
"""

from __future__ import annotations

import os

from flask import Flask


def fresh_pools(app: Flask) -> None:
    """Forget, without closing, every pooled connection this process inherited."""
    from app.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
    replica = app.extensions.get("xinqing_replica")
    if replica is not None:
        replica.engine.dispose(close=False)


def warm(app: Flask) -> None:
    """Compile every template, load every language's catalogue and read every questionnaire
    file in this process, so that workers forked from it start with them (no database is
    touched); a worker would otherwise pay for each on first use, and again when recycled."""
    from flask_babel import force_locale, get_translations

    import assessments
    from app.i18n import BABEL_CODES

    assessments.instruments()
    env = app.jinja_env
    for name in env.list_templates():
        env.get_template(name)
    with app.test_request_context("/"):
        for code in BABEL_CODES.values():
            with force_locale(code):
                get_translations()


def fresh_pools_in_forked_children(app: Flask) -> None:
    """Run :func:`fresh_pools` in every child forked from this process from now on."""
    os.register_at_fork(after_in_child=lambda: fresh_pools(app))
