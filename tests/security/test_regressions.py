"""Bugs the break-in tests found, each pinned by the request that showed it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.screening.models import ScreeningResult
from tests.helpers import submit, text


@pytest.mark.parametrize("odd", ["³", "①", "٣", "1.0", " 1", "+1"])
def test_an_answer_in_odd_digits_is_asked_again_not_a_500(client, odd):
    """``"³".isdigit()`` is true but ``int("³")`` fails: it used to answer 500."""
    answers = {f"q{n}": "1" for n in range(1, 8)}
    answers["q3"] = odd
    response = submit(client, "/screening/gad7", answers)
    assert response.status_code == 200
    assert "个问题没有回答" in text(response)
    assert 'href="#q3"' in text(response)
    assert db.session.scalar(select(func.count()).select_from(ScreeningResult)) == 0


@pytest.mark.parametrize(("url", "how"), [
    ("/admin/audit?actor=%00", "query"), ("/booking?service=nope&centre=%00", "query"),
    ("/admin/centres/new", "form"),
])
def test_a_nul_character_is_a_clear_400_not_a_500(admin, signed_in, url, how):
    """PostgreSQL text cannot hold NUL: the audit search with one answered 500 there."""
    from app.booking.models import Centre

    client = signed_in(admin)
    if how == "query":
        response = client.get(url)
    else:
        response = submit(client, url, {
            "code": "nul", "parent": "0", "name_zh": "中\x00心", "name_en": "Centre",
            "region_zh": "区", "region_en": "Region", "address_zh": "地址", "address_en": "A",
            "phone": "0595-1", "hours_zh": "9-17", "hours_en": "9-17", "active": "y"})
    assert response.status_code == 400
    assert "请求有问题" in text(response)
    assert db.session.scalar(select(func.count()).select_from(Centre)) == 0


@pytest.mark.parametrize("to", ["１３８００１３８０００", "-87969385805496", "99999999999", "0"])
def test_handover_to_a_number_past_the_range_is_refused_not_a_500(world, caller_client, to):
    """int() reads full-width digits and any length: the id reached PostgreSQL and failed."""
    from app.counselling.models import NoteHandover

    client, token = caller_client("counsellor")
    url = "/counselling/bookings/{booking}/handover".format(**world.ids)
    before = db.session.scalar(select(func.count()).select_from(NoteHandover))
    response = client.post(url, data={"to": to, "csrf_token": token})
    assert response.status_code == 303
    assert "请选择另一位" in text(client.get(response.headers["Location"]))
    assert db.session.scalar(select(func.count()).select_from(NoteHandover)) == before
