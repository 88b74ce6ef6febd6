"""Flask extensions, created unbound here and bound to the app in create_app()."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import DeclarativeBase, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.replica import RoutingSession

# Named constraints keep migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the shared naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    if TYPE_CHECKING:  # every model of ours is mapped to a table (SQLAlchemy says FromClause)
        __table__: ClassVar[Table]


# db.session routes the reads of app.replica.read to the replica (when one is configured).
db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})

# The base class of our models. At run time it is Flask-SQLAlchemy's ``db.Model`` (a subclass
# of Base that names tables and binds the session); a type checker cannot follow that dynamic
# class, so it sees Base, whose SQLAlchemy 2 typing (Mapped[...]) is what models use.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def commit_keeping_loaded() -> None:
    """Commit without expiring what the request loaded.

    For transactions whose only writes went through the ORM (so every loaded object is
    current) or behind it to rows the caller expires itself: expiring everything would read
    the person, their roles and whatever the page shows again with a SELECT each.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def add_as_written(obj: Base, values: Mapping[str, Any]) -> None:
    """Put a new object that one Core INSERT of ``values`` (its id included) just wrote into
    the session as persistent, without a flush or a read back.

    The unit of work's flush of a single new row cost more CPU than anything else a booking
    or a submission did. Every column not in ``values`` is taken as NULL, as the INSERT left
    it: the caller passes every column that has a default.

    An object the session still holds under the same id stands for a row deleted behind
    the ORM's back (a Core DELETE of messages the session had partly loaded): SQLite gives
    the newest row's id again, so the stale copy is let go first.
    """
    mapper = sa_inspect(type(obj))
    session = db.session()
    stale = session.identity_map.get(mapper.identity_key_from_primary_key(
        tuple(values.get(column.key or "") for column in mapper.primary_key)))
    if stale is not None:
        session.expunge(stale)
    for column in mapper.column_attrs:
        set_committed_value(obj, column.key, values.get(column.key))
    make_transient_to_detached(obj)
    session.add(obj)

def read_in_one_snapshot() -> None:
    """Make the statements that follow, up to the next commit, read one snapshot.

    For a page that keys what it keeps on one statement and draws it from others (the session
    list, app/booking/list_mark.py): on PostgreSQL the next transaction is REPEATABLE READ
    (one already begun, e.g. by the sign-in's reads, is committed first, keeping what it
    loaded). SQLite needs nothing: a web request's transaction holds the write lock
    (app/sqlite.py), so nothing commits while it reads.
    """
    session = db.session()
    if session.get_bind().dialect.name != "postgresql":
        return
    if session.in_transaction():
        commit_keeping_loaded()
    session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
