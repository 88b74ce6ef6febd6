"""Signed-in screening: consent, encrypted saving, statistics, history, sharing, reminders."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, inspect, select

from app.accounts.models import Consent
from app.audit.models import AuditEvent
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.services import send_due
from app.screening.models import ScreeningResult, ScreeningStat
from app.types import utcnow
from tests.helpers import submit, text
from tests.integration.screening_helpers import PHQ9_CRISIS, PHQ9_MODERATE, answer, make_centre

EN = {"Accept-Language": "en"}


def agree(client, code: str = "phq9"):
    """Go through the consent page, agreeing."""
    return submit(client, f"/screening/consent?next={code}", {"choice": "agree"})


def test_consent_is_asked_before_the_first_saved_result(app, signed_in, worker):
    client = signed_in(worker)
    response = client.get("/screening/phq9")
    assert response.status_code == 302
    assert "/screening/consent?next=phq9" in response.headers["Location"]
    page = text(client.get("/screening/consent?next=phq9", headers=EN))
    assert "May we keep your results?" in page
    response = agree(client)
    assert "/screening/safety-contact?next=phq9" in response.headers["Location"]
    consent = db.session.scalar(select(Consent).where(Consent.purpose == "health_data"))
    assert consent.user_id == worker.id
    assert consent.text_version
    assert consent.given_at is not None
    assert client.get("/screening/phq9").status_code == 200


def test_declining_still_shows_the_result_without_saving_it(app, signed_in, worker):
    client = signed_in(worker)
    submit(client, "/screening/consent?next=gad7", {"choice": "decline"})
    response = answer(client, "gad7", [1] * 7, {"difficulty": 0}, headers=EN)
    assert "Score: 7 out of 21" in text(response)
    assert "retrieval-code" in text(response)
    row = db.session.scalar(select(ScreeningResult))
    assert row.user_id is None
    assert db.session.scalar(select(func.count()).select_from(Consent).where(
        Consent.purpose == "health_data")) == 0


def test_profile_is_optional_and_saved(app, signed_in, worker):
    centre = make_centre("anxi")
    client = signed_in(worker)
    agree(client)
    response = submit(client, "/screening/profile?next=phq9",
                      {"age_band": "25_34", "sector": "manufacturing", "centre": str(centre.id)})
    assert response.headers["Location"].endswith("/screening/phq9")
    db.session.refresh(worker)
    assert (worker.age_band, worker.sector, worker.home_centre_id) == (
        "25_34", "manufacturing", centre.id)
    submit(client, "/screening/profile", {"age_band": "", "sector": "", "centre": ""})
    db.session.refresh(worker)
    assert (worker.age_band, worker.sector, worker.home_centre_id) == (None, None, None)


def test_saved_result_is_encrypted_and_stat_row_is_deidentified(app, signed_in, worker):
    centre = make_centre("yongchun")
    client = signed_in(worker)
    agree(client)
    submit(client, "/screening/profile", {"age_band": "35_44", "sector": "transport",
                                          "centre": str(centre.id)})
    response = answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 2})
    assert response.status_code == 303
    assert re.fullmatch(r"/screening/results/[0-9a-f]{32}", response.headers["Location"])
    row = db.session.scalar(select(ScreeningResult))
    assert row.user_id == worker.id
    assert row.data["band"] == "moderate"
    assert row.data["answers"] == PHQ9_MODERATE
    assert row.data["extra"] == {"difficulty": 2}

    secrets = ("moderate", '"total": 10', "[2, 2, 1, 1", "2,2,1,1")
    found = []
    for table in db.metadata.sorted_tables:
        if table.name in ("screening_stats", "report_screening"):
            continue  # de-identified by design: checked below (roll-up: test_reports_rollups)
        for db_row in db.session.execute(table.select()):
            blob = " ".join(bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview)
                            else str(v) for v in db_row)
            found += [(table.name, s) for s in secrets if s in blob]
    assert found == []

    stat = db.session.scalar(select(ScreeningStat))
    assert (stat.instrument, stat.band, stat.age_band, stat.sector, stat.centre_id) == (
        "phq9", "moderate", "35_44", "transport", centre.id)
    assert re.fullmatch(r"\d{4}-\d{2}", stat.month)
    columns = {c["name"] for c in inspect(db.engine).get_columns("screening_stats")}
    assert columns == {"id", "instrument", "band", "month", "centre_id", "region",
                       "age_band", "sector", "repeat"}
    assert not [fk for fk in inspect(db.engine).get_foreign_keys("screening_stats")
                if fk["referred_table"] == "users"]


def test_result_page_is_for_the_owner_only(app, client, signed_in, worker, make_user):
    signed_in(worker)
    agree(client)
    uid = answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 2}).headers["Location"]
    page = text(client.get(uid, headers=EN))
    assert "Score: 10 out of 27" in page
    assert "crisis-panel" not in page
    me = text(client.get("/me"))  # signing out sits on the worker's own page
    client.post("/account/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', me).group(1)})
    other = make_user()
    signed_in(other)
    assert client.get(uid).status_code == 404


def test_crisis_panel_first_for_signed_in_worker(app, client, signed_in, worker):
    signed_in(worker)
    agree(client)
    uid = answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0}).headers["Location"]
    uid = submit(client, uid, {"skip": "1"}).headers["Location"]  # the follow-up questions
    page = text(client.get(uid))
    main = page.split('<main id="main"', 1)[1].split(">", 1)[1].lstrip()
    assert main.startswith('<section class="crisis-panel"')
    assert 'href="tel:12356"' in page


def test_history_chart_and_table(app, client, signed_in, worker):
    signed_in(worker)
    agree(client)
    for answers in ([0] * 7, [1] * 7, [2] * 7):
        answer(client, "gad7", answers, {"difficulty": 0})
    page = text(client.get("/screening/history", headers=EN))
    svg = page.split('<svg class="trend-chart"', 1)[1].split("</svg>", 1)[0]
    assert re.findall(r'data-score="(\d+)"', svg) == ["0", "7", "14"]
    assert svg.count('<rect class="band band-') == 4
    assert "<polyline" in svg
    assert "style=" not in svg
    assert "<script" not in page
    table = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert list(re.findall(r"<td>(\d+)</td>", table)) == ["0", "7", "14"]


def test_sharing_toggle_and_counsellor_access(app, client, signed_in, worker, make_user):
    from app.accounts.models import Role

    mine = make_user(Role.COUNSELLOR)
    other = make_user(Role.COUNSELLOR)
    social = make_user(Role.SOCIAL_WORKER)
    centre = make_centre("qz-hub", mine)
    make_centre("dehua", other)
    signed_in(worker)
    agree(client)
    submit(client, "/screening/profile", {"age_band": "", "sector": "",
                                          "centre": str(centre.id)})
    uid_path = answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 2}).headers["Location"]
    uid = uid_path.rsplit("/", 1)[1]

    def as_user(user):
        client.delete_cookie("session")
        return signed_in(user)

    as_user(mine)
    assert client.get(f"/counsellor/shared/{uid}").status_code == 404  # not shared yet
    as_user(worker)
    response = submit(client, f"{uid_path}/share", {"shared": "1"}, form_url=uid_path)
    assert response.status_code == 303
    assert db.session.scalar(select(ScreeningResult)).shared is True

    as_user(mine)
    listing = text(client.get("/counsellor/shared"))
    assert f"/counsellor/shared/{uid}" in listing
    page = text(client.get(f"/counsellor/shared/{uid}", headers=EN))
    assert "Score: 10 out of 27" in page
    # The counsellor reads someone else's result: never titled "Your result".
    assert "<title>PHQ-9 result shared with you" in page
    assert "Your result" not in page
    reads = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "screening.shared_read")).all()
    assert len(reads) == 1
    assert reads[0].actor == mine.uid
    assert "与您共享的 PHQ-9 结果" in text(client.get(f"/counsellor/shared/{uid}"))

    as_user(other)
    assert client.get(f"/counsellor/shared/{uid}").status_code == 404
    assert uid not in text(client.get("/counsellor/shared"))
    as_user(social)
    assert client.get(f"/counsellor/shared/{uid}").status_code == 403

    as_user(worker)
    submit(client, f"{uid_path}/share", {"shared": "0"}, form_url=uid_path)
    as_user(mine)
    assert client.get(f"/counsellor/shared/{uid}").status_code == 404


def test_share_without_csrf_changes_nothing(app, client, signed_in, worker):
    signed_in(worker)
    agree(client)
    uid_path = answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 2}).headers["Location"]
    client.post(f"{uid_path}/share", data={"shared": "1"})
    assert db.session.scalar(select(ScreeningResult)).shared is False



def test_a_submission_without_its_csrf_token_saves_nothing(app, client, signed_in, worker):
    """The app-wide CSRF check refuses the POST before the view runs: the view builds no
    form of its own to check the token again (Step 13d)."""
    signed_in(worker)
    agree(client)
    data = {f"q{i}": str(v) for i, v in enumerate(PHQ9_CRISIS, start=1)} | {"x_difficulty": "1"}
    for token in ({}, {"csrf_token": "forged"}):
        response = client.post("/screening/phq9", data={**data, **token})
        assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ScreeningResult)) == 0
    assert db.session.scalar(select(func.count()).select_from(ScreeningStat)) == 0

def test_reminder_enqueued_sent_and_cancellable(app, client, signed_in, make_user,
                                                 smtp_server):
    person = make_user(login="mei@example.com")
    signed_in(person)
    agree(client)
    uid_path = answer(client, "gad7", [1] * 7, {"difficulty": 0}).headers["Location"]
    submit(client, f"{uid_path}/remind", {"weeks": "2"}, form_url=uid_path)
    message = db.session.scalar(select(OutboxMessage))
    assert message.kind == "screening_reminder"
    assert message.send_after > utcnow() + timedelta(days=13)
    history = text(client.get("/screening/history"))
    assert f"/screening/reminders/{message.uid}/cancel" in history

    assert send_due().sent == 0  # not due yet
    send_due(now=utcnow() + timedelta(weeks=2, minutes=1))
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    body = mail.get_body(("plain",)).get_content()
    assert "/screening/gad7" in body
    assert mail["Subject"] == "心晴：该再测一次了"  # the person's language: Chinese by default
    for secret in ("Score", "mild", "minimal", "7 out of", "得分", "轻度"):
        assert secret not in body

    submit(client, f"{uid_path}/remind", {"weeks": "4"}, form_url=uid_path)
    pending = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None))).all()
    assert len(pending) == 1
    response = submit(client, f"/screening/reminders/{pending[0].uid}/cancel", {},
                      form_url="/screening/history")
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.sent_at.is_(None))) == 0


def test_declined_worker_can_change_their_mind(app, client, signed_in, worker):
    signed_in(worker)
    submit(client, "/screening/consent?next=gad7", {"choice": "decline"})
    page = text(client.get("/screening/gad7"))
    assert "/screening/consent?next=gad7" in page
    agree(client, "gad7")
    response = answer(client, "gad7", [1] * 7, {"difficulty": 0})
    assert response.status_code == 303
    assert db.session.scalar(select(ScreeningResult)).user_id == worker.id


def test_declined_worker_adds_no_profile_to_statistics(app, signed_in, worker):
    client = signed_in(worker)
    agree(client)
    submit(client, "/screening/profile", {"age_band": "25_34", "sector": "office",
                                          "centre": ""})
    db.session.query(Consent).filter(Consent.purpose == "health_data").delete()
    db.session.commit()
    submit(client, "/screening/consent?next=gad7", {"choice": "decline"})
    answer(client, "gad7", [0] * 7, {"difficulty": 0})
    stat = db.session.scalar(select(ScreeningStat))
    assert (stat.age_band, stat.sector) == (None, None)


def test_seed_gives_the_demo_worker_a_shared_result(app):
    from app.seed import seed

    first = seed()
    assert first["screening results"] == 1
    assert seed()["screening results"] == 0
    row = db.session.scalar(select(ScreeningResult))
    assert row.shared is True
    assert row.user.home_centre_id is not None
    assert row.data["band"] == "mild"


def test_sqlite_file_bytes_hold_no_result(app, client, signed_in, worker):
    from pathlib import Path

    from sqlalchemy import text as sql

    from tests.conftest import IS_POSTGRES

    if IS_POSTGRES:
        return  # the row scan above covers PostgreSQL
    signed_in(worker)
    agree(client)
    answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 2})
    client.delete_cookie("session")
    answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0})
    db.session.execute(sql("PRAGMA wal_checkpoint(FULL)"))
    path = Path(db.engine.url.database)
    raw = path.read_bytes()
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        if extra.exists():
            raw += extra.read_bytes()
    for secret in (b'"answers"', b'"flags"', b"self_harm", b'"total"', b"[2, 2, 1, 1"):
        assert secret not in raw, secret


def test_reminder_follows_an_english_speakers_language(app, client, signed_in, make_user):
    person = make_user(login="ann@example.com")
    signed_in(person)
    client.get("/screening/?lang=en")  # saves English as the person's language
    agree(client)
    uid_path = answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 1}).headers["Location"]
    submit(client, f"{uid_path}/remind", {"weeks": "4"}, form_url=uid_path)
    message = db.session.scalar(select(OutboxMessage))
    assert message.payload["subject"] == "Xinqing: it's time for your check-in"
    assert "Patient Health Questionnaire" in message.payload["text"]
    assert message.send_after > utcnow() + timedelta(days=27)


def test_a_submission_writes_its_rows_without_the_unit_of_work(app, signed_in, worker):
    """The result and its statistics row go in as one INSERT each, not through the ORM's
    flush (issue 21, Step 13d: the flush was the submission's largest cost); the result
    stays sealed under the person's key and the rows read back as written."""
    from sqlalchemy import event

    centre = make_centre("dehua")
    client = signed_in(worker)
    agree(client)
    submit(client, "/screening/profile", {"age_band": "25_34", "sector": "transport",
                                          "centre": str(centre.id)})
    flushed: list[str] = []

    def note(mapper, connection, target) -> None:
        flushed.append(type(target).__name__)

    for model in (ScreeningResult, ScreeningStat):
        event.listen(model, "before_insert", note)
    try:
        first = answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 2})
        second = answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 1})
    finally:
        for model in (ScreeningResult, ScreeningStat):
            event.remove(model, "before_insert", note)
    assert flushed == []
    assert first.status_code == second.status_code == 303
    db.session.expire_all()
    rows = db.session.scalars(select(ScreeningResult).order_by(ScreeningResult.id)).all()
    assert [r.uid for r in rows] == [first.headers["Location"].rsplit("/", 1)[1],
                                     second.headers["Location"].rsplit("/", 1)[1]]
    assert [(r.user_id, r.data_key_id, r.shared, r.retrieval_hash) for r in rows] == [
        (worker.id, None, False, None)] * 2
    assert [r.data["extra"] for r in rows] == [{"difficulty": 2}, {"difficulty": 1}]
    assert b"moderate" not in bytes(rows[0].data_ct)
    stats = db.session.scalars(select(ScreeningStat)).all()
    assert sorted((s.band, s.centre_id, s.region, s.age_band, s.sector, s.repeat)
                  for s in stats) == [
        ("moderate", centre.id, "dehua region", "25_34", "transport", False),
        ("moderate", centre.id, "dehua region", "25_34", "transport", True)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", s.id) for s in stats)
