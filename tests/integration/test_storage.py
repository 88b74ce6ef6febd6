"""What lands on disk: contact details, names, answers, scores and notes never appear in clear."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import inspect, select
from sqlalchemy import text as sql

from app.accounts.models import Role
from app.booking.models import Booking, Centre, Service, Session, SessionStatus
from app.extensions import db
from app.seed import DEMO_PASSWORD, DEMO_USERS, seed
from app.types import utcnow
from tests.conftest import IS_POSTGRES
from tests.helpers import PASSWORD, sign_in, submit, text

SECRETS = ("13912345678", "8613912345678", "mei.lin@example.com", "林小梅")


def register_two(client) -> None:
    """One by mobile number (proven by SMS code: code rows and the SMS outbox row too), one
    by email."""
    from tests.integration.test_phone_codes import last_code

    assert submit(client, "/account/register/phone", {"phone": "139 1234 5678"}
                  ).status_code == 303
    response = submit(client, "/account/register/phone/verify", {
        "code": last_code("+8613912345678"), "name": "林小梅", "password": PASSWORD,
        "confirm": PASSWORD, "accept_privacy": "y"})
    assert response.status_code == 303
    client.delete_cookie("session")
    response = submit(client, "/account/register", {
        "login": "Mei.Lin@example.com", "name": "林小梅", "password": PASSWORD,
        "confirm": PASSWORD, "accept_privacy": "y"})
    assert response.status_code == 303
    client.delete_cookie("session")


def test_no_row_holds_contact_or_name_in_clear(app, client):
    register_two(client)
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            blob = " ".join(
                bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                for v in row
            )
            found += [(table.name, s) for s in SECRETS if s in blob]
    assert found == []


def test_sqlite_file_bytes_hold_no_contact_or_name(app, client):
    if IS_POSTGRES:
        # The row scan above covers PostgreSQL; this one reads SQLite's file itself.
        return
    register_two(client)
    raw = sqlite_bytes()
    for secret in SECRETS:
        assert secret.encode() not in raw, secret
        assert secret.encode("utf-16-le") not in raw, secret


def sqlite_bytes() -> bytes:
    """The SQLite database file as it lies on disk, with its WAL and journal if any.

    Read before a checkpoint, so the WAL still holds what was written (deleted pages too).
    """
    db.session.commit()
    path = Path(db.engine.url.database)
    raw = b""
    for part in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        if part.exists():
            raw += part.read_bytes()
    db.session.execute(sql("PRAGMA wal_checkpoint(FULL)"))
    return raw + path.read_bytes()


def every_row(skip: frozenset[str] = frozenset()) -> dict[str, str]:
    """Each table of the database (not just the models'), all its values as one text."""
    db.session.commit()
    found = {}
    with db.engine.connect() as conn:
        for name in inspect(conn).get_table_names():
            if name in skip:
                continue
            values = []
            # Names come from the database's own catalogue, not from input.
            for row in conn.execute(sql(f'SELECT * FROM "{name}"')):  # noqa: S608
                values += [bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview)
                           else str(v) for v in row]
            found[name] = "\x1f".join(values)
    return found


# The journey's person and what they tell us; none of it may be stored in clear.
JOURNEY = {"email": "journey.person.k4@example.com", "name": "旅途中的人", "phone": "13966660001",
           "note": "Talked about night shifts; follow up on sleep. NOTE-k4-unique"}
PHQ9 = [3, 3, 2, 2, 1, 1, 1, 1, 1]  # total 15, moderately severe, item 9 > 0
GAD7 = [2, 2, 2, 1, 1, 1, 0]


def _journey(client) -> dict[str, str]:
    """Register, consent, say where one works, take PHQ-9 and GAD-7, share, book, ask for a
    call; then the counsellor of the booked session writes a note."""
    hub = db.session.scalar(select(Centre).where(Centre.code == "qz-hub"))
    response = submit(client, "/account/register", {
        "login": JOURNEY["email"], "name": JOURNEY["name"], "password": PASSWORD,
        "confirm": PASSWORD, "accept_privacy": "y"})
    assert response.status_code == 303
    assert submit(client, "/screening/consent", {"choice": "agree"}).status_code == 303
    assert submit(client, "/screening/profile", {"age_band": "35_44", "sector": "manufacturing",
                                                  "centre": str(hub.id)}).status_code == 303
    results = {}
    for code, answers in (("phq9", PHQ9), ("gad7", GAD7)):
        data = {f"q{n}": str(v) for n, v in enumerate(answers, start=1)}
        data["x_difficulty"] = "2"
        response = submit(client, f"/screening/{code}", data)
        assert response.status_code == 303, code
        results[code] = response.headers["Location"]
    page = results["phq9"]
    if page.endswith("/followup"):  # a risk answer: the C-SSRS questions come first
        follow = submit(client, page, {"c_wish_dead": "1", "c_thoughts": "0",
                                       "c_behaviour": "0", "c_safe_now": "0"})
        page = follow.headers["Location"]
    assert submit(client, f"{page}/share", {"shared": "1"}, form_url=page).status_code == 303
    service = db.session.scalar(select(Service).where(Service.code == "counselling"))
    session = db.session.scalars(select(Session).where(
        Session.centre_id == hub.id, Session.service_id == service.id,
        Session.status == SessionStatus.SCHEDULED.value, Session.booked < Session.capacity,
        Session.starts_at > utcnow() + timedelta(days=1)).order_by(Session.starts_at)).first()
    assert session is not None, "the demo has no counselling session to book"
    url = f"/booking/sessions/{session.id}"
    assert submit(client, f"{url}/book", {}, form_url=url).status_code == 303
    response = submit(client, "/screening/contact", {
        "centre": str(hub.id), "phone": JOURNEY["phone"], "best_time": "evening",
        "result": page.rsplit("/", 1)[1]}, form_url=page)
    assert response.status_code == 303
    assert "心理咨询师会联系您" in text(client.get(response.headers["Location"]))
    client.post("/account/logout", data={"csrf_token": re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', text(client.get("/me"))).group(1)})
    booking = db.session.scalar(select(Booking).where(Booking.session_id == session.id))
    counsellor = session.counsellor
    assert sign_in(client, counsellor.email, DEMO_PASSWORD).status_code == 303
    notes = f"/counselling/bookings/{booking.uid}/notes"
    assert submit(client, notes, {"body": JOURNEY["note"]}).status_code == 303
    assert JOURNEY["note"] in text(client.get(notes))  # it was saved, and opens again
    return results


def _in_clear() -> list[bytes]:
    """Byte strings that would show a person's data stored in clear."""
    # A counsellor's display name on their approved public profile ("林老师") is published by
    # choice for workers to pick them; their account's name and contact stay sealed.
    published = {d.name for d in DEMO_USERS if Role.COUNSELLOR in d.roles}
    people = [d.login for d in DEMO_USERS] + [d.name for d in DEMO_USERS
                                              if d.name not in published]
    strings = [*JOURNEY.values(), *people]
    out = []
    for s in strings:
        out += [s.encode(), s.encode("utf-16-le")]
    for answers in (PHQ9, GAD7):  # the answer list, as JSON would write it
        out += [", ".join(map(str, answers)).encode(), ",".join(map(str, answers)).encode()]
    # Keys of the sealed result payload and of the contact request: never readable on disk.
    out += [b'"answers"', b'"total"', b'"crisis"', b'"flags"', b'"best_time"']
    return out


def test_demo_and_a_full_journey_leave_nothing_in_clear(app, client):
    """After ``flask seed-demo`` and one person's whole journey, the stored bytes name nobody."""
    with app.test_request_context():
        seed()
    _journey(client)
    if IS_POSTGRES:
        rows = every_row()
        blob = "\x1f".join(rows.values()).encode("utf-8", "surrogateescape")
    else:
        blob = sqlite_bytes()
    assert b"qz-hub" in blob  # the scan reads the stored data (centre codes are public)
    assert [s for s in _in_clear() if s in blob] == []
    # A person's band shows only in the de-identified statistics and its report roll-ups
    # (counts per cell, no person), never in a table that also knows who someone is.
    bands = {"moderately_severe", "moderate", "mild", "severe"}
    # (Library items are tagged with the bands they suit: content, not people.)
    rows = every_row(skip=frozenset({"screening_stats", "report_screening", "report_published",
                                     "library_versions"}))
    assert {(t, b) for t, v in rows.items() for b in bands if b in v} == set()
    assert "moderately_severe" in every_row()["screening_stats"]  # the scan sees stats rows
