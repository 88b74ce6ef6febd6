"""Anonymous screening: answer, see the result, keep a code, see it again, purge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

import assessments
from app.extensions import db
from app.screening import services
from app.screening.models import ScreeningResult, ScreeningStat
from app.security.models import DataKey
from tests.helpers import submit, text
from tests.integration.screening_helpers import (
    PHQ9_CRISIS,
    PHQ9_MODERATE,
    answer,
    make_centre,
    retrieval_code,
)


def test_list_shows_every_questionnaire_with_time(app, client):
    page = text(client.get("/screening/?lang=en"))
    for code in ("phq9", "gad7", "who5", "pss10", "k10", "cbi", "phq4", "auditc", "phq15",
                 "interests"):
        assert f'/screening/{code}"' in page
    assert "About 3 minutes" in page


def test_questionnaire_page_has_instructions_progress_and_big_radios(app, client):
    page = text(client.get("/screening/phq9?lang=en"))
    assert "Over the last 2 weeks" in page
    assert "Answered 0 of 10" in page
    assert "<progress" in page
    assert page.count('type="radio" id="q1-') == 4
    assert 'name="x_difficulty"' in page


def test_chinese_is_the_default(app, client):
    page = text(client.get("/screening/phq9"))
    assert "在过去两周里" in page
    assert "完全不会" in page


def test_missing_answers_reshow_the_page_with_answers_kept(app, client):
    response = answer(client, "phq9", [1, 2, 0], headers={"Accept-Language": "en"})
    page = text(response)
    assert response.status_code == 200
    assert "questions still need an answer" in page
    assert 'href="#q4"' in page
    assert 'href="#q9"' in page
    assert 'href="#q1"' not in page
    assert 'value="2" checked' in page  # q2 kept
    assert 'id="q4" class="question question-missing"' in page
    assert db.session.scalar(select(func.count()).select_from(ScreeningResult)) == 0


def test_out_of_range_value_counts_as_missing(app, client):
    response = answer(client, "phq9", [0, 0, 0, 0, 0, 0, 0, 0, 7], {"difficulty": 0})
    assert 'href="#q9"' in text(response)
    assert db.session.scalar(select(func.count()).select_from(ScreeningResult)) == 0


def test_unknown_questionnaire_is_404(app, client):
    assert client.get("/screening/dass21").status_code == 404


def test_anonymous_result_code_and_retrieval(app, client):
    response = answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 1},
                      headers={"Accept-Language": "en"})
    page = text(response)
    assert response.status_code == 200
    assert "Score: 10 out of 27" in page
    assert "not a diagnosis" in page
    assert "crisis-panel" not in page
    code = retrieval_code(response)
    assert len(code.replace("-", "")) == 16
    # Groups of four that never break inside, a copy and a print button (shown by the
    # local script; hidden without it).
    groups = "".join(f'<span class="code-group">{g}</span>' for g in code.split("-"))
    assert groups.replace('</span><span', '</span><span aria-hidden="true">-</span><span') \
        in page
    assert 'data-copy="retrieval-code"' in page
    assert "Print or save as PDF" in page
    row = db.session.scalar(select(ScreeningResult))
    assert row.user_id is None
    assert row.data_key_id is not None
    assert code not in (row.retrieval_hash or "")
    assert len(row.retrieval_hash) == 64
    assert db.session.scalar(select(func.count()).select_from(ScreeningStat)) == 1

    reload = client.get("/screening/result", headers={"Accept-Language": "en"})
    assert "Score: 10 out of 27" in text(reload)
    assert "retrieval-code" not in text(reload)  # the code is shown once only
    assert db.session.scalar(select(func.count()).select_from(ScreeningResult)) == 1

    client.delete_cookie("session")  # another day, another browser
    assert client.get("/screening/result").status_code == 302
    found = submit(client, "/screening/retrieve", {"code": code.lower()})
    assert found.headers["Location"] == "/screening/result"
    again = client.get("/screening/result", headers={"Accept-Language": "en"})
    assert "Score: 10 out of 27" in text(again)
    assert "retrieval-code" not in text(again)
    wrong = submit(client, "/screening/retrieve", {"code": "AAAA-BBBB-CCCC-DDDD"},
                   headers={"Accept-Language": "en"})
    assert "does not open a result" in text(wrong)
    assert 'value="AAAA-BBBB-CCCC-DDDD"' in text(wrong)


def test_result_links_to_booking_the_suggested_service(app, client):
    page = text(answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 1}))
    assert 'href="/booking?service=' in page


def test_booking_link_uses_booking_browse_when_present(app):
    from flask import Flask

    from app.screening.links import booking_url

    other = Flask("probe")
    other.add_url_rule("/", "main.home")
    other.add_url_rule("/book", "booking.browse")
    with other.test_request_context():
        assert booking_url("counselling", "dehua") == "/book?service=counselling&centre=dehua"
    lonely = Flask("no-booking")
    lonely.add_url_rule("/", "main.home")
    with lonely.test_request_context():
        assert booking_url("relaxation") == "/#centres-title"


def test_crisis_panel_opens_anonymous_result(app, client):
    make_centre("dehua", phone="0595-1234 5678")
    page = text(answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0}))
    main = page.split('<main id="main"', 1)[1]
    first = main.split(">", 1)[1].lstrip()
    assert first.startswith('<section class="crisis-panel"')
    for number in ("tel:12356", "tel:059185666661", "tel:4001619995", "tel:110", "tel:120",
                   "tel:0595-12345678"):
        assert number in page


def test_no_crisis_panel_for_other_instruments(app, client):
    page = text(answer(client, "gad7", [3, 3, 3, 3, 3, 3, 3], {"difficulty": 3}))
    assert "crisis-panel" not in page


def test_purge_deletes_old_anonymous_results_and_keys_only(app, client):
    answer(client, "gad7", [0] * 7, {"difficulty": 0})
    answer(client, "gad7", [1] * 7, {"difficulty": 0})
    rows = db.session.scalars(select(ScreeningResult)).all()
    old = rows[0]
    old.created_at = old.created_at - timedelta(days=31)
    old_key = old.data_key_id
    db.session.commit()
    cli = app.test_cli_runner()
    result = cli.invoke(args=["screening", "purge"])
    assert result.exit_code == 0
    assert "purged 1" in result.output
    assert [r.id for r in db.session.scalars(select(ScreeningResult))] == [rows[1].id]
    assert db.session.get(DataKey, old_key) is None
    assert cli.invoke(args=["screening", "purge"]).output.startswith("purged 0")
    assert services.purge() == 0


def test_code_expires_after_30_days(app, client):
    response = answer(client, "gad7", [0] * 7, {"difficulty": 0})
    code = retrieval_code(response)
    row = db.session.scalar(select(ScreeningResult))
    row.created_at = row.created_at - timedelta(days=30, minutes=1)
    db.session.commit()
    assert services.find_by_code(code) is None


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
@pytest.mark.parametrize("code", [i.code for i in assessments.instruments()])
def test_every_questionnaire_answers_and_explains_in_both_languages(app, client, code, lang):
    instrument = assessments.get(code)
    answers = [item.options[-1].points for item in instrument.items]
    extra = {q.code: q.options[0].points for q in instrument.extra_questions}
    client.get(f"/screening/?lang={lang}")
    response = answer(client, code, answers, extra)
    page = text(response)
    assert response.status_code == 200
    expected = instrument.score(answers)
    # A crisis result is about the person: no severity band label on that page.
    assert (instrument.band(expected.band).label.get(lang) in page) == (not expected.crisis)
    for sub in expected.subscales:
        assert instrument.subscale(sub).name.get(lang) in page
    assert ("crisis-panel" in page) == expected.crisis


def test_guessing_codes_is_rate_limited(app, client):
    statuses = [submit(client, "/screening/retrieve", {"code": f"AAAA-BBBB-CCCC-{n:04d}"})
                .status_code for n in range(11)]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_crisis_result_always_offers_counselling(app, client):
    page = text(answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0},
                       headers={"Accept-Language": "en"}))
    assert "Book an individual counselling session" in page
    calm = text(answer(client, "phq9", [0] * 9, {"difficulty": 0},
                       headers={"Accept-Language": "en"}))
    assert "Book an individual counselling session" not in calm
    assert "Things that help many people" in calm
