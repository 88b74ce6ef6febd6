"""Password and contact rules, one at a time."""

from __future__ import annotations

import pytest

from app.accounts.contact import ContactError, normalise_email, normalise_login, normalise_phone
from app.security.passwords import (
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)


@pytest.mark.parametrize(
    "raw",
    ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "0086 13812345678",
     "１３８１２３４５６７８", " 13812345678 "],
)
def test_mainland_mobile_numbers_normalise_to_one_form(raw):
    assert normalise_phone(raw) == "+8613812345678"


@pytest.mark.parametrize(
    "raw", ["", "1381234567", "138123456789", "12345678901", "059522000000", "+1 415 555 0100",
            "+852 9123 4567", "abc", "0595-2200 0000"],
)
def test_other_numbers_are_refused(app, raw):
    with pytest.raises(ContactError):
        normalise_phone(raw)


def test_email_is_normalised_and_checked(app):
    assert normalise_email("  Mei.Lin@Example.COM ") == "mei.lin@example.com"
    assert normalise_email("lin＠example.com") == "lin@example.com"
    for bad in ("mei", "mei@", "@example.com", "mei@@example.com", "a b@example.com"):
        with pytest.raises(ContactError):
            normalise_email(bad)


def test_login_field_takes_either(app):
    assert normalise_login("13812345678") == ("phone", "+8613812345678")
    assert normalise_login("A@Example.com") == ("email", "a@example.com")


@pytest.mark.parametrize(
    ("password", "refused"),
    [
        ("seven77", True),
        ("x" * 128, True),          # one repeated character
        ("ab" * 64, True),
        ("a quiet harbour in the morning " * 5, True),  # 155 characters
        ("Password2026!", True),    # a common stem with digits stuck on
        ("woaini1314", True),
        ("87654321", True),
        ("calm river at dawn", False),
        ("我的密码是晴天心情", False),
        ("Tq8#mZ2!", False),
    ],
)
def test_password_rules(app, password, refused):
    assert (password_problem(password) is not None) is refused


def test_password_may_not_be_the_persons_contact(app):
    assert password_problem("13812345678", avoid=("+8613812345678",)) is not None
    assert password_problem("mei.lin@example.com", avoid=("mei.lin@example.com",)) is not None


def test_hash_verifies_only_the_right_password(app):
    stored = hash_password("calm river at dawn")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "calm river at dawn")
    assert not verify_password(stored, "calm river at dusk")
    assert not verify_password(None, "calm river at dawn")
    assert not verify_password("not a hash", "calm river at dawn")


def test_full_width_password_matches_its_ascii_twin(app):
    assert verify_password(hash_password("Tq8#mZ2!"), "Ｔｑ８＃ｍＺ２！")


def test_cost_change_asks_for_a_rehash(app):
    stored = hash_password("calm river at dawn")
    assert not needs_rehash(stored)
    app.config["ARGON2_MEMORY_COST"] = 16
    try:
        assert needs_rehash(stored)
    finally:
        app.config["ARGON2_MEMORY_COST"] = 8
