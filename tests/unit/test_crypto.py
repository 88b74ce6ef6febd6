"""The encryption layer: values sealed to their place, keys wrapped, rotation and shredding."""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import select, text, update

from app.accounts.models import User
from app.extensions import db
from app.security import rotation
from app.security.crypto import Crypto, CryptoError, associated_data, get_crypto
from app.security.keyring import KeyRing, KeyRingError, load_keyring
from app.security.models import DataKey


@pytest.fixture
def crypto() -> Crypto:
    return Crypto(KeyRing.generate())


def test_sealed_value_opens_only_in_its_own_place(crypto):
    key = crypto.new_data_key()
    here = associated_data("users", "email", "row-a")
    sealed = crypto.seal(key, b"mei@example.com", here)
    assert b"mei@example.com" not in sealed
    assert crypto.open(key, sealed, here) == b"mei@example.com"
    for elsewhere in (associated_data("users", "email", "row-b"),
                      associated_data("users", "phone", "row-a"),
                      associated_data("consents", "email", "row-a")):
        with pytest.raises(CryptoError):
            crypto.open(key, sealed, elsewhere)


def test_same_value_seals_differently_each_time(crypto):
    key = crypto.new_data_key()
    aad = associated_data("users", "name", "r")
    assert crypto.seal(key, b"same", aad) != crypto.seal(key, b"same", aad)


def test_tampered_value_does_not_open(crypto):
    key = crypto.new_data_key()
    aad = associated_data("users", "name", "r")
    sealed = bytearray(crypto.seal(key, b"secret", aad))
    sealed[-1] ^= 1
    with pytest.raises(CryptoError):
        crypto.open(key, bytes(sealed), aad)
    with pytest.raises(CryptoError):
        crypto.open(key, b"\x02" + bytes(sealed[1:]), aad)


def test_data_key_is_stored_wrapped_and_needs_its_kek(crypto):
    key = crypto.new_data_key()
    plain = crypto.unwrap(key)
    assert len(plain) == 32
    assert plain not in key.wrapped
    stored = DataKey(kek_version=key.kek_version, wrapped=key.wrapped)  # as loaded from the db
    assert crypto.unwrap(stored) == plain
    stranger = Crypto(KeyRing.generate())
    with pytest.raises(CryptoError):
        stranger.unwrap(stored)


def test_blind_index_is_keyed_per_purpose_and_survives_kek_rotation(crypto):
    a = crypto.blind_index("email", "mei@example.com")
    assert a == crypto.blind_index("email", "mei@example.com")
    assert a != crypto.blind_index("phone", "mei@example.com")
    assert a != Crypto(KeyRing.generate()).blind_index("email", "mei@example.com")
    crypto.ring.add_version()
    assert crypto.blind_index("email", "mei@example.com") == a


def test_encrypted_fields_are_ciphertext_in_the_table(app, worker):
    row = db.session.execute(text("SELECT phone_ct, name_ct FROM users")).one()
    assert b"13800138000" not in bytes(row.phone_ct)
    assert "小李".encode() not in bytes(row.name_ct)
    db.session.expire_all()
    user = db.session.scalar(select(User))
    assert (user.phone, user.name, user.email) == ("+8613800138000", "小李", None)


def test_ciphertext_copied_to_another_row_fails_to_open(app, make_user):
    a = make_user(login="a@example.com")
    b = make_user(login="b@example.com")
    db.session.execute(update(User).where(User.id == b.id).values(email_ct=a.email_ct))
    db.session.commit()
    db.session.expire_all()
    victim = db.session.get(User, b.id)
    with pytest.raises(CryptoError):
        _ = victim.email


def test_destroying_the_data_key_shreds_the_values(app, worker):
    key_id = worker.data_key_id
    db.session.execute(update(User).values(data_key_id=None))
    db.session.execute(text("DELETE FROM data_keys WHERE id = :id"), {"id": key_id})
    db.session.commit()
    db.session.expire_all()
    with pytest.raises(CryptoError, match="destroyed"):
        _ = db.session.scalar(select(User)).phone


def test_rotation_rewraps_in_resumable_batches_and_keeps_every_row_readable(
    app, make_user, tmp_path
):
    people = [make_user(login=f"p{i}@example.com") for i in range(5)]
    crypto = get_crypto()
    ring_before = crypto.ring.current
    new_version = crypto.ring.add_version()
    try:
        calls = []

        def interrupt(done: int) -> None:
            calls.append(done)
            raise KeyboardInterrupt  # the operator's Ctrl-C after the first batch

        with pytest.raises(KeyboardInterrupt):
            rotation.rewrap(crypto, batch_size=2, progress=interrupt)
        st = rotation.status(crypto)
        assert st.rows_by_version == {ring_before: 3, new_version: 2}
        assert st.pending == 3
        db.session.expire_all()
        assert sorted(u.email for u in db.session.scalars(select(User))) == sorted(
            p.email for p in people)

        assert rotation.rewrap(crypto, batch_size=2) == 3
        st = rotation.status(crypto)
        assert st.rows_by_version == {new_version: 5}
        assert st.pending == 0
        assert st.missing == ()
        db.session.expire_all()
        assert {u.email for u in db.session.scalars(select(User))} == {p.email for p in people}
    finally:
        # Put the shared ring back for the other tests; data keys are wiped after the test.
        del crypto.ring.keks[new_version]
        crypto.ring.current = ring_before


def test_key_file_is_written_0600_and_read_back(tmp_path):
    ring = KeyRing.generate()
    path = ring.save(tmp_path / "keys.json")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    loaded = KeyRing.load(path)
    assert (loaded.current, loaded.keks, loaded.index_key) == (
        ring.current, ring.keks, ring.index_key)


def test_key_file_readable_by_others_is_refused(tmp_path):
    path = KeyRing.generate().save(tmp_path / "keys.json")
    os.chmod(path, 0o644)
    with pytest.raises(KeyRingError, match="chmod 600"):
        KeyRing.load(path)


@pytest.mark.parametrize(
    ("text_", "message"),
    [
        ("not json", "not valid JSON"),
        ('{"format": 1}', "needs"),
        ('{"format": 1, "current": 2, "keks": {"1": "%s"}, "index_key": "%s"}', "current"),
        ('{"format": 1, "current": 1, "keks": {"1": "c2hvcnQ="}, "index_key": "%s"}', "32 bytes"),
    ],
)
def test_malformed_keys_fail_with_a_message_naming_the_problem(text_, message):
    good = KeyRing.generate().to_json()
    b64 = json.loads(good)["index_key"]
    with pytest.raises(KeyRingError, match=message):
        load_keyring(None, text_.replace("%s", b64))


def test_missing_key_file_says_how_to_create_one(tmp_path):
    with pytest.raises(KeyRingError, match="bootstrap"):
        load_keyring(str(tmp_path / "nope.json"), None)


def test_ring_reloads_its_file_when_another_process_rotated(tmp_path):
    path = KeyRing.generate().save(tmp_path / "keys.json")
    mine = KeyRing.load(path)
    other = KeyRing.load(path)
    version = other.add_version()
    other.save()
    os.utime(path, (1, 1))  # make sure the mtime differs even on coarse clocks
    assert mine.kek(version) == other.keks[version]
    assert mine.current == version


def test_one_keyed_hash_serves_every_purpose_and_matches_what_is_stored(crypto):
    """Blind indexes, retrieval codes, recovery codes and the audit chain all use
    ``keyed_hash``; its value is the HMAC-SHA256 under the HKDF key of the purpose that rows
    already hold, so nothing stored before stops matching."""
    import hashlib
    import hmac

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    def as_stored(purpose: str, value: str) -> bytes:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=f"xinqing/{purpose}/v1".encode()).derive(crypto.ring.index_key)
        return hmac.new(key, value.encode(), hashlib.sha256).digest()

    for purpose in ("audit-chain", "recovery-code", "screening-retrieval"):
        assert crypto.keyed_hash(purpose, "abc123") == as_stored(purpose, "abc123")
    assert crypto.keyed_hash("audit-chain", "x") != crypto.keyed_hash("recovery-code", "x")
    assert crypto.blind_index("email", "mei@example.com") == as_stored(
        "blind-index/email", "mei@example.com").hex()
