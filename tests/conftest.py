"""Shared fixtures: a private test database (SQLite file or PostgreSQL), the app, clients,
and a factory of users per role. ``TEST_DATABASE_URL`` picks the database."""

from __future__ import annotations

import contextvars
import itertools
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url

from app import create_app, render_cache
from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.audit.models import GENESIS, AuditHead
from app.booking import catalogue
from app.extensions import db, limiter
from app.security.keyring import KeyRing
from app.types import utcnow
from config import TestingConfig
from tests.helpers import PASSWORD, sign_in

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "sqlite://")
IS_POSTGRES = TEST_DATABASE_URL.startswith(("postgresql", "postgres"))

# Rate-limit keys of this test process (one per xdist worker) live under their own prefix, so
# that ``limiter.reset()`` between tests clears this worker's limits only, never those of
# another worker or another run sharing the Redis test database.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
LIMITS_SETTINGS = {"RATELIMIT_STORAGE_OPTIONS": {
    "key_prefix": f"xq-test-limits-{WORKER}-{uuid.uuid4().hex[:8]}"}}


def sqlalchemy_url(url: str) -> str:
    """Our driver spelled out, as create_app does."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def pytest_report_header() -> str:
    return f"xinqing test database: {'PostgreSQL' if IS_POSTGRES else 'SQLite'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser journeys are ``slow``; tests marked ``postgres`` run only in the PostgreSQL
    pass. (``-m "not slow"`` is the quick run while editing.)"""
    e2e = Path(__file__).resolve().parent / "e2e"
    for item in items:
        if e2e in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.slow)
    if IS_POSTGRES:
        return
    skip = pytest.mark.skip(reason="PostgreSQL only: runs in the PostgreSQL pass of make test")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


class TestDatabases:
    """Creates and drops private databases, so runs never share or depend on leftovers."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.created: list[str] = []

    def new(self) -> str:
        """A new, empty database; its SQLAlchemy URL."""
        if not IS_POSTGRES:
            return f"sqlite:///{self.tmp / f'{uuid.uuid4().hex[:8]}.db'}"
        name = f"xq_test_{uuid.uuid4().hex[:12]}"
        admin = create_engine(sqlalchemy_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        self.created.append(name)
        return make_url(sqlalchemy_url(TEST_DATABASE_URL)).set(database=name).render_as_string(
            hide_password=False
        )

    def drop_all(self) -> None:
        if not self.created:
            return
        admin = create_engine(sqlalchemy_url(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestDatabases]:
    dbs = TestDatabases(tmp_path_factory.mktemp("databases"))
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return KeyRing.generate().save(tmp_path_factory.mktemp("keys") / "keys.json")


@pytest.fixture(scope="session")
def make_app(key_file: Path) -> Callable[..., Flask]:
    """Build an app for the test configuration with overrides."""

    def build(**overrides: object) -> Flask:
        settings = {"KEY_FILE": str(key_file), **LIMITS_SETTINGS, **overrides}
        return create_app(TestingConfig, **settings)

    return build


@pytest.fixture(scope="session")
def _session_app(make_app: Callable[..., Flask], databases: TestDatabases) -> Iterator[Flask]:
    """One app and schema for the whole run; the schema is built by the migrations."""
    from flask_migrate import upgrade

    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new())
    with app.app_context():
        upgrade(directory=str(Path(__file__).resolve().parents[1] / "migrations"))
    yield app
    with app.app_context():
        db.engine.dispose()


def _wipe() -> None:
    """Empty every table (but the audit tip, which is reset) between tests."""
    db.session.remove()
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name != "audit_head"]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
        conn.execute(update(AuditHead.__table__).values(seq=0, last_mac=GENESIS, anchor_seq=0,
                                                        anchor_mac=GENESIS))


@pytest.fixture
def app(_session_app: Flask) -> Iterator[Flask]:
    """The app inside an app context, with empty tables and fresh rate limits."""
    settings = dict(_session_app.config)
    with _session_app.app_context():
        limiter.reset()
        render_cache.clear(_session_app)  # pages and parts of an earlier test's world
        catalogue.recheck()  # the tables were emptied behind the process's back
        yield _session_app
        _wipe()
    # A test that changes a setting must not change it for the tests after it in this process.
    _session_app.config.clear()
    _session_app.config.update(settings)


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as on a real server.

    Without this, requests would reuse the test's app context, sharing ``g`` (and the
    database session) between requests and hiding bugs a real server would show.
    """

    def open(self, *args: object, **kwargs: object) -> object:
        # End the test's own transaction around each request, so the request sees what
        # the test wrote and the test then sees what the request wrote (SQLite keeps a
        # snapshot for the length of a transaction).
        db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.commit()
        return response


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = IsolatedClient
    return app.test_client()


class Mailbox:
    """What a local SMTP server received, as parsed email messages."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app: Flask) -> Iterator[Mailbox]:
    """A real SMTP server on a free loopback port; the app is pointed at it."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield mailbox
    controller.stop()
    app.config.update(saved)


_counter = itertools.count(1)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create a user of a role: workers register themselves, staff are created by an admin."""

    def factory(role: Role | str = Role.WORKER, *, login: str | None = None,
                password: str = PASSWORD, name: str | None = None,
                roles: tuple[Role, ...] = (), mfa: bool = True) -> User:
        """Staff come with their authenticator already set up unless ``mfa=False``."""
        n = next(_counter)
        role = Role(role)
        if role == Role.WORKER and not roles:
            login = login or f"worker{n}@example.com"
            return accounts.register_worker(login, password, name=name,
                                            accepted_privacy_notice=True)
        login = login or f"{role.value}{n}@example.com"
        user = accounts.create_staff(email=login, password=password, roles=roles or (role,),
                                     name=name or f"Staff {n}")
        if mfa:
            user.totp_secret = pyotp.random_base32()
            user.totp_enabled_at = utcnow()
            db.session.commit()
        return user

    return factory


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user(Role.WORKER, login="13800138000", name="小李")


@pytest.fixture
def counsellor(make_user: Callable[..., User]) -> User:
    return make_user(Role.COUNSELLOR)


@pytest.fixture
def social_worker(make_user: Callable[..., User]) -> User:
    return make_user(Role.SOCIAL_WORKER)


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMIN)


@pytest.fixture
def signed_in(client: FlaskClient) -> Callable[[User | str], FlaskClient]:
    """Sign ``client`` in as a user (or a login string) with the test password."""

    def do(user: User | str, password: str = PASSWORD) -> FlaskClient:
        login = user if isinstance(user, str) else (user.email or user.phone)
        response = sign_in(client, login, password)
        assert response.status_code == 303, "sign-in failed in a fixture"
        return client

    return do
