"""A sealed value is bound to its table, column and row: moved anywhere else in the database,
even among values under the same person's data key, it no longer opens."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.accounts.models import User
from app.counselling.models import SessionNote
from app.extensions import db
from app.screening.models import ScreeningResult
from app.security.crypto import CryptoError


def _reload(model, row_id):
    db.session.expire_all()
    return db.session.get(model, row_id)


def test_same_key_other_row(world):
    """A's shared result's answers pasted over A's private result (one data key for both)."""
    rows = db.session.scalars(select(ScreeningResult).where(
        ScreeningResult.uid.in_([world.ids["shared_result"], world.ids["private_result"]]))).all()
    source, target = rows
    assert source.encryption_key() is target.encryption_key()
    db.session.execute(update(ScreeningResult).where(ScreeningResult.id == target.id)
                       .values(data_ct=source.data_ct))
    db.session.commit()
    with pytest.raises(CryptoError):
        _ = _reload(ScreeningResult, target.id).data


@pytest.mark.parametrize(("source", "target"), [("name", "email"), ("email", "phone"),
                                                 ("phone", "name")])
def test_same_row_other_column(world, source, target):
    owner = world.people["owner"]
    sealed = getattr(owner, f"{source}_ct")
    db.session.execute(update(User).where(User.id == owner.id).values({f"{target}_ct": sealed}))
    db.session.commit()
    with pytest.raises(CryptoError):
        _ = getattr(_reload(User, owner.id), target)
    assert getattr(_reload(User, owner.id), source) is not None  # the original still opens


def test_same_key_other_table(world):
    """The counsellor's note on A (sealed under A's key) pasted into A's name."""
    owner = world.people["owner"]
    note = db.session.get(SessionNote, world.ids["note"])
    assert note.encryption_key().id == owner.data_key_id
    db.session.execute(update(User).where(User.id == owner.id).values(name_ct=note.body_ct))
    db.session.commit()
    with pytest.raises(CryptoError):
        _ = _reload(User, owner.id).name


def test_swapped_back_it_opens_again(world):
    """The failure is the binding, not damage: restored to its place, the value opens."""
    owner = world.people["owner"]
    name_ct, email_ct = owner.name_ct, owner.email_ct
    db.session.execute(update(User).where(User.id == owner.id)
                       .values(name_ct=email_ct, email_ct=name_ct))
    db.session.commit()
    with pytest.raises(CryptoError):
        _ = _reload(User, owner.id).name
    db.session.execute(update(User).where(User.id == owner.id)
                       .values(name_ct=name_ct, email_ct=email_ct))
    db.session.commit()
    assert _reload(User, owner.id).name == "Zeta-Owner-Name-Q7"
