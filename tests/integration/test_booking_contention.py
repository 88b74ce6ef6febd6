"""Bookings of one session queue on its seat row for the commit alone: the seat UPDATE is the
last statement of the booking's transaction, and the shared report cell is counted after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.booking import bookings
from app.extensions import db
from tests.booking_helpers import make_centre, make_service, make_session


@contextmanager
def transactions() -> Iterator[list[list[str]]]:
    """The statements of each transaction while the block runs, as they reach the database."""
    seen: list[list[str]] = [[]]

    def statement(conn, cursor, sql, parameters, context, executemany) -> None:
        words = " ".join(sql.split()).split()
        if words and words[0].upper() not in ("BEGIN", "SAVEPOINT", "RELEASE"):
            seen[-1].append(" ".join(words[:3]).upper())

    def commit(conn) -> None:
        seen[-1].append("COMMIT")
        seen.append([])

    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
        event.remove(db.engine, "commit", commit)


@pytest.mark.parametrize("move", ["book", "cancel"])
def test_the_seat_update_is_the_last_statement_before_the_commit(counsellor, make_user, move):
    group = make_service("group-stress", capacity=5)
    centre = make_centre("hub", services=[group], staff=[counsellor])
    session = make_session(centre, group, counsellor)
    person = make_user()
    booked = bookings.book(person, session.id) if move == "cancel" else None
    with transactions() as seen:
        if move == "book":
            bookings.book(person, session.id)
        else:
            bookings.cancel(person, booked.uid)
    seat = [t for t in seen if any(s.startswith("UPDATE SESSIONS") for s in t)]
    assert len(seat) == 1, seen
    assert seat[0][-2:] == ["UPDATE SESSIONS SET", "COMMIT"], seat[0]
    # the report's shared cell: in a short transaction of its own, after the booking's
    after = seen[seen.index(seat[0]) + 1]
    assert after[0] == "INSERT INTO REPORT_ACTIVITY"
    assert after[-1] == "COMMIT"
