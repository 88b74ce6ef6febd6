"""Column types shared by every package."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, DateTime, Result
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """Now, timezone-aware in UTC; pass the function itself as a column default."""
    return datetime.now(UTC)


def new_uid() -> str:
    """A random public identifier: safe in URLs and logs, reveals no order or count."""
    return uuid.uuid4().hex


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched. SQLAlchemy types ``Session.execute`` as a plain
    ``Result``; for these statements it is a ``CursorResult``, which counts them."""
    return cast("CursorResult[Any]", result).rowcount


class UTCDateTime(TypeDecorator):
    """Stores UTC and always returns aware datetimes, on SQLite as on PostgreSQL.

    Naive datetimes are refused on the way in: they are the usual source of
    eight-hour errors between UTC and Asia/Shanghai.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store timezone-aware UTC values")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def render_migration_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Alembic hook: write our column types as their plain SQLAlchemy form in revisions."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False
