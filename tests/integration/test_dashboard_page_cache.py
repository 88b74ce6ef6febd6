"""A repeat dashboard view is served from the render cache, yet every reader gets their own page
(menu, CSRF token, flashed messages, address) and every view is still audited."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import render_cache
from app.audit.models import AuditEvent
from app.extensions import db
from tests.helpers import sign_in, text
from tests.integration.test_report_cache import _followup_world

URL, EN = "/reports/?period=2026-09", {"Accept-Language": "en"}
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _views() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "reports.viewed")) or 0


def _unsigned(page: str) -> str:
    """``page`` with each CSRF token cut to the session's own secret: the signed token also
    carries the second it was signed in, so two views a second apart differ there alone."""
    return TOKEN.sub(lambda m: m.group(0).replace(m.group(1), m.group(1).split(".")[0]), page)


def test_a_repeat_view_is_served_from_the_cache_and_still_audited(
        app: Flask, client: FlaskClient, signed_in, make_user, social_worker) -> None:
    _followup_world(make_user)
    signed_in(social_worker)
    store, before = render_cache.store(app), _views()
    first = text(client.get(URL, headers=EN))
    hits = store.hits
    again = text(client.get(URL, headers=EN))
    assert store.hits == hits + 1
    assert _unsigned(again) == _unsigned(first)  # one reader, one session: same token and page
    assert _views() == before + 2  # a cached view is a read like any other


def test_the_cached_page_is_the_page_rendered_without_the_cache(
        app: Flask, client: FlaskClient, signed_in, make_user, social_worker) -> None:
    _followup_world(make_user)
    signed_in(social_worker)
    client.get(URL, headers=EN)
    cached = text(client.get(URL, headers=EN))
    app.config["RENDER_CACHE_SIZE"] = 0
    try:
        plain = text(client.get(URL, headers=EN))
    finally:
        app.config["RENDER_CACHE_SIZE"] = 128
    assert render_cache.SENTINEL not in cached
    assert _unsigned(cached) == _unsigned(plain)


def test_two_readers_get_their_own_token_and_menu(
        app: Flask, client: FlaskClient, signed_in, make_user, social_worker, admin) -> None:
    from app.accounts.models import Role

    _followup_world(make_user)
    signed_in(social_worker)
    pages = [text(client.get(URL, headers=EN))]
    for person in (make_user(Role.SOCIAL_WORKER), admin):  # the same page; another menu
        other = app.test_client()
        assert sign_in(other, person.email).status_code == 303
        pages.append(text(other.get(URL, headers=EN)))
    assert "Administration" in pages[2]  # the admin's menu, not the social worker's
    assert "Administration" not in pages[1] + text(client.get(URL, headers=EN))
    tokens = {TOKEN.search(page).group(1) for page in pages}
    assert len(tokens) == 3
    assert render_cache.SENTINEL not in "".join(tokens)
    # Each token is its reader's own: signing out with it works.
    token = TOKEN.search(text(client.get(URL, headers=EN))).group(1)
    assert client.post("/account/logout", data={"csrf_token": token}).status_code in (302, 303)
    assert client.get(URL, headers=EN).status_code in (302, 303)  # signed out


def test_the_language_link_keeps_this_address(
        client: FlaskClient, signed_in, make_user, social_worker) -> None:
    _followup_world(make_user)
    signed_in(social_worker)
    client.get(URL, headers=EN)
    page = text(client.get(URL + "&place=", headers=EN))
    assert "/reports/?period=2026-09&amp;place=&amp;lang=zh_CN" in page


def test_a_flashed_message_shows_once_and_is_not_kept(
        client: FlaskClient, signed_in, make_user, social_worker) -> None:
    _followup_world(make_user)
    signed_in(social_worker)
    client.get(URL, headers=EN)  # kept
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A note for this reader")]
    assert "A note for this reader" in text(client.get(URL, headers=EN))
    assert "A note for this reader" not in text(client.get(URL, headers=EN))
