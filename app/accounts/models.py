"""People: workers and staff, their roles and their consents."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.security.crypto import Encrypted, EncryptedRow, get_crypto
from app.security.models import DataKey
from app.security.roles import Role  # owned by security; re-exported for older imports
from app.types import UTCDateTime, utcnow

STAFF_ROLES = frozenset({Role.COUNSELLOR, Role.SOCIAL_WORKER, Role.ADMIN, Role.FACILITATOR})
_ROLE_VALUES = ", ".join(f"'{r.value}'" for r in Role)


class User(EncryptedRow, UserMixin, Model):
    """A person with an account. Contact fields are sealed; look-ups go through blind indexes."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    data_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), index=True
    )
    data_key: Mapped[DataKey | None] = relationship(lazy="joined")
    email_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone_index: Mapped[str | None] = mapped_column(String(64), unique=True)
    email = Encrypted()
    phone = Encrypted()
    name = Encrypted()
    password_hash: Mapped[str] = mapped_column(String(255))
    locale: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optional, coarse profile for de-identified statistics (see app/screening/profile.py).
    age_band: Mapped[str | None] = mapped_column(String(20))
    sector: Mapped[str | None] = mapped_column(String(30))
    home_centre_id: Mapped[int | None] = mapped_column(
        ForeignKey("centres.id", ondelete="SET NULL"), index=True
    )

    # Staff second factor (TOTP). A secret without ``totp_enabled_at`` is an unfinished set-up.
    totp_secret = Encrypted()
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)  # a code works only once
    # An admin's authenticator reset, held until then; a full sign-in before it cancels it.
    mfa_reset_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Channel preferences (app/notifications/notices.py): which of the person's channels
    # they want, and whether they want non-essential reminders at all.
    notify_email: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    reminders_wanted: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    role_links: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def encryption_key(self, create: bool = False) -> DataKey | None:
        """The person's own data key."""
        if self.data_key is None and create:
            self.data_key = get_crypto().new_data_key()
        return self.data_key

    # Flask-Login: the session holds the random uid (never the sequential id) and the
    # session generation, so bumping ``session_version`` ends every session elsewhere.
    def get_id(self) -> str:
        return f"{self.uid}.{self.session_version}"

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def roles(self) -> frozenset[Role]:
        """The person's roles."""
        return frozenset(Role(link.role) for link in self.role_links)

    def has_role(self, *roles: Role | str) -> bool:
        """True when the person holds any of ``roles``."""
        return any(Role(r) in self.roles for r in roles)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    @property
    def mfa_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    def grant(self, role: Role | str, centre_id: int | None = None) -> None:
        """Add a role at a centre (``None``: the whole network); no effect when already held."""
        value = Role(role).value
        if not any(link.role == value and link.centre_id == centre_id
                   for link in self.role_links):
            self.role_links.append(UserRole(role=value, centre_id=centre_id))

    def revoke(self, role: Role | str) -> None:
        """Remove a role wherever it is held."""
        self.role_links = [link for link in self.role_links if link.role != Role(role).value]

    def role_centres(self, role: Role | str) -> frozenset[int | None]:
        """Where the person holds ``role``: centre ids, ``None`` for the whole network."""
        return frozenset(link.centre_id for link in self.role_links
                         if link.role == Role(role).value)

    @property
    def display_name(self) -> str:
        """Name if given, else a masked contact, for greeting the person themself."""
        if self.name:
            return self.name
        if self.email:
            local, _, domain = self.email.partition("@")
            return f"{local[:2]}***@{domain}"
        if self.phone:
            return f"{self.phone[:6]}****{self.phone[-2:]}"
        return ""


class UserRole(Model):
    """One role held by one person at one centre (see app/security/scope.py for its reach).

    ``centre_id`` None means the whole network: a worker's role, and a staff role given
    before the network had a hub (the first administrator of an empty database).
    """

    __tablename__ = "user_roles"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_VALUES})", name="role_known"),
                      UniqueConstraint("user_id", "role", "centre_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    centre_id: Mapped[int | None] = mapped_column(
        ForeignKey("centres.id", ondelete="CASCADE"), index=True)
    user: Mapped[User] = relationship(back_populates="role_links")


class Consent(Model):
    """A consent given (and maybe withdrawn) for one purpose and one version of its text."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(String(40))
    text_version: Mapped[str] = mapped_column(String(20))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user: Mapped[User] = relationship(back_populates="consents")


class RecoveryCode(Model):
    """A one-time code for signing in without the authenticator app; stored as a keyed hash."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordReset(Model):
    """A one-time link to set a new password, sent by email; only its hash is kept."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
