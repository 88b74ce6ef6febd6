"""Language: the person's saved choice, then the visible switch, then the browser's."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.helpers import sign_in, text


def test_chinese_is_the_default(client):
    page = text(client.get("/account/login"))
    assert '<html lang="zh-CN">' in page
    assert "<h1>登录</h1>" in page


@pytest.mark.parametrize("header", ["en", "en-GB,en;q=0.9", "fr, en;q=0.5"])
def test_browser_language_is_followed(client, header):
    assert "<h1>Sign in</h1>" in text(client.get("/account/login",
                                                 headers={"Accept-Language": header}))


@pytest.mark.parametrize("header", ["zh-CN", "zh-TW,zh;q=0.9", "zh"])
def test_chinese_browsers_get_chinese(client, header):
    assert "<h1>登录</h1>" in text(client.get("/account/login",
                                              headers={"Accept-Language": header}))


def test_switch_is_on_every_page_and_sticks_for_the_visit(client):
    for url in ("/", "/account/login", "/account/register", "/account/privacy", "/nowhere"):
        assert "?lang=en" in text(client.get(url)), url
    assert "<h1>Sign in</h1>" in text(client.get("/account/login?lang=en"))
    assert "<h1>Sign in</h1>" in text(client.get("/account/login",
                                                 headers={"Accept-Language": "zh-CN"}))
    switch_back = text(client.get("/account/login"))
    assert "?lang=zh_CN" in switch_back


def test_switch_keeps_other_query_arguments(client):
    page = text(client.get("/account/login?next=/account/&lang=en"))
    assert "next=%2Faccount%2F&amp;lang=zh_CN" in page


def test_signed_in_choice_is_saved_and_wins_next_time(app, client, worker):
    sign_in(client, "13800138000")
    client.get("/?lang=en")
    db.session.refresh(worker)
    assert worker.locale == "en"
    fresh = app.test_client()
    sign_in(fresh, "13800138000")
    assert "My account" in text(fresh.get("/account/", headers={"Accept-Language": "zh-CN"}))


def test_unknown_language_is_ignored(client):
    assert "<h1>登录</h1>" in text(client.get("/account/login?lang=xx"))


@pytest.mark.parametrize(("header", "saved"), [("en-GB,en;q=0.9", "en"), ("zh-CN", "zh_CN")])
def test_registering_keeps_the_language_the_page_was_read_in(app, client, header, saved):
    """Emails are written in the saved language: someone who read the site in English
    (by their browser, without touching the switch) gets English email."""
    from app.accounts.services import find_by_login
    from tests.helpers import PASSWORD, submit

    headers = {"Accept-Language": header}
    response = submit(client, "/account/register",
                      {"login": "reader@example.com", "password": PASSWORD,
                       "confirm": PASSWORD, "accept_privacy": "y"}, headers=headers)
    assert response.status_code == 303
    assert find_by_login("reader@example.com").locale == saved


def test_an_email_in_another_language_mid_page_leaves_the_page_in_its_own(app):
    """Templates remember the request's catalogue; ``force_locale`` still switches it."""
    from flask import render_template_string
    from flask_babel import force_locale, refresh

    page = "{{ _('Sign in') }}"
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert render_template_string(page) == "登录"
        with force_locale("en"):
            assert render_template_string(page) == "Sign in"
        assert render_template_string(page) == "登录"
        with force_locale("en"):
            refresh()
            assert render_template_string(page) == "Sign in"
        assert render_template_string(page) == "登录"


def test_fixed_phrases_keep_their_escaping_and_percent_signs(app):
    """Remembered phrases come out exactly as Jinja's own ``_()`` gives them."""
    from flask import render_template_string

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        for _ in range(2):  # the second time from the memo
            assert render_template_string("{{ _('100%% sure') }}|{{ _('a <b>') }}") \
                == "100% sure|a <b>"
            assert render_template_string("{{ _('%(n)s <i>', n='<x>') }}") == "&lt;x&gt; <i>"
            assert app.jinja_env.from_string("{{ _('100%% sure') }}").render() == "100% sure"
