"""The flask commands an operator runs."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.booking.models import Centre, Service
from app.extensions import db
from app.security.keyring import KeyRing
from app.seed import DEMO_PASSWORD, DEMO_USERS
from config import ProductionConfig


def test_users_create_makes_a_staff_account(app):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--role", "counsellor", "--role", "admin",
        "--email", "Lin@Example.com", "--phone", "13600000000", "--name", "林老师",
        "--password", "quiet harbour morning"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert user.roles == {Role.COUNSELLOR, Role.ADMIN}
    assert (user.email, user.phone) == ("lin@example.com", "+8613600000000")


def test_users_create_with_a_phone_and_no_email_then_signs_in_by_code(app):
    from app.accounts import phone_accounts, phone_codes
    from tests.integration.test_phone_codes import last_code

    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--role", "worker", "--phone", "136 0000 0001",
        "--password", "quiet harbour morning"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.phone) == (None, "+8613600000001")
    phone_codes.request_code("13600000001", "login", "127.0.0.1")
    assert phone_accounts.sign_in_by_code("+8613600000001", last_code("+8613600000001")) == user


def test_users_create_refuses_bad_input_and_writes_nothing(app):
    runner = app.test_cli_runner()
    for args, message in (
        (["--email", "nope", "--password", "quiet harbour morning"], "email"),
        (["--email", "a@example.com", "--password", "short"], "password"),
        (["--email", "a@example.com", "--phone", "42", "--password", "quiet harbour morning"],
         "phone"),
        (["--password", "quiet harbour morning"], "email address or a mobile number"),
    ):
        result = runner.invoke(args=["users", "create", "--role", "admin", *args])
        assert result.exit_code != 0
        assert message in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_seed_demo_is_idempotent_and_prints_logins_in_development(app, monkeypatch):
    runner = app.test_cli_runner()
    monkeypatch.setitem(app.config, "SHOW_DEMO_CREDENTIALS", True)
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0
    assert second.exit_code == 0
    assert "created 4 centres, 7 services, 10 users" in first.output  # the facilitator too
    assert "created 0 centres, 0 services, 0 users" in second.output
    assert DEMO_PASSWORD in first.output
    assert "authenticator app on their first sign-in" in first.output  # staff must pair one
    assert "scan it" in first.output
    centres = db.session.scalars(select(Centre).order_by(Centre.id)).all()
    assert centres[0].name_zh == "泉州市工人文化宫 职工心理服务中心"
    assert [c.parent_id for c in centres[1:]] == [centres[0].id] * 3
    assert db.session.scalar(select(func.count()).select_from(Service)) == 7
    roles = [u.roles for u in db.session.scalars(select(User))]
    assert roles.count({Role.COUNSELLOR}) == 3
    from app.counselling.course_demo import CLOSED

    # The two demo workers, and the clients of the closed demo courses (the outcome report).
    assert roles.count({Role.WORKER}) == 2 + len(CLOSED)
    assert len(DEMO_USERS) == 10


def test_seed_demo_hides_the_password_outside_development(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert DEMO_PASSWORD not in result.output


def test_seed_demo_refuses_to_run_in_production(app, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", ProductionConfig.ENV_NAME)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_keys_rotate_writes_a_new_version_and_status_shows_the_move(make_app, databases,
                                                                    tmp_path):
    key_file = KeyRing.generate().save(tmp_path / "keys.json")
    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new(), KEY_FILE=str(key_file))
    runner = app.test_cli_runner()
    with app.app_context():
        db.create_all()
        from app.accounts import services

        for n in range(3):
            services.register_worker(f"w{n}@example.com", "quiet harbour morning",
                                     accepted_privacy_notice=True)
        before = runner.invoke(args=["keys", "status"])
        assert "v1: 3 data keys (current)" in before.output
        rotated = runner.invoke(args=["keys", "rotate", "--batch-size", "2"])
        assert rotated.exit_code == 0, rotated.output
        assert "done: 3 data keys re-wrapped" in rotated.output
        stored = json.loads(key_file.read_text())
        assert stored["current"] == 2
        assert set(stored["keks"]) == {"1", "2"}
        after = runner.invoke(args=["keys", "status"])
        assert "v2: 3 data keys (current)" in after.output
        assert "v1: 0 data keys (old)" in after.output
        db.session.expire_all()
        assert sorted(u.email for u in db.session.scalars(select(User))) == [
            "w0@example.com", "w1@example.com", "w2@example.com"]
        db.session.remove()
        db.engine.dispose()


def test_keys_status_fails_when_a_used_version_is_missing(make_app, databases, tmp_path):
    ring = KeyRing.generate()
    key_file = ring.save(tmp_path / "keys.json")
    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new(), KEY_FILE=str(key_file))
    with app.app_context():
        db.create_all()
        from app.security.crypto import get_crypto

        db.session.add(get_crypto().new_data_key())
        db.session.commit()
        get_crypto().ring.keks = {2: b"\0" * 32}
        get_crypto().ring.current = 2
        result = app.test_cli_runner().invoke(args=["keys", "status"])
        assert result.exit_code == 1
        assert "MISSING FROM KEY RING" in result.output
        db.session.remove()
        db.engine.dispose()
