"""The access matrix: every route × every caller, answered as the table in matrix.py says,
and no page shows worker A's data to anyone the table does not allow."""

from __future__ import annotations

import pytest

from tests.security.matrix import API_PREFIX, CALLERS, STATE_CHANGING, TABLE, ordered, routes
from tests.security.world import MARKERS


def test_every_route_has_a_row(app):
    missing = sorted(routes(app) - set(TABLE))
    stale = sorted(set(TABLE) - routes(app))
    assert missing == [], "declare these routes in tests/security/matrix.py"
    assert stale == [], "these rows name routes the app no longer has"


def test_every_row_names_every_caller():
    assert [key for key, row in TABLE.items() if set(row.expect) != set(CALLERS)] == []


@pytest.mark.slow
@pytest.mark.parametrize("caller", CALLERS)
def test_caller_gets_what_the_table_says_and_nothing_of_others(caller, world, caller_client,
                                                                api_headers):
    client, token = caller_client(caller)
    bearer = api_headers(caller)
    wrong, leaks, shown = [], [], set()
    for (rule, method), row in ordered(TABLE):
        url = row.url.format(**world.ids)
        if rule.startswith(API_PREFIX) and not rule.startswith(API_PREFIX + "docs"):
            # The API takes its own token; the signed-in cookie the client also carries
            # must not count (a test in tests/api proves it alone).
            response = client.open(url, method=method, headers=bearer,
                                   json=row.data if method in STATE_CHANGING else None)
        elif method in STATE_CHANGING:
            response = client.open(url, method=method, data={"csrf_token": token, **row.data})
        else:
            response = client.open(url, method=method)
        seen = response.get_data(as_text=True) + response.headers.get("Location", "")
        response.close()  # static files answer with an open file
        expected = row.expect[caller]
        if response.status_code != expected:
            wrong.append((method, rule, expected, response.status_code))
        if caller == "owner" or caller in row.may_see:
            shown |= {kind for kind, marker in MARKERS.items() if marker in seen}
            continue
        leaks += [(method, rule, kind) for kind, marker in MARKERS.items() if marker in seen]
    assert wrong == [], "\n".join(map(str, wrong))
    assert leaks == []
    # The search would find the markers: those allowed to see them do.
    assert shown >= SHOWN_TO.get(caller, set())


SHOWN_TO = {"owner": {"email", "phone", "name"},
            "counsellor": {"name", "note", "contact_phone"},
            # Admins see workers as pseudonyms: no name or contact without a stated reason.
            "admin": set()}


HUGE = ("2147483648", "99999999999999999999")


@pytest.mark.parametrize("caller", ["owner", "counsellor", "admin"])
def test_ids_past_the_integer_range_are_not_found(caller, world, caller_client):
    """Every route with a number in it: a number the database cannot hold is a 404."""
    client, token = caller_client(caller)
    numeric = {k for k, v in world.ids.items() if isinstance(v, int)}
    answered = []
    for (rule, method), row in ordered(TABLE):
        if "<int:" not in rule:
            continue
        for huge in HUGE:
            url = row.url.format(**{**world.ids, **dict.fromkeys(numeric, huge)})
            response = client.open(url, method=method, data={"csrf_token": token})
            # Never looked up: 404 (405 when werkzeug then matched the path under another
            # method, as for the API's GET and DELETE of one booking).
            if response.status_code not in (404, 405) and row.expect[caller] != 403:
                answered.append((method, rule, huge, response.status_code))
    assert answered == []


@pytest.mark.parametrize("query", ["page=99999999999999999999", "page=-3", "page=１２",
                                   "page=abc"])
def test_audit_log_pages_past_the_range_show_the_first(query, world, caller_client):
    client, _token = caller_client("admin")
    assert client.get(f"/admin/audit?{query}").status_code == 200
