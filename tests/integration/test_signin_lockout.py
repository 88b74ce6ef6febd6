"""No lockout by strangers (issue 22): the per-account sign-in limit counts failures, and
after a storm of wrong guesses from many addresses the owner still signs in from their own.
The same rule holds on the sign-in page and on POST /api/v1/auth/token."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.api.models import ApiToken
from app.extensions import db
from tests.helpers import PASSWORD, sign_in, submit, text

LOGIN = "13800138000"


def _from(client, address: str):
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _storm(client, login: str, guesses: int = 200) -> list[int]:
    """``guesses`` wrong passwords, each from its own address, through the API."""
    statuses = []
    for n in range(guesses):
        _from(client, f"10.{n // 250}.{n % 250}.1")
        statuses.append(client.post("/api/v1/auth/token", json={
            "login": login, "password": f"wrong-guess-{n}"}).status_code)
    return statuses


def test_after_200_wrong_guesses_from_many_addresses_the_owner_signs_in(client, worker):
    statuses = _storm(client, LOGIN)
    assert set(statuses) == {401}  # every stranger is told no, none is locked out either
    owner = _from(client, "192.0.2.7")
    response = sign_in(owner, LOGIN)
    assert response.status_code == 303
    assert owner.get("/account/").status_code == 200


def test_after_the_storm_the_owner_gets_an_api_token(client, worker):
    _storm(client, LOGIN)
    _from(client, "192.0.2.8")
    response = client.post("/api/v1/auth/token", json={"login": LOGIN, "password": PASSWORD})
    assert response.status_code == 201
    assert db.session.scalar(select(ApiToken)) is not None


def test_an_address_that_keeps_failing_on_an_account_is_refused_there(client, worker):
    _storm(client, LOGIN, guesses=30)  # the account is over its failure budget
    guesser = _from(client, "198.51.100.9")
    statuses = [sign_in(guesser, LOGIN, f"guess {n}").status_code for n in range(3)]
    assert statuses == [200, 200, 200]  # the form again, with "not right"
    refused = submit(guesser, "/account/login", {"login": LOGIN, "password": PASSWORD},
                     headers={"Accept-Language": "en"})
    assert refused.status_code == 429  # even the right password, from this address
    assert "Too many attempts" in text(refused)
    token = guesser.post("/api/v1/auth/token", json={"login": LOGIN, "password": PASSWORD})
    assert token.status_code == 429
    assert sign_in(_from(client, "198.51.100.10"), LOGIN).status_code == 303


def test_correct_passwords_do_not_use_up_the_account_budget(client, worker):
    statuses = []
    for n in range(25):  # more than "5 per minute;20 per hour" successes
        _from(client, f"203.0.113.{n + 1}")
        statuses.append(client.post("/api/v1/auth/token", json={
            "login": LOGIN, "password": PASSWORD}).status_code)
    assert statuses == [201] * 25


@pytest.mark.parametrize("role", ["admin", "counsellor"])
def test_staff_under_attack_still_need_their_second_factor(client, make_user, role):
    staff = make_user(role)
    _storm(client, staff.email, guesses=40)
    _from(client, "192.0.2.20")
    response = submit(client, "/account/login", {"login": staff.email, "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/account/mfa")
    assert client.get("/account/").status_code in (302, 403)  # not signed in yet
    no_code = client.post("/api/v1/auth/token", json={"login": staff.email,
                                                      "password": PASSWORD})
    assert no_code.status_code == 401
    assert no_code.get_json()["type"].endswith("otp-required")
