"""gunicorn forks its workers from a preloaded app: no worker may use a connection it
inherited, or two processes would talk over one socket and mix each other's answers."""

from __future__ import annotations

import os

from sqlalchemy import event, text

from app.extensions import db
from app.forking import fresh_pools


def _child_opened_its_own_connection(app, reset: bool) -> bool:
    """Fork; the child runs a query and tells whether it had to connect to do so."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        try:
            os.close(read)
            if reset:
                fresh_pools(app)
            opened = []
            with app.app_context():
                event.listen(db.engine, "connect", lambda *_: opened.append(1))
                db.session.execute(text("SELECT 1"))
                db.session.rollback()
            os.write(write, b"new" if opened else b"inherited")
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        answer = pipe.read()
    os.waitpid(pid, 0)
    return answer == "new"


def _query_in_parent(app) -> int:
    with app.app_context():
        value = db.session.execute(text("SELECT 41 + 1")).scalar_one()
        db.session.rollback()
    return value


def test_a_forked_worker_queries_over_its_own_connection(app):
    _query_in_parent(app)  # the pool now holds an open connection
    assert _child_opened_its_own_connection(app, reset=True)
    # ...and the parent's pooled connection still answers after the child has gone.
    assert _query_in_parent(app) == 42


def test_without_the_reset_the_child_would_use_the_parents_connection(app):
    """Why fresh_pools exists: the pool and its open connections are copied by the fork."""
    _query_in_parent(app)
    assert not _child_opened_its_own_connection(app, reset=False)


def test_the_master_compiles_every_template_before_forking_without_touching_the_database(app):
    from app.forking import warm

    app.jinja_env.cache.clear()
    connected = []

    def count(*_: object) -> None:
        connected.append(1)

    db.engine.dispose()
    event.listen(db.engine, "connect", count)
    try:
        warm(app)
    finally:
        event.remove(db.engine, "connect", count)
    names = app.jinja_env.list_templates()
    compiled = {key[1] for key in app.jinja_env.cache}
    assert set(names) <= compiled
    assert connected == []


def test_the_master_loads_every_questionnaire_before_forking(app):
    """Otherwise each worker reads and checks every instrument file on its first
    questionnaire (about 0.4 s of CPU), and again after each recycle (``max_requests``)."""
    import assessments
    from app.forking import warm

    assessments._registry.cache_clear()
    warm(app)
    assert assessments._registry.cache_info().currsize == 1
