"""Security headers on every response, and no caching of anything personal."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

# The policy the issue asks for, word for word, then what the pages need on top: QR codes
# are data: images, and forms post only to this site.
CSP_CORE = "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
CSP = CSP_CORE + "; img-src 'self' data:; form-action 'self'"
HSTS = "max-age=63072000; includeSubDomains"
# Endpoints whose answers are the same for everyone and hold nothing personal: they set
# their own caching headers (static files; published self-help audio, so phones can keep it
# for the night shift without a network).
CACHEABLE = frozenset({"static", "library.audio"})


# Set on every answer unless the view chose its own value.
DEFAULTS = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
NO_STORE = (("Cache-Control", "no-store"), ("Pragma", "no-cache"))


def set_headers(response: Response) -> Response:
    """Strict defaults. Every dynamic page is ``no-store``: pages carry CSRF tokens, names and
    results, and no shared or browser cache should keep any of them.

    Runs on every answer, so the names a view already set are read once (werkzeug's
    ``setdefault`` scans the headers again for each name)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    defaults: tuple[tuple[str, str], ...] = DEFAULTS
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        defaults += (("Strict-Transport-Security", HSTS),)
    for name, value in defaults:
        if name.lower() not in present:
            headers.add(name, value)
    if request.endpoint not in CACHEABLE:
        for name, value in NO_STORE:
            if name.lower() in present:
                headers[name] = value
            else:
                headers.add(name, value)
    return response


def security_txt() -> Response:
    """RFC 9116: where to report a vulnerability (``SECURITY_CONTACT``)."""
    from datetime import timedelta

    from app.types import utcnow

    config = current_app.config
    expires = (utcnow() + timedelta(days=180)).replace(microsecond=0)
    base = config["PUBLIC_BASE_URL"].rstrip("/")
    body = (f"Contact: {config['SECURITY_CONTACT']}\n"
            f"Expires: {expires.isoformat().replace('+00:00', 'Z')}\n"
            "Preferred-Languages: zh, en\n"
            f"Canonical: {base}/.well-known/security.txt\n")
    return Response(body, mimetype="text/plain")


def init_app(app: Flask) -> None:
    """Register the header hook and /.well-known/security.txt."""
    from app.security.access import public

    app.after_request(set_headers)
    app.add_url_rule("/.well-known/security.txt", "security_txt", public(security_txt))
