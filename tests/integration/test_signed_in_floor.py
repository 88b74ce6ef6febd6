"""The person is read afresh on every signed-in request (app/accounts/services.py load_user).

``load_user`` runs a statement built once at import; these pin that what it reads still
comes from the database each time, so locks, ended sessions and role changes count from
the very next request (bench/README.md, "Step 12b").
"""

from __future__ import annotations

from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.extensions import db


def _fresh(user: User) -> User:
    db.session.expire_all()
    found = db.session.scalar(select(User).where(User.id == user.id))
    assert found is not None
    return found


def test_a_locked_account_is_signed_out_on_its_next_request(worker, admin, signed_in):
    client = signed_in(worker)
    assert client.get("/screening/history").status_code == 200
    accounts.set_locked(admin, _fresh(worker), True)
    assert client.get("/screening/history").status_code == 302


def test_a_session_version_bump_alone_signs_out_on_the_next_request(worker, signed_in):
    """The second line of defence: even with the stored session still there."""
    client = signed_in(worker)
    assert client.get("/screening/history").status_code == 200
    person = _fresh(worker)
    person.session_version += 1
    db.session.commit()
    assert client.get("/screening/history").status_code == 302


def test_a_role_taken_away_counts_on_the_next_request(worker, signed_in):
    client = signed_in(worker)
    assert client.get("/screening/history").status_code == 200
    person = _fresh(worker)
    person.revoke(Role.WORKER)
    db.session.commit()
    assert client.get("/screening/history").status_code == 403
    person = _fresh(worker)
    person.grant(Role.WORKER)
    db.session.commit()
    assert client.get("/screening/history").status_code == 200


def test_each_request_loads_its_own_person(make_user):
    """The shared statement binds the uid per call: two people never get each other."""
    first, second = make_user(), make_user()
    assert accounts.load_user(first.get_id()).id == first.id
    assert accounts.load_user(second.get_id()).id == second.id
    assert accounts.load_user(f"{first.uid}.{first.session_version + 1}") is None
    assert accounts.load_user("no-such-uid.1") is None
