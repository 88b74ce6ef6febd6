"""base.html's header and footer, drawn once per language, role set and active entry.

Why: on a signed-in page that is not kept whole (result history, session list, account)
the shared layout was about a sixth of the request's CPU (bench/README.md, Issue 21 step
15b): the icon sprite, a dozen ``url_for`` and translations, and the menu drawn entry by
entry, all the same for everyone with the same language and roles on the same section.

``layout_part`` is called from base.html as ``{% call(nav, switch) layout_part(...) %}``.
The key holds everything the part prints: the part's name, the script root (every
address), the language and, for the header, the reader's audiences (which entries they
see, tabs or menu) and which entries are current on this page (``navigation.marks``).
What is each request's own is never kept: the CSRF token of the staff sign-out form is
punched in by app/render_cache.py, and the language switch's address (this page's own path
and arguments) is drawn as a placeholder and filled in here. No name, count or other data
of the person is drawn in these parts; if one ever is, it must go into the key or stay
outside the ``call`` block. A role change or a language switch is a new key on the next
request: nothing needs to be told to forget.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_login import current_user
from markupsafe import Markup, escape

from app import render_cache
from app.i18n import current_locale, switch_url
from app.main import navigation

# Stands in for the switch's address while a shared part is drawn; random per process and
# left alone by HTML escaping (letters, digits and dashes).
HOLE = "xq-switch-" + secrets.token_hex(12) + "-"


def _hole(lang: str) -> str:
    return HOLE + lang


def layout_part(name: str, menu: bool = True, *, caller: Callable[..., Any]) -> Markup:
    """The ``call`` block's body, drawn with ``(nav, switch)``: the person's ``navigation.Menu``
    (None when ``menu`` is false: the part must not depend on who reads it) and a
    ``switch(lang)`` giving this page's address in ``lang``."""
    endpoint = request.endpoint

    def draw(switch: Callable[[str], str]) -> str:
        nav = navigation.menu_for(current_user, endpoint) if menu else None
        return str(caller(nav, switch))

    if not render_cache.enabled(current_app):
        return Markup(draw(switch_url))  # noqa: S704  # nosec B704 - template output
    who = (navigation.audiences(current_user), navigation.marks(endpoint)) if menu else None
    key = ("layout", name, request.script_root, current_locale(), who)
    html = render_cache.kept_part(key, lambda: draw(_hole))
    for lang in current_app.config["LANGUAGES"]:
        if HOLE + lang in html:
            html = html.replace(HOLE + lang, str(escape(switch_url(lang))))
    return Markup(html)  # noqa: S704  # nosec B704 - template output, the address escaped
