"""Changing a password, and resetting a forgotten one by email."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, update

from app.accounts.models import PasswordReset, User
from app.extensions import db
from app.notifications.services import send_due
from app.types import utcnow
from tests.helpers import PASSWORD, sign_in, submit, text

NEW = "bright lanterns over the harbour"


def test_changing_password_needs_the_current_one(app, client, make_user):
    user = make_user(login="mei@example.com")
    sign_in(client, "mei@example.com")
    wrong = submit(client, "/account/password?lang=en", {
        "current": "not it at all", "password": NEW, "confirm": NEW})
    assert "That is not your current password." in text(wrong)
    ok = submit(client, "/account/password", {"current": PASSWORD, "password": NEW,
                                              "confirm": NEW})
    assert ok.status_code == 303
    assert client.get("/account/").status_code == 200  # this device stays signed in
    assert sign_in(app.test_client(), "mei@example.com", NEW).status_code == 303
    db.session.refresh(user)
    assert user.session_version == 2


def test_changing_password_signs_out_other_devices(app, make_user):
    make_user(login="mei@example.com")
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, "mei@example.com")
    sign_in(laptop, "mei@example.com")
    submit(laptop, "/account/password", {"current": PASSWORD, "password": NEW, "confirm": NEW})
    assert laptop.get("/account/").status_code == 200
    assert phone.get("/account/").status_code == 302


def reset_link(smtp_server) -> str:
    send_due()
    [email] = smtp_server.messages
    return re.search(r"http://\S+/account/reset/\S+", email.get_content()).group(0)


def test_forgotten_password_is_reset_through_a_one_time_link(app, client, smtp_server,
                                                             make_user):
    make_user(login="mei@example.com")
    asked = submit(client, "/account/forgot?lang=en", {"login": "Mei@Example.com"})
    assert asked.status_code == 303  # Refresh never asks for a second link
    page = client.get(asked.headers["Location"], query_string={"lang": "en"})
    assert "a link to set a new password is on its way" in text(page)
    again = client.get(asked.headers["Location"], query_string={"lang": "en"})
    assert "a link to set a new password is on its way" not in text(again)
    link = reset_link(smtp_server)
    path = link.split("127.0.0.1:5000", 1)[1]
    landing = client.get(path)
    assert landing.headers["Location"] == "/account/reset"  # the token leaves the address bar
    done = submit(client, "/account/reset", {"password": NEW, "confirm": NEW})
    assert done.headers["Location"] == "/account/login"
    assert sign_in(app.test_client(), "mei@example.com", NEW).status_code == 303
    # The link works once.
    again = app.test_client()
    again.get(path)
    assert again.get("/account/reset").status_code == 400


def test_unknown_address_gets_the_same_answer_and_no_email(client, smtp_server):
    asked = submit(client, "/account/forgot?lang=en", {"login": "nobody@example.com"})
    page = client.get(asked.headers["Location"], query_string={"lang": "en"})
    assert "a link to set a new password is on its way" in text(page)
    send_due()
    assert smtp_server.messages == []


def test_expired_link_is_refused(app, client, smtp_server, make_user):
    make_user(login="mei@example.com")
    submit(client, "/account/forgot", {"login": "mei@example.com"})
    path = reset_link(smtp_server).split("127.0.0.1:5000", 1)[1]
    db.session.execute(update(PasswordReset).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    client.get(path)
    response = client.get("/account/reset?lang=en")
    assert response.status_code == 400
    assert "This link no longer works" in text(response)


def test_weak_new_password_is_refused_and_the_link_still_works(app, client, smtp_server,
                                                              make_user):
    make_user(login="mei@example.com")
    submit(client, "/account/forgot", {"login": "mei@example.com"})
    client.get(reset_link(smtp_server).split("127.0.0.1:5000", 1)[1])
    weak = submit(client, "/account/reset?lang=en", {"password": "password1",
                                                     "confirm": "password1"})
    assert "too common" in text(weak)
    assert db.session.scalar(select(func.count()).select_from(PasswordReset).where(
        PasswordReset.used_at.is_(None))) == 1
    assert submit(client, "/account/reset", {"password": NEW, "confirm": NEW}).status_code == 303
    assert db.session.scalar(select(User)).password_hash.startswith("$argon2id$")
