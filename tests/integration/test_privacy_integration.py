"""My data across packages: results and bookings in the copy, seats freed on deletion,
counsellors' reads in the access history, and counsellors alerted to contact requests."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from app.accounts.models import Role
from app.booking import bookings
from app.booking.models import Session, WaitlistEntry
from app.extensions import db
from app.notifications.services import send_due
from app.screening.models import ScreeningResult, ScreeningStat
from tests.booking_helpers import make_centre, make_service, make_session
from tests.helpers import PASSWORD, submit, text
from tests.integration.screening_helpers import PHQ9_CRISIS, answer
from tests.integration.screening_helpers import make_centre as make_screening_centre

EN = {"Accept-Language": "en"}


def test_copy_holds_results_and_bookings_and_deletion_frees_the_seat(app, client, signed_in,
                                                                     counsellor, make_user):
    service = make_service(capacity=1)
    session = make_session(make_centre(services=[service], staff=[counsellor]), service,
                           counsellor)
    mei = make_user(login="mei@example.com")
    waiting = make_user(login="wen@example.com")
    bookings.book(mei, session.id)
    bookings.join_waitlist(waiting, session.id)

    signed_in(mei)
    submit(client, "/screening/consent?next=gad7", {"choice": "agree"})
    answer(client, "gad7", [1, 1, 1, 1, 1, 1, 1], {"difficulty": 1})
    assert db.session.scalar(select(func.count()).select_from(ScreeningResult)) == 1

    copy = json.loads(text(submit(client, "/account/data/download", {},
                                  form_url="/account/data")))
    assert copy["screening_results"][0]["instrument"] == "gad7"
    assert copy["screening_results"][0]["total"] == 7
    assert copy["bookings"][0]["status"] in ("requested", "confirmed")

    done = submit(client, "/account/data/delete", {"password": PASSWORD, "confirm": "y"},
                  form_url="/account/data")
    assert done.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(ScreeningResult)) == 0
    assert db.session.scalar(select(func.count()).select_from(ScreeningStat)) == 1
    db.session.expire_all()
    # The seat went to the first person waiting, as an offer.
    entry = db.session.scalar(select(WaitlistEntry))
    assert entry.status == "offered"
    assert db.session.get(Session, session.id).booked == 1


def test_staff_cannot_delete_their_own_account(client, signed_in, counsellor):
    signed_in(counsellor)
    response = submit(client, "/account/data/delete?lang=en",
                      {"password": PASSWORD, "confirm": "y"}, form_url="/account/data?lang=en")
    assert response.status_code == 400
    assert "Staff accounts are closed by an administrator." in text(response)


def test_counsellors_of_the_centre_are_emailed_without_details(app, client, smtp_server,
                                                               make_user):
    mine = make_user(Role.COUNSELLOR, login="lin@example.com")
    other = make_user(Role.COUNSELLOR, login="chen@example.com")
    centre = make_screening_centre("dehua", mine)
    make_screening_centre("anxi", other)
    answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0})
    submit(client, "/screening/contact", {"centre": str(centre.id), "phone": "139 1234 5678",
                                          "best_time": "evening"}, headers=EN)
    send_due()
    assert [m["To"] for m in smtp_server.messages] == ["lin@example.com"]
    body = smtp_server.messages[0].get_content()
    assert "/counsellor/risks" in body
    for secret in ("139 1234 5678", "self_harm", "phq9", "PHQ-9"):
        assert secret not in body


def test_access_history_shows_a_counsellor_opening_a_shared_result(app, client, signed_in,
                                                                   worker, make_user):
    from app.screening.services import set_shared, update_profile

    mine = make_user(Role.COUNSELLOR)
    centre = make_screening_centre("qz-hub", mine)
    signed_in(worker)
    submit(client, "/screening/consent?next=phq9", {"choice": "agree"})
    update_profile(worker, None, None, centre.id)
    answer(client, "phq9", [1, 1, 1, 1, 1, 1, 1, 1, 0], {"difficulty": 1})
    result = db.session.scalar(select(ScreeningResult))
    set_shared(worker, result, True)
    client.delete_cookie("session")
    signed_in(mine)
    assert client.get(f"/counsellor/shared/{result.uid}").status_code == 200
    client.delete_cookie("session")
    signed_in(worker)
    page = text(client.get("/account/data?lang=en"))
    assert "A counsellor opened a result you shared" in page
