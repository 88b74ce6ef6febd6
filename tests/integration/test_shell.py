"""The shell every page shares: each role's own navigation, homes, landing after sign-in."""

from __future__ import annotations

import re

from app.accounts.models import Role
from app.main import navigation
from tests.helpers import sign_in, text
from tests.integration.screening_helpers import answer
from tests.integration.test_screening_signed_in import agree


def _tabs(page: str) -> list[str]:
    nav = re.search(r'<nav class="tab-bar".*?</nav>', page, re.S)
    return re.findall(r'<span>([^<]+)</span>', nav.group(0)) if nav else []


def test_workers_get_four_tabs_with_the_current_one_marked(worker, signed_in):
    client = signed_in(worker)
    page = text(client.get("/me"))
    assert _tabs(page) == ["自测", "预约", "我的记录", "我的"]
    assert re.search(r'href="/me" aria-current="page"', page)
    history = text(client.get("/screening/history"))
    assert re.search(r'href="/screening/history" aria-current="page"', history)
    assert 'href="#crisis-help"' in page
    assert 'id="crisis-help"' in page


def test_staff_see_their_own_menu_and_no_worker_tabs(counsellor, social_worker, admin, app):
    for person, mine, not_mine in (
            (counsellor, "今日工作台", "统计报表"),
            (social_worker, "统计报表", "今日工作台"),
            (admin, "系统管理", "今日工作台")):
        client = app.test_client()
        sign_in(client, person.email)
        page = text(client.get("/account/"))
        assert _tabs(page) == [], person.roles
        menu = re.search(r'<ul class="menu-panel">.*?</ul>', page, re.S).group(0)
        assert mine in menu
        assert not_mine not in menu
        assert "预约" not in menu
        assert "退出登录" in menu


def test_staff_land_on_their_home_after_the_second_factor(client, counsellor, social_worker,
                                                          admin, app):
    homes = {counsellor: "/counselling/", social_worker: "/reports/", admin: "/admin/"}
    for person, home in homes.items():
        other = app.test_client()
        assert sign_in(other, person.email).headers["Location"] == home
    # A ``next`` still wins; workers keep landing on the home page.
    assert sign_in(app.test_client(), counsellor.email, next_url="/account/").headers[
        "Location"] == "/account/"


def test_workers_keep_their_landing(client, worker):
    assert sign_in(client, worker.phone).headers["Location"] == "/"


def test_me_shows_latest_results_with_trend_words(client, worker, signed_in):
    signed_in(worker)
    empty = text(client.get("/me"))
    assert "您还没有预约" in empty
    assert "暂无" not in empty
    agree(client)
    for answers in ([2] * 7, [1] * 7):
        answer(client, "gad7", answers, {"difficulty": 0})
    page = text(client.get("/me"))
    assert "比上次好一些" in page  # 14 then 7 on GAD-7: lower is better
    assert 'href="/screening/history"' in page
    assert "我的安全计划" in page
    history = text(client.get("/screening/history?lang=en"))
    assert "a little better than last time (14 → 7)" in history
    assert 'class="band-legend"' in history
    assert re.search(r'<text class="axis-label"[^>]*>\d\d-\d\d</text>', history)  # dates


def test_every_entry_points_at_a_real_page(app):
    with app.test_request_context():
        for entry in navigation.ENTRIES:
            assert entry.url.startswith("/")
    assert navigation.home_endpoint(None) is None


def test_styleguide_only_in_development(app, client):
    assert client.get("/styleguide").status_code == 404
    app.debug = True
    try:
        page = text(client.get("/styleguide"))
    finally:
        app.debug = False
    for part in ("--brand", "button-secondary", "list-row", "cal-cell", "tab", "notice-error"):
        assert part in page
    assert Role.WORKER  # the role names stay the security package's
