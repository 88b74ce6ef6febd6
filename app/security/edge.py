"""What the app trusts about the connection before Flask sees a request.

- ``TRUSTED_PROXY_HOPS``: how many proxies (nginx, a load balancer) stand in front. Behind
  nginx every request comes from nginx's address, so every per-address limit would be one
  budget for the whole population. With N trusted hops, Werkzeug's ``ProxyFix`` takes the
  client address from the N-th ``X-Forwarded-For`` entry counted from the right: the ones our
  proxies appended. Entries a client wrote itself stay to the left and are ignored, so a
  spoofed extra hop buys no fresh budget. 0 (the default) trusts no header at all.
- A ``Host`` header that is not a valid host name (a 64-character label, ``a..b``) makes
  Werkzeug refuse to build the URL adapter; every page then failed with a 500 while rendering
  its error page. Such requests get a plain 400 page here, before routing, on every path.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import get_host

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def host_is_valid(environ: dict[str, Any]) -> bool:
    """True when Werkzeug can bind its URL map to the request's host (its own IDNA test)."""
    server = environ.get("SERVER_NAME")
    port = environ.get("SERVER_PORT")
    host = get_host(environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST"),
                    (server, int(port) if port and port.isdigit() else None) if server else None)
    try:
        host.partition(":")[0].encode("idna")
    except UnicodeError:
        return False
    return True


class HostGuard:
    """Answer a plain 400 page for an unusable ``Host`` header instead of routing it."""

    def __init__(self, flask_app: Flask, wsgi_app: WSGIApp) -> None:
        self.flask_app = flask_app
        self.wsgi_app = wsgi_app

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        if host_is_valid(environ):
            return self.wsgi_app(environ, start_response)
        body = self.page().encode()
        start_response("400 Bad Request", [
            ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", "default-src 'none'"),
        ])
        return [body]

    def page(self) -> str:
        """The same short notice in both languages (no URL, no language choice possible)."""
        parts = []
        with self.flask_app.test_request_context("/"):  # no real request: its host is bad
            for locale, lang in (("zh_Hans_CN", "zh-CN"), ("en", "en")):
                with force_locale(locale):
                    title = _("Something in the request was not right")
                    text = _("The address this request was sent to is not valid. Please "
                             "check the address and try again.")
                parts.append(f'<section lang="{lang}"><h1>{html.escape(title)}</h1>'
                             f"<p>{html.escape(text)}</p></section>")
        return ('<!doctype html><html lang="zh-CN"><meta charset="utf-8">'
                "<title>400</title>" + "".join(parts) + "</html>")


def init_app(app: Flask) -> None:
    """Wrap the WSGI app: trusted proxy hops first, then the host check."""
    app.wsgi_app = HostGuard(app, app.wsgi_app)  # type: ignore[method-assign]
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
