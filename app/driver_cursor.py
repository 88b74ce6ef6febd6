"""psycopg cursors whose ``description`` is built when it is read, not on every statement.

psycopg builds ``cursor.description`` anew on each access: one ``Column`` object per result
column, each decoding its name and looking up its type. SQLAlchemy reads it after every
statement, but for a statement it has run before (its compiled form cached, as every
statement of a page is after the first request) it only asks whether it is ``None``: the
result's columns come from the cached compiled statement. The signed-in person's load alone
has 32 columns, so every signed-in request built and dropped ~40 ``Column`` objects for
nothing (bench/README.md, Step 17b: 5 % of the signed-in floor's instructions).

Here ``description`` answers ``None`` exactly when psycopg would, and otherwise a sequence
that builds psycopg's own ``Column`` objects the first time anything looks inside it, from
the result it was made for (so it stays right after the cursor has moved on to another
statement, as psycopg's list does).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

from psycopg import Column, Connection, Cursor
from psycopg.pq import ExecStatus
from sqlalchemy import event
from sqlalchemy.pool import Pool

_ROWS = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)


class _AtResult:
    """What ``psycopg.Column`` reads of a cursor, pinned to one result."""

    __slots__ = ("_encoding", "adapters", "pgresult")

    def __init__(self, cursor: Cursor[Any], pgresult: Any) -> None:
        self.pgresult = pgresult
        self.adapters = cursor.adapters
        self._encoding = cursor._encoding


class LazyDescription(Sequence[Column]):
    """psycopg's ``description`` list, made on first look."""

    __slots__ = ("_columns", "_cursor", "_pgresult")

    def __init__(self, cursor: Cursor[Any], pgresult: Any) -> None:
        self._cursor: Cursor[Any] | None = cursor
        self._pgresult = pgresult
        self._columns: list[Column] | None = None

    def _built(self) -> list[Column]:
        if self._columns is None:
            assert self._cursor is not None
            source = _AtResult(self._cursor, self._pgresult)
            self._columns = [Column(source, i)  # type: ignore[arg-type]  # duck: see _AtResult
                             for i in range(self._pgresult.nfields)]
            self._cursor = None
        return self._columns

    def __len__(self) -> int:
        return int(self._pgresult.nfields)

    @overload
    def __getitem__(self, index: int) -> Column: ...

    @overload
    def __getitem__(self, index: slice) -> list[Column]: ...

    def __getitem__(self, index: int | slice) -> Column | list[Column]:
        return self._built()[index]

    def __iter__(self) -> Iterator[Column]:
        return iter(self._built())

    def __eq__(self, other: object) -> bool:
        return self._built() == other

    __hash__ = None  # type: ignore[assignment]  # a list is not hashable either

    def __repr__(self) -> str:
        return repr(self._built())


class LazyDescriptionCursor(Cursor[Any]):
    """psycopg's client-side cursor with a ``description`` built on first look."""

    @property
    def description(self) -> Sequence[Column] | None:  # type: ignore[override]
        res = self.pgresult
        if res and (res.nfields or res.status in _ROWS):
            return LazyDescription(self, res)
        return None


@event.listens_for(Pool, "connect")
def _use_lazy_description(dbapi_connection: Any, _record: Any) -> None:
    if isinstance(dbapi_connection, Connection):  # sqlite3 connections are left alone
        dbapi_connection.cursor_factory = LazyDescriptionCursor
