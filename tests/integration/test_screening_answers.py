"""One check of a questionnaire's answers decides for the pages and the API alike."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import assessments
from app.domain import DomainError
from app.extensions import db
from app.screening.answers import AnswerError, check_answers
from app.screening.models import ScreeningResult
from tests.helpers import text
from tests.integration.screening_helpers import PHQ9_MODERATE, answer

OUT_OF_RANGE = [0, 0, 0, 0, 0, 0, 0, 0, 7]


def test_the_check_names_what_is_missing_or_unknown(app):
    phq9 = assessments.get("phq9")
    good = {f"q{n}": v for n, v in enumerate(PHQ9_MODERATE, start=1)} | {"x_difficulty": 0}
    assert check_answers(phq9, good) == (PHQ9_MODERATE, {"difficulty": 0})
    with pytest.raises(AnswerError) as refused:
        check_answers(phq9, {**good, "q9": 7, "q10": 1})
    assert isinstance(refused.value, DomainError)
    assert (refused.value.missing, refused.value.unknown) == (["q9"], ["q10"])


def test_the_page_and_the_api_refuse_the_same_answers(app, client):
    page = answer(client, "phq9", OUT_OF_RANGE, {"difficulty": 0})
    assert 'href="#q9"' in text(page)
    api = client.post("/api/v1/screenings", headers={"Accept-Language": "en"}, json={
        "instrument": "phq9", "answers": OUT_OF_RANGE, "extra": {"difficulty": 0}})
    assert api.status_code == 422
    assert "Give one answer per question" in api.get_json()["errors"]["answers"][0]
    too_many = client.post("/api/v1/screenings", json={
        "instrument": "phq9", "answers": [*PHQ9_MODERATE, 1], "extra": {"difficulty": 0}})
    assert too_many.status_code == 422
    assert set(too_many.get_json()["errors"]) == {"answers"}
    assert db.session.scalar(select(func.count()).select_from(ScreeningResult)) == 0
