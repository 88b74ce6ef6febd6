"""base.html's header and footer are drawn once per key and reused, yet everyone gets their own.

The parts (app/render_cache.py ``kept_part``, keyed in app/main/layout.py) are the same for
everyone with the same language, roles and active menu entry; the CSRF token and the
language switch's address are each request's own.
"""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from app import render_cache
from app.accounts.models import User
from app.extensions import db
from app.main import layout
from app.security.roles import Role
from tests.helpers import sign_in, text

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
ANY_TOKEN = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+')


def _person(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    assert sign_in(client, user.email or user.phone).status_code == 303
    return client


def _untimed(page: str) -> str:
    """The page with its CSRF tokens blanked: a token carries the second it was signed."""
    return ANY_TOKEN.sub(r"\1", page)


def _header(page: str) -> str:
    return page.split("<main", 1)[0]


def test_two_people_with_different_roles_get_their_own_menu_from_a_warm_cache(
        app: Flask, client: FlaskClient, make_user) -> None:
    counsellor = _person(app, make_user(Role.COUNSELLOR, name="Counsellor Wang"))
    admin = _person(app, make_user(Role.ADMIN, name="Admin Chen"))
    for person in (counsellor, admin, counsellor, admin):  # the second round: a warm cache
        text(person.get("/account/privacy?lang=en"))
    hits = render_cache.parts(app).hits
    mine, theirs = (text(person.get("/account/privacy?lang=en")) for person in (counsellor, admin))
    assert render_cache.parts(app).hits == hits + 4  # header and footer, each person
    assert "Risk queue" in _header(mine)
    assert "Administration" not in _header(mine)
    assert "Administration" in _header(theirs)
    assert "Risk queue" not in _header(theirs)
    # Each sign-out form carries its own person's token, never the other's or a placeholder.
    my_tokens, their_tokens = set(TOKEN.findall(mine)), set(TOKEN.findall(theirs))
    assert len(my_tokens) == len(their_tokens) == 1
    assert my_tokens != their_tokens
    for page in (mine, theirs):
        assert render_cache.SENTINEL not in page
        assert layout.HOLE not in page
    assert "Admin Chen" not in mine
    assert "Counsellor Wang" not in theirs


def test_a_worker_gets_the_tabs_and_a_staff_member_the_menu(app: Flask, client: FlaskClient,
                                                            make_user) -> None:
    worker = _person(app, make_user(Role.WORKER))
    staff = _person(app, make_user(Role.SOCIAL_WORKER))
    for _ in range(2):
        tabs, menu = (text(p.get("/account/privacy")) for p in (worker, staff))
        assert 'class="tab-bar"' in tabs
        assert "staff-nav" not in tabs
        assert 'class="has-tabs"' in tabs
        assert "staff-nav" in menu
        assert 'class="tab-bar"' not in menu


def test_a_role_change_shows_on_the_very_next_request(app: Flask, client: FlaskClient,
                                                      make_user) -> None:
    user = make_user(Role.COUNSELLOR)
    person = _person(app, user)
    for _ in range(2):
        assert "Administration" not in _header(text(person.get("/account/privacy?lang=en")))
    user.grant(Role.ADMIN)
    db.session.commit()
    assert "Administration" in _header(text(person.get("/account/privacy?lang=en")))
    user.revoke(Role.ADMIN)
    db.session.commit()
    assert "Administration" not in _header(text(person.get("/account/privacy?lang=en")))


def test_a_language_switch_shows_on_the_very_next_request(app: Flask, client: FlaskClient,
                                                          make_user) -> None:
    person = _person(app, make_user(Role.WORKER))
    for _ in range(2):
        chinese = text(person.get("/screening/history?lang=zh_CN"))
    assert '<html lang="zh-CN">' in chinese
    assert "我的记录" in _header(chinese)
    assert 'href="/screening/history?lang=en"' in chinese
    english = text(person.get("/screening/history?lang=en"))
    assert '<html lang="en">' in english
    assert "My records" in _header(english)
    assert 'href="/screening/history?lang=zh_CN"' in english
    assert "Privacy notice" in english.split("</main>", 1)[1]


def test_the_active_page_and_the_switch_address_are_the_pages_own(app: Flask,
                                                                  client: FlaskClient,
                                                                  make_user) -> None:
    person = _person(app, make_user(Role.WORKER))
    current = re.compile(r'<a href="([^"]+)" aria-current="page">')
    for _ in range(2):
        history = text(person.get("/screening/history?lang=en"))
        assert current.findall(history) == ["/screening/history"]
        plain = text(person.get("/booking?lang=en"))
        booking = text(person.get("/booking?lang=en&centre=0"))
        assert current.findall(booking) == current.findall(plain) == ["/booking"]
        # The same kept part, yet the switch keeps each page's own address and arguments.
        assert 'href="/booking?lang=zh_CN"' in plain
        assert 'href="/booking?lang=zh_CN&amp;centre=0"' in booking
        account = text(person.get("/account/privacy?lang=en"))
        assert current.findall(account) == []


def test_the_cached_layout_is_the_layout_drawn_anew(app: Flask, client: FlaskClient,
                                                    make_user) -> None:
    people = [_person(app, make_user(role)) for role in (Role.WORKER, Role.COUNSELLOR)]
    for person in people:
        for path in ("/account/privacy?lang=en", "/account/privacy?lang=zh_CN",
                     "/account/?lang=en", "/booking?lang=zh_CN"):
            app.config["RENDER_CACHE_SIZE"] = 0
            drawn = _untimed(text(person.get(path)))
            app.config["RENDER_CACHE_SIZE"] = 128
            assert _untimed(text(person.get(path))) == drawn, path  # drawn into the cache
            assert _untimed(text(person.get(path))) == drawn, path  # from the cache
