"""The result history's charts and tables are kept per process (app/fragments.py).

Each test draws the history once (so it is kept), changes something it prints, and asks
again: what the person sees must follow at once, and never be someone else's.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db
from app.screening.models import ScreeningResult
from tests.helpers import submit, text
from tests.integration.screening_helpers import PHQ9_MODERATE, answer

EN = {"Accept-Language": "en"}


def _scores(page: str) -> list[str]:
    return re.findall(r"<td>(\d+)</td>", page)


def _agree(client) -> None:
    submit(client, "/screening/consent?next=phq9", {"choice": "agree"})


def test_a_new_result_shows_at_once(client, signed_in, worker):
    signed_in(worker)
    _agree(client)
    answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 2})
    assert _scores(text(client.get("/screening/history", headers=EN))) == ["10"]
    answer(client, "phq9", [0] * 9, {"difficulty": 0})
    assert _scores(text(client.get("/screening/history", headers=EN))) == ["10", "0"]


def test_sharing_shows_in_the_table_at_once(client, signed_in, worker):
    signed_in(worker)
    _agree(client)
    path = answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 2}).headers["Location"]
    assert "<td>No</td>" in text(client.get("/screening/history", headers=EN))
    submit(client, f"{path}/share", {"shared": "1"}, form_url=path)
    page = text(client.get("/screening/history", headers=EN))
    assert "<td>Yes</td>" in page
    assert "<td>No</td>" not in page


def test_a_changed_result_shows_at_once(client, signed_in, worker):
    signed_in(worker)
    _agree(client)
    answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 2})
    assert _scores(text(client.get("/screening/history", headers=EN))) == ["10"]
    row = db.session.scalar(select(ScreeningResult))
    row.data = {**row.data, "total": 11}  # as a later write of the sealed data would
    db.session.commit()
    assert _scores(text(client.get("/screening/history", headers=EN))) == ["11"]


def test_a_language_switch_redraws_the_charts(client, signed_in, worker):
    signed_in(worker)
    _agree(client)
    answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 2})
    assert "<th scope=\"col\">Score</th>" in text(client.get("/screening/history", headers=EN))
    chinese = text(client.get("/screening/history", headers={"Accept-Language": "zh-CN"}))
    assert "<th scope=\"col\">Score</th>" not in chinese


def test_nobody_sees_another_persons_results(client, signed_in, worker, make_user):
    from app.accounts.models import Role

    signed_in(worker)
    _agree(client)
    answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 2})
    assert _scores(text(client.get("/screening/history", headers=EN))) == ["10"]
    client.delete_cookie("session")
    signed_in(make_user(Role.WORKER))
    _agree(client)
    answer(client, "phq9", [0] * 9, {"difficulty": 0})
    assert _scores(text(client.get("/screening/history", headers=EN))) == ["0"]


def test_an_unchanged_history_is_not_opened_again(client, signed_in, worker, monkeypatch):
    from app.screening import services

    signed_in(worker)
    _agree(client)
    answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 2})
    answer(client, "gad7", [1] * 7, {"difficulty": 0})
    answer(client, "phq9", [0] * 9, {"difficulty": 0})  # interleaved questionnaires
    first = text(client.get("/screening/history", headers=EN))

    def refuse(user):
        raise AssertionError("the kept part should have been used")

    monkeypatch.setattr(services, "history", refuse)
    assert text(client.get("/screening/history", headers=EN)) == first
