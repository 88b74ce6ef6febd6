"""SQL statements per page stay within a recorded budget (issue 21).

Each page is requested twice on the demo network (14 centres, 5 services, sessions, 20
results in the worker's history) and the statements of the second request are counted:
the first may fill per-process caches. A page that starts loading rows one by one (an N+1)
or repeats per-request work grows past its budget and this test fails, naming the page and
the statements. Lower a budget when a change makes a page cheaper; raise one only with a
reason in the commit message.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

import assessments
from app.accounts import services as accounts
from app.accounts.models import Role
from app.accounts.services import find_by_login
from app.booking.models import Centre, Service, Session
from app.extensions import db
from app.screening import services as screening
from app.seed import DEMO_PASSWORD, seed
from app.types import utcnow
from tests.helpers import csrf_token, sign_in

# Statements of one warm request. The budgets are the counts measured when they were
# recorded; see bench/README.md ("Queries per page") for what each page reads.
BUDGET = {
    "home": 1,
    "questionnaire": 2,
    "result_history": 4,
    "session_list": 2,  # the list's mark (list_mark.py) when nothing it shows changed
    "counsellor_home": 8,  # with the calendar's to-do (bookings to confirm)
    "dashboard": 8,  # with the reader's scope (hub or county); follow-up kept with the report
    "screening_submission": 7,  # the home centre from the catalogue; nothing read back
    "booking_post": 17,  # the session with its leave, closure and event facts in one SELECT;
    # PostgreSQL locks the person (one more)
    "cancel_post": 13,  # the booking with its session, centre and service in one; the seat
    # freed in one UPDATE unless somebody waits for it
}


@contextmanager
def counted() -> Iterator[list[str]]:
    """Every statement sent to the database while the block runs."""
    statements: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            return
        if "max(audit_events.seq)" in statement:  # SQLite's stand-in for PostgreSQL's sequence
            return
        statements.append(" ".join(statement.split())[:160])

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)


def check(name: str, request: Callable[[], object]) -> None:
    request()  # warm: per-process caches may fill here
    with counted() as statements:
        response = request()
    assert response.status_code in (200, 302, 303), (name, response.status_code)
    if os.environ.get("SHOW_QUERIES"):  # SHOW_QUERIES=1 pytest -s: print, do not judge
        print(f"\n=== {name}: {len(statements)}\n" + "\n".join(statements))
        return
    assert len(statements) <= BUDGET[name], (
        f"{name}: {len(statements)} statements, budget {BUDGET[name]}:\n"
        + "\n".join(statements))


@pytest.fixture
def world(app: Flask) -> dict:
    seed()
    reader = find_by_login("13800138000")
    screening.give_health_consent(reader)
    for code in ("phq9", "gad7"):
        instrument = assessments.get(code)
        for n in range(10):
            answers = [(n + i) % 3 for i in range(len(instrument.items))]
            if code == "phq9":
                answers[-1] = 0
            screening.save_result(reader, instrument, answers, {}, keep=True)
    hub = db.session.scalar(select(Centre).where(Centre.code == "qz-hub"))
    lecture = db.session.scalar(select(Service).where(Service.code == "lecture"))
    start = utcnow().replace(minute=0, second=0, microsecond=0) + timedelta(days=3)
    # A counsellor of its own: the demo schedule may already fill counsellor1's afternoon.
    speaker = accounts.create_staff(email="speaker@example.com", password=DEMO_PASSWORD,
                                    roles=[Role.COUNSELLOR], name="Speaker")
    sessions = [Session(centre_id=hub.id, service_id=lecture.id, counsellor_id=speaker.id,
                        room="B",
                        starts_at=start + timedelta(hours=2 * i),
                        ends_at=start + timedelta(hours=2 * i, minutes=90),
                        capacity=100, booked=0) for i in range(2)]
    db.session.add_all(sessions)
    db.session.commit()
    return {"reader": reader, "sessions": [s.id for s in sessions]}


def test_anonymous_pages_stay_within_budget(client: FlaskClient, world: dict) -> None:
    check("home", lambda: client.get("/"))
    check("questionnaire", lambda: client.get("/screening/phq9"))
    check("session_list", lambda: client.get("/booking"))


def test_worker_pages_stay_within_budget(client: FlaskClient, world: dict) -> None:
    assert sign_in(client, "13800138000", DEMO_PASSWORD).status_code == 303
    check("result_history", lambda: client.get("/screening/history"))
    sessions = world["sessions"]
    token = csrf_token(client.get("/me").get_data(as_text=True))
    targets = iter(sessions)
    made: list[str] = []

    def book() -> object:
        response = client.post(f"/booking/sessions/{next(targets)}/book",
                               data={"csrf_token": token})
        assert response.headers["Location"].startswith("/bookings/"), response.headers
        made.append(response.headers["Location"])
        return response

    check("booking_post", book)

    def cancel() -> object:
        response = client.post(f"{made.pop(0)}/cancel", data={"csrf_token": token})
        assert response.headers["Location"].startswith("/bookings/"), response.headers
        return response

    check("cancel_post", cancel)

    form = client.get("/screening/phq9").get_data(as_text=True)
    answers = dict(re.findall(r'type="radio"[^>]*name="([^"]+)" value="(0)"', form))

    def submit() -> object:
        response = client.post("/screening/phq9", data={**answers, "csrf_token": token})
        assert "/screening/results/" in response.headers["Location"], response.headers
        return response

    check("screening_submission", submit)


def test_counsellor_home_stays_within_budget(client: FlaskClient, world: dict) -> None:
    assert sign_in(client, "counsellor1@example.com", DEMO_PASSWORD).status_code == 303
    check("counsellor_home", lambda: client.get("/counselling/"))


def test_dashboard_stays_within_budget(client: FlaskClient, world: dict) -> None:
    assert sign_in(client, "social@example.com", DEMO_PASSWORD).status_code == 303
    check("dashboard", lambda: client.get("/reports/"))
