"""Envelope encryption, encrypted model fields and blind indexes.

Each person (and each anonymous record) owns a random 256-bit data key. The data
key is stored wrapped (AES key wrap, RFC 3394) by a versioned key-encryption key
from the key ring, which never touches the database. Values are sealed with
AES-256-GCM under the data key, with associated data naming table, column and
row, so a ciphertext copied into another row or column fails to open. Destroying
a data key makes every value under it unreadable, backups included.

Email and phone are found through HMAC blind indexes whose keys are derived with
HKDF from a separate index root key, one derived key per purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap
from flask import current_app
from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.security.keyring import KeyRing
from app.types import new_uid

if TYPE_CHECKING:
    from app.security.models import DataKey

VALUE_FORMAT = b"\x01"  # first byte of every sealed value; lets the format evolve
NONCE_BYTES = 12
Codec = Literal["text", "json"]


class CryptoError(RuntimeError):
    """A value cannot be sealed or opened: wrong row, tampered bytes, or a destroyed key."""


@lru_cache(maxsize=8192)
def _unwrap(kek: bytes, wrapped: bytes) -> bytes:
    # Cached so that a page listing many rows of one person unwraps once.
    return aes_key_unwrap(kek, wrapped)


def associated_data(table: str, column: str, row_uid: str) -> bytes:
    """The associated data that binds a sealed value to its place."""
    return f"xinqing|{table}|{column}|{row_uid}".encode()


class Crypto:
    """The app's crypto service, built from a key ring; stored in ``app.extensions``."""

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring
        self._derived: dict[str, bytes] = {}

    # -- data keys -------------------------------------------------------------------
    def new_data_key(self) -> DataKey:
        """A new data key, wrapped by the current KEK (the caller adds it to the session)."""
        from app.security.models import DataKey

        plain = secrets.token_bytes(32)
        version = self.ring.current
        key = DataKey(kek_version=version, wrapped=aes_key_wrap(self.ring.kek(version), plain))
        key._plain = plain
        return key

    def unwrap(self, key: DataKey) -> bytes:
        """The plaintext data key."""
        plain: bytes | None = key._plain
        if plain is not None:
            return plain
        try:
            return _unwrap(self.ring.kek(key.kek_version), bytes(key.wrapped))
        except InvalidUnwrap as exc:
            raise CryptoError(f"data key {key.id} does not unwrap with its KEK") from exc

    def rewrap(self, key: DataKey) -> bool:
        """Wrap a data key with the current KEK; False when it already is."""
        if key.kek_version == self.ring.current:
            return False
        plain = self.unwrap(key)
        key.wrapped = aes_key_wrap(self.ring.kek(self.ring.current), plain)
        key.kek_version = self.ring.current
        return True

    # -- values ----------------------------------------------------------------------
    def seal(self, key: DataKey, plaintext: bytes, aad: bytes) -> bytes:
        """AES-GCM with a fresh random 96-bit nonce; format byte + nonce + ciphertext."""
        nonce = secrets.token_bytes(NONCE_BYTES)
        return VALUE_FORMAT + nonce + AESGCM(self.unwrap(key)).encrypt(nonce, plaintext, aad)

    def open(self, key: DataKey, sealed: bytes, aad: bytes) -> bytes:
        """Open a sealed value; any tampering or misplacement raises CryptoError."""
        sealed = bytes(sealed)
        if sealed[:1] != VALUE_FORMAT or len(sealed) < 1 + NONCE_BYTES + 16:
            raise CryptoError("not a sealed value of a known format")
        nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            return AESGCM(self.unwrap(key)).decrypt(nonce, body, aad)
        except InvalidTag as exc:
            raise CryptoError("value does not open: tampered, or moved from another row") from exc

    # -- keyed hashes ----------------------------------------------------------------
    def derived_key(self, purpose: str) -> bytes:
        """A key for one purpose, derived with HKDF from the index root key."""
        if purpose not in self._derived:
            self._derived[purpose] = HKDF(
                algorithm=hashes.SHA256(), length=32, salt=None,
                info=f"xinqing/{purpose}/v1".encode(),
            ).derive(self.ring.index_key)
        return self._derived[purpose]

    def keyed_hash(self, purpose: str, value: str) -> bytes:
        """HMAC-SHA256 of ``value`` under the key of ``purpose``: the one keyed hash of the
        app (blind indexes, retrieval and recovery codes, the audit chain)."""
        return hmac.new(self.derived_key(purpose), value.encode(), hashlib.sha256).digest()

    def blind_index(self, purpose: str, normalised_value: str) -> str:
        """Deterministic keyed hash of a normalised value, for equality look-ups."""
        return self.keyed_hash(f"blind-index/{purpose}", normalised_value).hex()


def get_crypto() -> Crypto:
    """The crypto service of the current app."""
    crypto: Crypto = current_app.extensions["xinqing.crypto"]
    return crypto


class EncryptedRow:
    """Mixin for models with encrypted fields: a random row id for binding, and a key owner."""

    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    if TYPE_CHECKING:
        __tablename__: str  # the model's own

    def encryption_key(self, create: bool = False) -> DataKey | None:
        """The data key sealing this row's fields; ``create`` makes one when missing."""
        raise NotImplementedError


class Encrypted:
    """An encrypted attribute, declared as plainly as a column::

        email = Encrypted()          # str | None, stored sealed in column ``email_ct``
        answers = Encrypted("json")  # any JSON value

    Reading opens the value (cached per instance until the ciphertext changes).
    """

    def __init__(self, codec: Codec = "text") -> None:
        self.codec = codec
        self.name = ""
        self.column = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name, self.column = name, f"{name}_ct"
        # Declarative mapping runs after __set_name__, so this becomes a real column.
        setattr(owner, self.column, mapped_column(self.column, LargeBinary, nullable=True))

    def _aad(self, instance: EncryptedRow) -> bytes:
        return associated_data(instance.__tablename__, self.name, instance.uid)

    def __get__(self, instance: EncryptedRow | None, owner: type) -> Any:
        if instance is None:
            return self
        sealed = getattr(instance, self.column)
        if sealed is None:
            return None
        cache = instance.__dict__.setdefault("_xq_plain", {})
        hit = cache.get(self.name)
        if hit is not None and hit[0] is sealed:
            return hit[1]
        key = instance.encryption_key(create=False)
        if key is None:
            raise CryptoError(f"{instance.__tablename__}.{self.name}: data key destroyed")
        raw = get_crypto().open(key, sealed, self._aad(instance))
        value = raw.decode() if self.codec == "text" else json.loads(raw)
        cache[self.name] = (sealed, value)
        return value

    def __set__(self, instance: EncryptedRow, value: Any) -> None:
        if value is None:
            setattr(instance, self.column, None)
            return
        if self.codec == "text" and not isinstance(value, str):
            raise TypeError(f"{self.name} takes text, got {type(value).__name__}")
        if instance.uid is None:
            instance.uid = new_uid()
        raw = (value.encode() if self.codec == "text"
               else json.dumps(value, ensure_ascii=False, sort_keys=True).encode())
        key = instance.encryption_key(create=True)
        if key is None:  # create=True always gives one; a model that does not is a bug
            raise CryptoError(f"{instance.__tablename__}: no data key to seal {self.name}")
        sealed = get_crypto().seal(key, raw, self._aad(instance))
        setattr(instance, self.column, sealed)
        instance.__dict__.setdefault("_xq_plain", {})[self.name] = (sealed, value)
