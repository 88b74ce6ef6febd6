"""Pages as people see them: home, error pages, headers, and assets served by the app."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.security.access import public
from app.seed import seed
from tests.helpers import submit, text

APP_DIR = Path(__file__).resolve().parents[2] / "app"


def test_home_says_what_the_service_is_and_lists_centres(app, client):
    seed()
    page = text(client.get("/"))
    assert "心晴" in page
    assert "保密" in page
    assert "德化县职工心理幸福体验馆" in page
    assert "团体减压活动" in page
    assert "注册账号" in page
    assert "工作人员登录" in page
    english = text(client.get("/?lang=en"))
    assert "Dehua County Workers&#39; Psychological Well-being Centre" in english
    assert "Group stress relief" in english


def test_home_leads_admins_to_their_work(app, admin, signed_in):
    page = text(signed_in(admin).get("/"))
    assert 'href="/admin/"' in page


def test_crisis_line_is_on_every_page(client):
    for url in ("/", "/account/login", "/nowhere"):
        assert 'href="tel:12356"' in text(client.get(url)), url


@pytest.mark.parametrize(("lang", "title"), [("zh_CN", "找不到这个页面"), ("en", "Page not found")])
def test_404_page_is_translated(client, lang, title):
    response = client.get(f"/no/such/page?lang={lang}")
    assert response.status_code == 404
    assert title in text(response)


def test_error_pages_lead_with_words_and_a_way_back(client):
    """The headline is what happened in words, never a bare "404"; home and the crisis line
    are on the page."""
    page = text(client.get("/no/such/page?lang=en"))
    assert re.search(r"<h1>\s*Page not found\s*</h1>", page)
    assert "<h1>404" not in page
    assert "Error code: 404" in page  # small, for a support call
    assert 'href="/">Back to the home page</a>' in page
    assert 'href="tel:12356"' in page


def test_403_page_is_translated(worker, signed_in):
    response = signed_in(worker).get("/admin/staff")
    assert response.status_code == 403
    assert "您没有权限访问这个页面" in text(response)


def test_missing_csrf_token_gets_a_400_that_says_what_to_do(client):
    response = client.post("/account/login", data={"login": "a@example.com", "password": "x"})
    assert response.status_code == 400
    assert "表单已失效" in text(response)


def test_405_page(client):
    response = client.get("/account/logout?lang=en")
    assert response.status_code == 405
    assert "That action is not available here" in text(response)


def test_unexpected_error_gets_a_translated_500_without_details(make_app, databases):
    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new())

    def explode() -> str:
        raise RuntimeError("internal detail that must not leak")

    app.add_url_rule("/explode", "explode", public(explode))
    response = app.test_client().get("/explode", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    body = text(response)
    assert "Something went wrong on our side" in body
    assert "internal detail" not in body
    assert "Traceback" not in body


def test_security_headers_on_every_response(client):
    for url in ("/", "/account/login", "/nowhere", "/static/css/app.css"):
        with client.get(url) as response:
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'none'",
                          "frame-ancestors 'none'"):
            assert directive in csp, (url, directive)
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_pages_are_never_cached_but_static_files_may_be(worker, signed_in):
    client = signed_in(worker)
    for url in ("/", "/account/"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    with client.get("/static/css/app.css") as response:
        assert response.headers.get("Cache-Control") != "no-store"


def test_session_cookie_is_http_only_and_same_site(client, worker):
    response = submit(client, "/account/login", {"login": "13800138000",
                                                 "password": "calm river at dawn"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_every_asset_is_served_by_the_app():
    external = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""", re.I)
    url_in_css = re.compile(r"url\(\s*['\"]?(?:https?:)?//", re.I)
    offenders = []
    for path in APP_DIR.rglob("*"):
        if path.suffix in {".html", ".css", ".js", ".svg"}:
            content = path.read_text(encoding="utf-8")
            if external.search(content) or url_in_css.search(content) or "@import" in content:
                offenders.append(str(path.relative_to(APP_DIR)))
    assert offenders == []


# The API's docs page is Swagger UI, a tool for developers; without JavaScript it links
# to the OpenAPI document itself instead.
NEEDS_SCRIPT = {"api/templates/api/docs.html"}
# Pages a small local script only enhances (a note's live counter; copy and print buttons,
# hidden until the script shows them): without it they work the same.
ENHANCED = {"counselling/templates/counselling/notes.html",
            "screening/templates/screening/result.html"}


def test_pages_work_without_javascript():
    scripts = [str(p.relative_to(APP_DIR)) for p in APP_DIR.rglob("*.html")
               if "<script" in p.read_text("utf-8")]
    for enhanced in ENHANCED:
        found = re.findall(r"<script[^>]*>", (APP_DIR / enhanced).read_text("utf-8"))
        assert found == ['<script src="{{ url_for(\'static\', filename=\'js/polish.js\') }}" '
                         'defer>'], enhanced
    assert sorted(set(scripts) - NEEDS_SCRIPT - ENHANCED) == [], \
        "the foundation pages must not need JavaScript"


def test_stylesheet_is_served(client):
    with client.get("/static/css/app.css") as response:
        assert response.status_code == 200
        assert "--tap: 48px" in text(response)


def test_templates_never_shadow_the_translation_function():
    # `{% set _ = ... %}` silently replaces gettext for the rest of the template.
    shadowing = [str(p.relative_to(APP_DIR)) for p in APP_DIR.rglob("*.html")
                 if re.search(r"{%-?\s*set\s+_\s*=", p.read_text("utf-8"))]
    assert shadowing == []


def test_printing_keeps_the_crisis_line_and_drops_navigation_and_buttons():
    """A printed result, safety plan, booking or monthly report: our print rules come last,
    so they win over earlier ones."""
    css = (APP_DIR / "static/css/app.css").read_text("utf-8")
    ours = css.split("/* == polish == */", 1)[1]
    printing = ours.split("@media print {", 1)[1]
    assert "footer.site-footer { display: block !important;" in printing
    assert ".site-footer .crisis-line, .crisis-line-strip { display: block !important; }" \
        in printing
    hidden = printing.split("{ display: none !important; }", 1)[0]
    for part in (".site-footer .footer-links", "button", ".button", ".site-nav"):
        assert part in hidden
