"""A social worker reaches no individual record anywhere: every route, with real ids."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import func, select

import assessments
from app.booking import bookings
from app.booking.models import Booking, WaitlistEntry
from app.counselling import services as counselling
from app.counselling.models import SessionNote
from app.extensions import db
from app.screening import services as screening
from app.screening.models import RiskItem, ScreeningResult
from tests.booking_helpers import make_centre, make_service, make_session
from tests.helpers import csrf_token, text
from tests.integration.screening_helpers import PHQ9_CRISIS

NAME, PHONE, EMAIL = "Secret Sun", "13912345678", "secret.sun@example.com"
NOTE, RISK_PHONE = "Private note about Secret Sun's family", "0595 8888 7777"
SKIP_POST = {"accounts.logout", "accounts.delete_account"}  # the walker's own session


def _records(app, counsellor, social_worker, make_user):
    """Someone's result, booking, waitlist place, note and risk item, and staff at a centre."""
    from app.accounts import services as accounts

    group = make_service("group-stress", capacity=1)
    centre = make_centre("hub", services=[group], staff=[counsellor, social_worker])
    person = accounts.register_worker(EMAIL, "calm river at dawn", name=NAME,
                                      accepted_privacy_notice=True)
    person.phone = PHONE
    db.session.commit()
    screening.give_health_consent(person)
    screening.update_profile(person, "25_34", "transport", centre.id)
    saved = screening.save_result(person, assessments.get("phq9"), PHQ9_CRISIS,
                                  {"difficulty": 1}, keep=True)
    screening.set_shared(person, saved.result, True)
    with app.test_request_context():
        risk = screening.request_contact(person, centre.id, RISK_PHONE, False, "any",
                                         saved.result)
    session = make_session(centre, group, counsellor, starts_in=timedelta(days=3))
    booking = bookings.book(person, session.id)
    other = make_user()
    bookings.join_waitlist(other, session.id)
    entry = db.session.scalar(select(WaitlistEntry))
    note = counselling.add_note(counsellor, booking.uid, NOTE)
    return {"result": saved.result, "risk": risk, "booking": booking, "entry": entry,
            "note": note, "person": person, "session": session, "centre": centre,
            "service": group}


def _state(walker_id: int):
    """What a successful attack on other people's records would change.

    (Staff may book and queue for sessions themselves like anyone: their own rows are not
    someone else's record.)
    """
    return (db.session.scalar(select(func.count()).select_from(SessionNote)),
            tuple(db.session.execute(select(Booking.uid, Booking.status)
                                     .where(Booking.user_id != walker_id)).all()),
            tuple(db.session.execute(select(WaitlistEntry.uid, WaitlistEntry.status)
                                     .where(WaitlistEntry.user_id != walker_id)).all()),
            tuple(db.session.execute(select(ScreeningResult.uid, ScreeningResult.shared)).all()),
            tuple(db.session.execute(select(RiskItem.uid, RiskItem.resolved_at)).all()))


def test_social_worker_reaches_no_individual_record_on_any_route(app, counsellor,
                                                                 social_worker, make_user,
                                                                 signed_in):
    objects = _records(app, counsellor, social_worker, make_user)
    uids = [objects["result"].uid, objects["booking"].uid, objects["risk"].uid,
            objects["entry"].uid, objects["note"].uid, objects["person"].uid]
    ints = sorted({objects["session"].id, objects["booking"].id, objects["centre"].id,
                   objects["result"].id, objects["service"].id, objects["note"].id,
                   objects["person"].id, 1})
    values = {"uid": uids, "token": ["x" * 20], "code": ["phq9"],
              "answer": ["agree", "decline"], "action": ["attended", "no_show", "confirm"],
              "filename": ["css/app.css"]}
    secrets = [NAME, PHONE, EMAIL, NOTE, RISK_PHONE, objects["booking"].uid,
               objects["result"].uid, objects["risk"].uid, objects["note"].uid]
    before = _state(social_worker.id)
    client = signed_in(social_worker)
    token = csrf_token(text(client.get("/account/password")))
    tried, leaks = 0, []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue  # files of the app itself
        names = sorted(rule.arguments)
        choices = [values.get(n, ints) for n in names]
        for combo in itertools.product(*choices):
            url = app.url_map.bind("localhost").build(rule.endpoint, dict(zip(names, combo,
                                                                               strict=True)))
            methods = rule.methods - {"HEAD", "OPTIONS"}
            if "GET" in methods:
                response = client.get(url)
                tried += 1
                body = text(response) if response.status_code == 200 else ""
                leaks += [(url, s) for s in secrets if s in body]
            if "POST" in methods and rule.arguments and rule.endpoint not in SKIP_POST:
                response = client.post(url, data={"csrf_token": token, "outcome": "closed",
                                                  "body": "hijack", "session_id":
                                                  str(objects["session"].id)})
                tried += 1
                body = text(response) if response.status_code == 200 else ""
                leaks += [(url, s) for s in secrets if s in body]
    assert tried > 80
    assert leaks == []
    db.session.expire_all()
    assert _state(social_worker.id) == before  # nothing of anyone's was changed either
    assert client.get("/reports/").status_code == 200  # still signed in: the walk was real
