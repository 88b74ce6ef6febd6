"""Anonymous pages come from a render cache, yet nobody gets anything that is not theirs."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app import render_cache
from app.booking.models import Centre
from app.extensions import db
from tests.booking_helpers import make_centre
from tests.helpers import csrf_token, submit, text
from tests.integration.screening_helpers import answer

PHQ9_MILD = [1, 1, 1, 1, 1, 0, 0, 0, 0]
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy",
           "X-Frame-Options", "Cross-Origin-Opener-Policy", "Permissions-Policy")


def test_the_second_anonymous_visit_is_served_from_the_cache(app: Flask,
                                                             client: FlaskClient) -> None:
    store = render_cache.store(app)
    client.get("/screening/phq9")
    hits = store.hits
    client.get("/screening/phq9")
    client.get("/")
    client.get("/")
    assert store.hits == hits + 2


def test_two_visitors_get_their_own_csrf_token_and_both_can_submit(app: Flask,
                                                                   client: FlaskClient) -> None:
    other = app.test_client()
    first = csrf_token(text(client.get("/screening/phq9")))
    second = csrf_token(text(other.get("/screening/phq9")))
    assert first != second
    assert render_cache.SENTINEL not in first + second
    for visitor in (client, other):
        response = answer(visitor, "phq9", PHQ9_MILD, {"difficulty": 1})
        assert response.status_code == 200
        assert "retrieval-code" in text(response)


def test_a_token_is_the_visitors_own_on_every_form_of_the_page(client: FlaskClient) -> None:
    page = text(client.get("/screening/phq9"))
    again = text(client.get("/screening/phq9"))
    tokens = set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page + again))
    assert len(tokens) == 1  # one visitor, one session secret: the same token twice


def test_switching_language_changes_the_cached_page(client: FlaskClient) -> None:
    chinese = text(client.get("/"))
    assert '<html lang="zh-CN">' in chinese
    english = text(client.get("/?lang=en"))
    assert '<html lang="en">' in english
    # The choice is kept in the session: the plain address now answers in English too.
    assert '<html lang="en">' in text(client.get("/"))
    assert '<html lang="zh-CN">' in text(client.get("/?lang=zh_CN"))
    assert "<html lang=\"en\">" in text(client.get("/screening/phq9",
                                                   headers={"Accept-Language": "en"},
                                                   query_string={"lang": "en"}))


def test_a_flashed_message_still_shows_on_a_cached_page(client: FlaskClient) -> None:
    client.get("/screening/phq9")
    client.get("/screening/phq9")  # now cached
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A notice for this visitor only")]
    assert "A notice for this visitor only" in text(client.get("/screening/phq9"))
    assert "A notice for this visitor only" not in text(client.get("/screening/phq9"))


def test_an_admins_catalogue_edit_shows_on_the_cached_home_page(app: Flask, signed_in,
                                                                admin) -> None:
    centre_id = make_centre("hub").id
    visitor = app.test_client()
    assert "Centre hub" in text(visitor.get("/?lang=en"))
    assert "Centre hub" in text(visitor.get("/?lang=en"))  # cached
    staff = signed_in(admin)
    form = text(staff.get(f"/admin/centres/{centre_id}"))
    data = {"name_zh": "总馆", "name_en": "Harbour Centre", "region_zh": "市区",
            "region_en": "City", "address_zh": "地址", "address_en": "Address 1",
            "phone": "0595-1", "hours_zh": "9-17", "hours_en": "9-17",
            "directions_zh": "", "directions_en": "", "active": "y", "parent": "0",
            "csrf_token": csrf_token(form)}
    response = staff.post(f"/admin/centres/{centre_id}", data=data)
    assert response.status_code == 303, text(response)
    assert db.session.scalar(select(Centre.name_en)) == "Harbour Centre"
    page = text(visitor.get("/?lang=en"))
    assert "Harbour Centre" in page
    assert "Centre hub" not in page


def test_signed_in_visitors_never_get_the_anonymous_page(app: Flask, signed_in,
                                                         worker) -> None:
    visitor = app.test_client()
    for _ in range(2):
        anonymous = text(visitor.get("/"))
        text(visitor.get("/screening/phq9"))
    assert "/account/login" in anonymous
    client = signed_in(worker)
    for _ in range(2):
        home = text(client.get("/"))
        assert 'href="/bookings"' in home  # "My bookings": only for someone signed in
        assert "/account/register" not in home.split("<main", 1)[1]
        # A worker who has not chosen about saving is asked first, not shown the form.
        assert client.get("/screening/phq9").status_code in (302, 303)
    # And after signing out, the anonymous page again, with this session's own token.
    submit(client, "/account/logout", {}, form_url="/account/")
    page = text(client.get("/screening/phq9"))
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert csrf_token(page) != render_cache.SENTINEL


def test_a_cached_page_carries_every_security_header_and_no_store(client: FlaskClient) -> None:
    first = client.get("/screening/phq9")
    cached = client.get("/screening/phq9")
    for response in (first, cached):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Pragma"] == "no-cache"
        assert response.headers.get("X-Request-ID")
        for name in HEADERS:
            assert response.headers[name] == first.headers[name], name
    home = client.get("/")
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert home.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


def test_the_cache_is_bounded(app: Flask, client: FlaskClient) -> None:
    app.config["RENDER_CACHE_SIZE"] = 2
    render_cache.store(app).clear()
    for code in ("phq9", "gad7", "pss10"):
        client.get(f"/screening/{code}")
    assert len(render_cache.store(app)) == 2


def test_an_unknown_questionnaire_is_still_not_found(client: FlaskClient) -> None:
    for _ in range(2):
        response = client.get("/screening/nope")
        assert response.status_code == 404
        assert render_cache.SENTINEL not in text(response)


def test_a_cached_page_is_the_page_rendered_for_this_visitor(app: Flask,
                                                             client: FlaskClient) -> None:
    """Same body and headers as with the cache off (tokens differ by their time stamp)."""

    def seen(url: str) -> tuple[str, list[tuple[str, str]]]:
        response = client.get(url)
        headers = sorted((k, v) for k, v in response.headers.items()
                         if k not in ("X-Request-ID", "Set-Cookie"))
        body = TOKEN.sub(lambda m: m.group(0).replace(m.group(1), "TOKEN"), text(response))
        return body, headers

    make_centre("hub")
    for url in ("/", "/?lang=en", "/screening/", "/screening/phq9", "/screening/gad7?lang=en"):
        app.config["RENDER_CACHE_SIZE"] = 0
        seen(url)
        uncached = seen(url)
        app.config["RENDER_CACHE_SIZE"] = 128
        seen(url)
        assert seen(url) == uncached, url
