"""Pages that are the same for every visitor (or every reader of a role), rendered once per
process.

Why: the home page and the questionnaires are most of the anonymous traffic, and rendering
them (the base layout, translations, escaping, ``url_for``, a macro per question) was about
60 % of their CPU (bench/README.md, Issue 21 step 8). Their HTML depends only on the address,
the language and what a view declares (the home page: the catalogue version). The one part
that is each visitor's own, the CSRF token, is rendered as a sentinel and replaced by the
visitor's own token (Flask-WTF's, made by ``app.security.csrf_token``) on every answer, so a
token is never shared.

The key: endpoint, path, query string, the locale in force and the view's ``vary`` values.
Bypassed (rendered as before, not kept): anything but GET/HEAD, a signed-in person, flashed
messages waiting in the session, and a render that showed a flashed message or answered
anything but a page of HTML.
A signed-in page may opt in (``page_key(..., signed_in=True)``, the dashboard): its key
adds the person's audiences (the roles base.html's menu is drawn for) and the view puts
everything else it shows into the key; it is never kept for one person only.
What invalidates an entry: a change of any key part (an admin's catalogue edit changes the
catalogue version, so the home page is rendered anew). Templates and translation catalogues
are read once per process, so a deploy (new processes) starts with an empty cache; with
template auto-reload (development) the cache is off. Bounded: the ``RENDER_CACHE_SIZE``
most recently used pages per process (0 turns the cache off). Answers keep every security
header and ``Cache-Control: no-store`` (app/security/headers.py runs as for any page): the
cache is in the process, never in a browser or proxy.

Parts of a page (``kept_part``): base.html's header and footer are the same for everyone
with the same language, roles and active menu entry, signed in or not. They are kept in a
second store of the same kind (``parts``), so whole pages never push them out, under a key
the caller builds from everything they print (app/main/layout.py), with the CSRF token
punched in per request exactly as for whole pages. Same switch: off with
``RENDER_CACHE_SIZE`` 0 or template auto-reload.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g, request, session
from flask.globals import request_ctx
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from app.extensions import limiter
from app.fragments import FragmentCache
from app.security.csrf_token import csrf_token

F = TypeVar("F", bound=Callable[..., Any])
# Stands in for the CSRF token while a shared copy renders; random per process, and made of
# characters HTML escaping leaves alone, so it appears in the page exactly as written.
SENTINEL = "xq-csrf-" + secrets.token_hex(16)
EXTENSION = "xinqing.render_cache"
# Set on the views ``anonymous_page`` wraps (functools.wraps carries it to outer wrappers).
SERVED_ATTR = "_xq_render_cached"
PARTS = "xinqing.render_cache.parts"
# Parts are a few kilobytes and few: (language x role set x active entry) per layout part.
PARTS_SIZE = 256


def enabled(app: Flask) -> bool:
    """Whether rendered HTML may be kept: the cache is on and templates are not reloaded."""
    return app.config.get("RENDER_CACHE_SIZE", 0) > 0 and not app.jinja_env.auto_reload


def store(app: Flask) -> FragmentCache:
    """The app's cache of whole pages (one per process and app, ``RENDER_CACHE_SIZE``)."""
    cache = app.extensions.get(EXTENSION)
    if cache is None:
        cache = app.extensions.setdefault(
            EXTENSION, FragmentCache(app.config.get("RENDER_CACHE_SIZE", 0)))
    return cache


def parts(app: Flask) -> FragmentCache:
    """The app's cache of page parts (``kept_part``), apart from whole pages."""
    cache = app.extensions.get(PARTS)
    if cache is None:
        cache = app.extensions.setdefault(PARTS, FragmentCache(PARTS_SIZE))
    return cache


def clear(app: Flask) -> None:
    """Forget every kept page and part (tests: each starts from a cold cache)."""
    store(app).clear()
    parts(app).clear()


def page_key(*vary: Hashable, signed_in: bool = False) -> tuple[Hashable, ...] | None:
    """This request's key, or None when the page must be rendered for this visitor alone.

    ``vary``: what the page shows besides the address and language. ``signed_in`` pages
    are also kept for signed-in people, per the audiences whose menu base.html draws (their
    roles); the view must then put everything else it shows of them into ``vary``.
    """
    app = current_app
    if request.method not in ("GET", "HEAD") or not enabled(app) or "_flashes" in session:
        return None
    who: Hashable = None
    if current_user.is_authenticated:
        if not signed_in:
            return None
        from app.main.navigation import audiences  # app.main imports this module

        who = audiences(current_user)
    return (request.endpoint, request.script_root, request.path, request.query_string,
            str(get_locale()), who, *vary)


def _render_shared(draw: Callable[[], Any]) -> Any:
    """Run ``draw`` with the sentinel in place of this visitor's CSRF token."""
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    own = g.pop(field, None)
    setattr(g, field, SENTINEL)
    try:
        return draw()
    finally:  # an error page rendered after this point gets the visitor's own token
        g.pop(field, None)
        if own is not None:
            setattr(g, field, own)


def _punch(page: str) -> str:
    """The page with this visitor's own CSRF token in place of the sentinel."""
    return page.replace(SENTINEL, csrf_token()) if SENTINEL in page else page


def _punch_other(result: Any) -> Any:
    """Any other answer (a status tuple, a response): never kept, its token punched in."""
    if isinstance(result, tuple) and result and isinstance(result[0], str):
        return (_punch(result[0]), *result[1:])
    if isinstance(result, Response) and not result.direct_passthrough:
        body = result.get_data()
        if SENTINEL.encode() in body:
            result.set_data(body.replace(SENTINEL.encode(), csrf_token().encode()))
    return result


def kept_page(key: tuple[Hashable, ...] | None, draw: Callable[[], Any]) -> Any:
    """The page kept under ``key`` (``page_key``) with this visitor's token punched in; when
    missing, ``draw()`` renders it with the sentinel and a page of HTML without a flashed
    message is kept. A None key: ``draw()`` as it is."""
    if key is None:
        return draw()
    cache = store(current_app)
    page = cache.get(key)
    if page is not None:
        return _punch(page)
    result = _render_shared(draw)
    if not isinstance(result, str):
        return _punch_other(result)
    if not request_ctx.flashes and "_flashes" not in session:
        cache.put(key, result, current_app.config["RENDER_CACHE_SIZE"])
    return _punch(result)


def kept(key: tuple[Hashable, ...] | None) -> str | None:
    """The page kept under ``key`` with this visitor's token punched in; None when there is
    none (or no key)."""
    if key is None or not enabled(current_app):
        return None
    page = store(current_app).get(key)
    return None if page is None else _punch(page)


def kept_part(key: tuple[Hashable, ...], draw: Callable[[], str]) -> str:
    """The part of a page kept under ``key``, this visitor's CSRF token punched in.

    When missing, ``draw()`` renders it with the sentinel for the token (so it can be
    kept for everyone under ``key``); with the cache off (``enabled``) it is drawn as it
    is. ``key`` must hold everything else the part prints: it is shared by everyone who
    has that key."""
    app = current_app
    if not enabled(app):
        return draw()
    cache = parts(app)
    html = cache.get(key)
    if html is None:
        html = str(_render_shared(draw))
        cache.put(key, html)
    # Inside a whole page being drawn for the cache, the request's token is the sentinel
    # (``_render_shared``), so the part keeps it and the page is punched when served.
    return _punch(html)


def anonymous_page(*vary: Callable[[], Hashable],
                   recent: Callable[[], tuple[Hashable, ...] | None] | None = None,
                   ) -> Callable[[F], F]:
    """Serve this view's GET answers to anonymous visitors from the render cache.

    ``vary``: callables whose values the page depends on besides the address and language
    (each is called per request, so it must be cheap). ``recent``: the values ``vary`` gave
    a little earlier, when the view accepts serving a page already kept under them (it says
    how old they may be); a page not kept under them is looked up, or drawn, under the
    values ``vary`` gives now, so a page is never kept under values other than its own."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            earlier = recent() if recent is not None else None
            if earlier is not None and (page := kept(page_key(*earlier))) is not None:
                return page
            return kept_page(page_key(*(part() for part in vary)),
                             lambda: view(*args, **kwargs))

        setattr(wrapper, SERVED_ATTR, True)
        return wrapper  # type: ignore[return-value]

    return decorate


@limiter.request_filter
def _a_read_of_a_cached_page() -> bool:
    """Flask-Limiter's documented request filter: a GET or HEAD of a view the render cache
    serves is not rate limited, so the limiter need not look for limits on it.

    Why: those pages carry no limit for reading (their forms' POSTs, which may, still go
    through the limiter), yet resolving "no limit" (defaults, application, blueprint and
    exemptions) was the largest share of a cached questionnaire's own work after its token
    (bench/README.md, Issue 21 step 15a). tests/integration/test_anonymous_floor.py fails
    when a view the cache serves gains a limit on reading, which this filter would hide.
    """
    return request.method in ("GET", "HEAD") and getattr(
        current_app.view_functions.get(request.endpoint or ""), SERVED_ATTR, False)
