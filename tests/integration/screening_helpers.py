"""Helpers for the screening tests: centres, answering a questionnaire like a browser."""

from __future__ import annotations

import re

from app.accounts.models import User
from app.booking.models import Centre, CentreKind
from app.extensions import db
from tests.helpers import submit, text

PHQ9_CRISIS = [0, 0, 0, 0, 0, 0, 0, 0, 1]  # total 1, minimal, but item 9 > 0
PHQ9_MODERATE = [2, 2, 1, 1, 1, 1, 1, 1, 0]  # total 10, moderate


def make_centre(code: str, *staff: User, phone: str = "0595-1111 2222") -> Centre:
    """An active centre with these staff members."""
    centre = Centre(code=code, kind=CentreKind.COUNTY, name_zh=f"{code} 中心",
                    name_en=f"{code} centre", region_zh="区", region_en=f"{code} region",
                    address_zh="地址", address_en="Address", phone=phone,
                    hours_zh="9-17", hours_en="9-17")
    centre.staff.extend(staff)
    db.session.add(centre)
    db.session.commit()
    return centre


def answer(client, code: str, answers: list[int], extra: dict[str, int] | None = None,
           skip_followup: bool = True, **kwargs):
    """Fill in and send a questionnaire (skipping the follow-up questions unless told not)."""
    data = {f"q{i}": str(v) for i, v in enumerate(answers, start=1)}
    data.update({f"x_{k}": str(v) for k, v in (extra or {}).items()})
    response = submit(client, f"/screening/{code}", data, **kwargs)
    if (skip_followup and response.status_code == 303
            and response.headers["Location"] == "/screening/followup"):
        response = submit(client, "/screening/followup", {"skip": "1"}, **kwargs)
    if response.status_code == 303 and response.headers["Location"] == "/screening/result":
        return client.get("/screening/result", **kwargs)  # anonymous: the browser follows
    return response


def retrieval_code(response) -> str:
    """The code shown once on an anonymous result page."""
    match = re.search(r'id="retrieval-code" data-value="([A-Z0-9-]+)"', text(response))
    assert match, "no retrieval code on the page"
    return match.group(1)
