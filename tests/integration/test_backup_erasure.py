"""Erasure that means what it says, backups included (issue 22).

A database backup taken before someone deleted their account holds their wrapped data key,
and the live key file opens it. The shred list, kept outside the database next to the key
file, is what makes the deletion stick: ``flask keys apply-shreds``, a step of every
restore, shreds those keys (and the records they sealed) again.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

import assessments
from app.accounts import privacy
from app.accounts.models import User
from app.extensions import db
from app.screening import services as screening
from app.screening.models import ScreeningResult
from app.security.models import DataKey
from app.security.shredding import listed, shred_file
from tests.helpers import PASSWORD, sign_in


def backup() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, as a dump (pg_dump or a file copy) would keep it."""
    db.session.commit()
    with db.engine.connect() as conn:
        return {t.name: [dict(r._mapping) for r in conn.execute(t.select())]
                for t in db.metadata.sorted_tables}


def restore(dump: dict[str, list[dict[str, Any]]]) -> None:
    """Replace the database's contents with the dump."""
    db.session.remove()
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
        for table in db.metadata.sorted_tables:
            if dump[table.name]:
                conn.execute(table.insert(), dump[table.name])


def _person(make_user, login: str, name: str) -> User:
    user = make_user(login=login, name=name)
    screening.give_health_consent(user)
    screening.save_result(user, assessments.get("phq9"), [2] * 9, {"difficulty": 1},
                          keep=True)
    return user


def _readable(login: str) -> tuple[str, list[int]] | None:
    from app.accounts.services import find_by_login

    db.session.expire_all()
    user = find_by_login(login)
    if user is None:
        return None
    results = db.session.scalars(select(ScreeningResult).where(
        ScreeningResult.user_id == user.id)).all()
    return user.name, [r.data["total"] for r in results]


def test_a_restored_backup_does_not_bring_a_deleted_person_back(app, make_user):
    mei = _person(make_user, "13800138000", "梅")
    li = _person(make_user, "13900139000", "李")
    mei_key, mei_id, li_id = mei.data_key_id, mei.id, li.id
    dump = backup()  # last night's backup, taken before Mei deleted her account

    privacy.delete_account(mei, PASSWORD)
    assert db.session.get(DataKey, mei_key) is None
    assert listed(), f"nothing was written to the shred list {shred_file()}"

    restore(dump)  # the database is lost and restored from last night's backup
    # This is the gap: the restored rows open with the live key file...
    assert _readable("13800138000") == ("梅", [18])

    result = app.test_cli_runner().invoke(args=["keys", "apply-shreds"])
    assert result.exit_code == 0, result.output
    assert "1 data keys" in result.output

    # ...and the restore step closes it: her key, account and results are gone again.
    assert db.session.get(DataKey, mei_key) is None
    assert _readable("13800138000") is None
    assert db.session.scalar(select(func.count()).select_from(ScreeningResult).where(
        ScreeningResult.user_id == mei_id)) == 0
    assert sign_in(app.test_client(), "13800138000").status_code == 200  # "not right"
    # Everyone else is as they were.
    assert _readable("13900139000") == ("李", [18])
    assert db.session.get(User, li_id).data_key_id is not None

    again = app.test_cli_runner().invoke(args=["keys", "apply-shreds"])
    assert "0 data keys" in again.output  # idempotent


def test_a_rolled_back_deletion_lists_nothing(app, make_user):
    mei = _person(make_user, "13800138000", "梅")
    before = listed()
    from app.security.shredding import shred_data_keys

    shred_data_keys(DataKey.id == mei.data_key_id)
    db.session.rollback()
    assert listed() == before
    assert _readable("13800138000") == ("梅", [18])


@pytest.mark.parametrize("shredder", ["anonymous", "account"])
def test_every_shredding_path_writes_the_list(app, make_user, shredder):
    from datetime import timedelta

    from app.types import utcnow

    before = len(listed())
    if shredder == "anonymous":
        screening.save_result(None, assessments.get("gad7"), [1] * 7, {}, keep=False)
        screening.purge(now=utcnow() + timedelta(days=31))
    else:
        privacy.delete_account(_person(make_user, "13800138000", "梅"), PASSWORD)
    assert len(listed()) == before + 1


def test_a_backup_from_before_a_key_rotation_is_shredded_too(make_app, databases, tmp_path):
    """Backup under KEK v1, rotation to v2, then the deletion: the listed entry still matches
    the v1-wrapped key in the restored backup (entries hash the key, not its wrapping)."""
    from flask_migrate import upgrade

    from app.accounts.services import register_worker
    from app.security.keyring import KeyRing

    key_file = KeyRing.generate().save(tmp_path / "keys.json")
    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new(), KEY_FILE=str(key_file))
    with app.app_context():
        upgrade(directory="migrations")
        mei = register_worker("13800138000", PASSWORD, name="梅", accepted_privacy_notice=True)
        mei_key = mei.data_key_id
        dump = backup()
        assert {r["kek_version"] for r in dump["data_keys"]} == {1}

        rotated = app.test_cli_runner().invoke(args=["keys", "rotate"])
        assert rotated.exit_code == 0, rotated.output
        db.session.expire_all()
        privacy.delete_account(db.session.get(User, mei.id), PASSWORD)
        assert (tmp_path / "shredded-keys.txt").exists()

        restore(dump)
        assert _readable("13800138000") == ("梅", [])
        result = app.test_cli_runner().invoke(args=["keys", "apply-shreds"])
        assert "1 data keys" in result.output
        assert db.session.get(DataKey, mei_key) is None
        assert _readable("13800138000") is None
        db.session.remove()
        db.engine.dispose()
