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


def set_headers(response: Response) -> Response:
    """Strict defaults. Every dynamic page is ``no-store``: pages carry CSRF tokens, names and
    results, and no shared or browser cache should keep any of them."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.endpoint not in CACHEABLE:
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
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
