"""Input from outside-in attacks (issue 22): a bad Host header and deeply nested JSON are
refused with a 400, never a 500, on every path."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.screening.models import ScreeningResult
from app.security.inputs import MAX_JSON_DEPTH, json_depth
from tests.api.helpers import bearer, get_token

BAD_HOSTS = ["a" * 64 + ".example.org", "a..b", "a" * 64]
PATHS = ["/healthz", "/", "/account/login", "/api/v1/instruments", "/no-such-page",
         "/static/css/app.css"]


@pytest.mark.parametrize("host", BAD_HOSTS)
@pytest.mark.parametrize("path", PATHS)
def test_a_bad_host_header_is_a_plain_400_on_every_path(client, host, path):
    """The error page built links with no URL adapter: a 500 on every path, /healthz too."""
    response = client.get(path, headers={"Host": host})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "请求有问题" in page
    assert "Something in the request was not right" in page
    assert host not in page  # nothing of the request is echoed


def test_a_bad_host_header_on_a_post_changes_nothing(client, worker):
    response = client.post("/api/v1/auth/token", headers={"Host": "a..b"},
                           json={"login": "13800138000", "password": "x"})
    assert response.status_code == 400


def test_ordinary_hosts_still_work(client):
    for host in ["localhost", "127.0.0.1:8000", "[::1]:8000", "xinqing.example.org",
                 "心晴.example.org"]:
        assert client.get("/healthz", headers={"Host": host}).status_code == 200, host


def _nested(levels: int, inner: str = "1") -> str:
    return '{"a": ' * levels + inner + "}" * levels


@pytest.mark.parametrize("body", [
    "[" * 500 + "]" * 500, _nested(500), "[" * 100_000 + "]" * 100_000,
    '{"instrument": "phq9", "answers": ' + "[" * 500 + "]" * 500 + "}",
])
@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/screenings",
                                  "/api/v1/bookings", "/api/v1/waitlist"])
def test_deeply_nested_json_is_refused_before_parsing(client, worker, body, path):
    """``refuse_nul`` recursed without limit: ~500 levels answered 500."""
    token = get_token(client, "13800138000")
    response = client.post(path, data=body, content_type="application/json",
                           headers=bearer(token, "en"))
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"
    assert db.session.scalar(select(func.count()).select_from(ScreeningResult)) == 0


def test_a_body_over_the_cap_is_refused_unread(client, worker):
    token = get_token(client, "13800138000")
    big = '{"instrument": "phq9", "answers": [' + "1," * 600_000 + "1]}"
    response = client.post("/api/v1/screenings", data=big, content_type="application/json",
                           headers=bearer(token))
    assert response.status_code in (400, 413)
    assert db.session.scalar(select(func.count()).select_from(ScreeningResult)) == 0


def test_ordinary_nesting_and_brackets_inside_strings_pass(client, worker):
    assert json_depth(b'{"a": "[[[[{{{{", "b": [[1]]}') == 3
    assert json_depth(b'"\\"[[["') == 0
    token = get_token(client, "13800138000")
    response = client.post("/api/v1/screenings", headers=bearer(token), json={
        "instrument": "phq9", "answers": [0] * 9, "extra": {"difficulty": 0},
        "anonymous": True, "note": "[" * (MAX_JSON_DEPTH + 5)})
    assert response.status_code in (201, 422), response.get_json()
    assert response.status_code != 400
