"""Post/Redirect/Get everywhere: every form's successful POST answers 303 to a GET page, so
Back and Refresh never show the browser's "Confirm Form Resubmission" page.

Every POST route of the browser app is walked with a submission that succeeds; a route
without a case here fails ``test_every_post_route_is_walked``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pyotp
import pytest
from flask.testing import FlaskClient

from app.accounts import recovery
from app.booking import sms_links
from app.booking.models import Booking
from app.extensions import db, limiter
from tests.booking_helpers import make_session
from tests.helpers import PASSWORD, csrf_token, text
from tests.integration.test_phone_codes import last_code
from tests.security.matrix import API_PREFIX
from tests.security.test_fuzz_forms import FORMS, _prepare
from tests.security.world import MARKERS, World

Extra = Callable[[FlaskClient, World], dict[str, str]]


@dataclass(frozen=True)
class Case:
    """Who posts where, with which fields; ``runtime`` adds values only known at run time."""

    caller: str
    url: str
    fields: dict[str, str] = field(default_factory=dict)
    token_from: str = "/screening/contact"
    runtime: Extra | None = None


def fuzz(name: str, **overrides: object) -> Case:
    """A form of the fuzz table, whose fields are already a valid submission."""
    form = FORMS[name]
    values = {"caller": form.caller, "url": form.url, "fields": form.fields,
              "token_from": form.token_from, **overrides}
    return Case(**values)  # type: ignore[arg-type]


def _page_secret(url: str) -> Extra:
    """A current code of the authenticator key shown on ``url`` (first set-up, a new phone)."""
    def extra(client: FlaskClient, _world: World) -> dict[str, str]:
        page = text(client.get(url))
        secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
        return {"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(page)}
    return extra


def _totp(client: FlaskClient, world: World) -> dict[str, str]:
    return {"code": pyotp.TOTP(world.people["counsellor"].totp_secret).now()}


def _sms(client: FlaskClient, _world: World) -> dict[str, str]:
    return {"code": last_code("+8613512345678")}


def _recovery(client: FlaskClient, world: World) -> dict[str, str]:
    code = recovery.issue_code(world.people["counsellor"], MARKERS["email"], "in_person")
    return {"login": MARKERS["email"], "code": code}


def _sms_link(action: str) -> Extra:
    def extra(client: FlaskClient, world: World) -> dict[str, str]:
        booking = db.session.query(Booking).filter_by(uid=world.ids["booking"]).one()
        link = sms_links.issue(booking)
        db.session.commit()
        return {"__url__": link.rsplit("/s/", 1)[1].join(("/s/", f"/{action}"))}
    return extra


def _new_session(client: FlaskClient, world: World) -> dict[str, str]:
    from app.booking.models import Centre, Service

    centre = db.session.get(Centre, world.ids["centre"])
    service = db.session.get(Service, world.ids["service"])
    later = make_session(centre, service, world.people["counsellor"], starts_in=timedelta(days=6))
    return {"session": str(later.id)}


def _event_about_owner(client: FlaskClient, world: World) -> dict[str, str]:
    from sqlalchemy import select

    from app.audit.models import AuditEvent

    seq = db.session.scalar(select(AuditEvent.seq).where(
        AuditEvent.target == f"users:{world.people['owner'].uid}").order_by(AuditEvent.seq))
    return {"__url__": f"/admin/audit/{seq}/reveal"}


CASES: dict[str, Case] = {
    # -- accounts ------------------------------------------------------------------------
    "/account/login": Case("anon", "/account/login", {"login": MARKERS["email"],
                                                      "password": PASSWORD}),
    "/account/logout": Case("owner", "/account/logout"),
    "/account/register": fuzz("register"),
    "/account/forgot": Case("anon", "/account/forgot", {"login": MARKERS["email"]}),
    "/account/register/phone": fuzz("sms code for sign-up"),
    "/account/register/phone/verify": fuzz("sms sign-up", runtime=_sms),
    "/account/login/sms": fuzz("sms code for sign-in"),
    "/account/forgot/sms": fuzz("sms code for reset"),
    "/account/mfa": fuzz("mfa", runtime=_totp),
    "/account/mfa/setup": fuzz("mfa setup", runtime=_page_secret("/account/mfa/setup")),
    "/account/reset": fuzz("reset"),
    "/account/password": fuzz("password", fields={
        "current": PASSWORD, "password": "a new calm password",
        "confirm": "a new calm password"}),
    "/account/confirm": Case("owner", "/account/confirm", {"password": PASSWORD, "code": ""}),
    "/account/contact": fuzz("contact details"),
    "/account/notifications": fuzz("message settings"),
    "/account/security/authenticator": Case(
        "counsellor", "/account/security/authenticator",
        runtime=_page_secret("/account/security/authenticator")),
    "/account/security/recovery-codes": Case("counsellor", "/account/security/recovery-codes"),
    "/account/staff/recovery": Case("counsellor", "/account/staff/recovery", {
        "login": MARKERS["email"], "method": "in_person", "checked": "y"},
        token_from="/account/staff/recovery"),
    "/account/recover": Case("anon", "/account/recover", runtime=_recovery,
                             token_from="/account/recover"),
    "/account/data/consents/<int:consent_id>/withdraw": Case(
        "owner", "/account/data/consents/{consent}/withdraw"),
    "/account/data/delete": Case("owner", "/account/data/delete", {"password": PASSWORD,
                                                                   "confirm": "y"}),
    # -- screening and the safety path -------------------------------------------------
    "/screening/<code>": fuzz("anonymous questionnaire", fields={
        **FORMS["anonymous questionnaire"].fields, "x_difficulty": "1"}),
    "/screening/consent": fuzz("consent"),
    "/screening/profile": fuzz("profile"),
    "/screening/retrieve": Case("anon", "/screening/retrieve", {"code": "{anonymous_code}"}),
    "/screening/contact": fuzz("contact"),
    "/screening/results/<uid>/share": fuzz("share"),
    "/screening/results/<uid>/remind": fuzz("reminder"),
    "/screening/reminders/<uid>/cancel": Case("owner", "/screening/reminders/{reminder}/cancel"),
    "/screening/safety-contact": fuzz("safety consent"),
    "/screening/results/<uid>/safety-contact": fuzz("safety consent on a result"),
    "/screening/results/<uid>/followup": fuzz("follow-up"),
    "/screening/followup": fuzz("anonymous follow-up"),
    "/screening/safety-plan": fuzz("safety plan"),
    "/screening/safety-plan/share": fuzz("safety plan sharing"),
    "/counsellor/risks/<uid>": fuzz("risk step", fields={"kind": "reached",
                                                         "note": "Called back."}),
    # -- booking ----------------------------------------------------------------------------
    "/booking/sessions/<int:session_id>/book": Case("other_worker",
                                                    "/booking/sessions/{session}/book"),
    "/booking/sessions/<int:session_id>/waitlist": Case(
        "other_worker", "/booking/sessions/{full_session}/waitlist"),
    "/bookings/<uid>/cancel": Case("owner", "/bookings/{booking}/cancel"),
    "/bookings/<uid>/reschedule": fuzz("reschedule", runtime=_new_session),
    "/bookings/handovers/<uid>/<answer>": fuzz("handover answer"),
    "/bookings/waitlist/<uid>/accept": Case("owner", "/bookings/waitlist/{entry}/accept"),
    "/bookings/waitlist/<uid>/leave": Case("owner", "/bookings/waitlist/{entry}/leave"),
    "/s/<code>/confirm": Case("anon", "", runtime=_sms_link("confirm")),
    "/s/<code>/cancel": Case("anon", "", runtime=_sms_link("cancel")),
    # -- counselling ----------------------------------------------------------------------
    "/counselling/bookings/<uid>/<action>": Case("counsellor",
                                                 "/counselling/bookings/{booking}/confirm"),
    "/counselling/bookings/<uid>/cancel": Case("counsellor",
                                               "/counselling/bookings/{booking}/cancel"),
    "/counselling/bookings/<uid>/notes": fuzz("note"),
    "/counselling/bookings/<uid>/handover": fuzz("handover"),
    "/counselling/bookings/<uid>/measures": fuzz("check-in measures"),
    "/counselling/sessions/<int:session_id>/cancel": Case(
        "counsellor", "/counselling/sessions/{full_session}/cancel"),
    "/counselling/availability": fuzz("availability"),
    "/counselling/availability/extra": fuzz("extra hours"),
    "/counselling/availability/leave": fuzz("leave"),
    "/counselling/availability/<int:rule_id>/remove": Case(
        "counsellor", "/counselling/availability/{rule}/remove"),
    # -- administration -------------------------------------------------------------------
    "/admin/staff/new": fuzz("staff"),
    "/admin/staff/<uid>/edit": fuzz("staff edit"),
    "/admin/staff/<uid>/lock": Case("admin", "/admin/staff/{staff}/lock"),
    "/admin/staff/<uid>/sessions/end": Case("admin", "/admin/staff/{staff}/sessions/end"),
    "/admin/staff/<uid>/authenticator/reset": Case(
        "admin", "/admin/staff/{staff}/authenticator/reset"),
    "/admin/centres/new": fuzz("centre"),
    "/admin/centres/<int:centre_id>": fuzz("centre edit"),
    "/admin/services/new": fuzz("service"),
    "/admin/services/<int:service_id>": fuzz("service edit"),
    "/admin/sessions/new": fuzz("schedule"),
    "/admin/audit/<int:seq>/reveal": fuzz("audit reveal", runtime=_event_about_owner),
    "/admin/audit/verify": Case("admin", "/admin/audit/verify"),
    "/admin/staff/import": fuzz("staff import"),
    "/admin/closures": fuzz("closure"),
    "/admin/closures/<int:closure_id>": fuzz("closure edit"),
    "/admin/closures/<int:closure_id>/remove": Case("admin",
                                                    "/admin/closures/{far_closure}/remove"),
    "/admin/closures/calendar": fuzz("holiday calendar"),
    "/admin/rooms": fuzz("room"),
    "/admin/events/new": fuzz("event"),
    "/admin/event-requests/<uid>/accept": fuzz("event request accept"),
    "/admin/event-requests/<uid>/decline": fuzz("event request decline"),
    "/events/request": fuzz("event request"),
    # -- events ---------------------------------------------------------------------------
    "/events/<uid>/register": Case("other_worker", "/events/{event}/register"),
    "/events/<uid>/cancel": Case("owner", "/events/{event}/cancel"),
    "/events/<uid>/attendance/<booking_uid>": Case(
        "admin", "/events/{event}/attendance/{event_booking}"),
    "/events/check-in/<token>": Case("owner", "/events/check-in/{check_in_token}"),
    "/events/sessions/<int:session_id>/attendance/<booking_uid>": Case(
        "facilitator", "/events/sessions/{led_session}/attendance/{led_booking}"),
    # -- choosing a counsellor, remote sessions, feedback --------------------------------
    "/counsellors/my-profile": fuzz("counsellor profile"),
    "/counselling/sessions/<int:session_id>/meeting-link": fuzz("meeting link"),
    "/bookings/<uid>/feedback": fuzz("feedback"),
    # -- courses of care: consent, the questionnaires before a session, discharge ----------
    "/courses/<uid>/consent": Case("owner", "/courses/{course}/consent", {"choice": "give"}),
    "/courses/sessions/<uid>": Case("owner", "/courses/sessions/{booking}", {
        **{f"phq9_q{n}": "0" for n in range(1, 10)}, **{f"gad7_q{n}": "1" for n in range(1, 8)}}),
    "/courses/<uid>/experience": Case("owner", "/courses/{course}/experience",
                                      {"helped": "4", "recommend": "yes"}),
    "/counselling/courses/<uid>/discharge": Case("counsellor",
                                                 "/counselling/courses/{course}/discharge"),
    "/admin/profiles/<uid>/approve": Case("admin", "/admin/profiles/{pending_profile}/approve"),
    "/admin/profiles/<uid>/send-back": fuzz("profile send back"),
    # -- the self-help library ------------------------------------------------------------
    "/library/staff/new": fuzz("library new item"),
    "/library/staff/versions/<int:version_id>/edit": fuzz("library edit draft"),
    "/library/staff/versions/<int:version_id>/submit": Case(
        "counsellor", "/library/staff/versions/{library_draft}/submit"),
    # Not in review yet: refused with a message, still a redirect.
    "/library/staff/versions/<int:version_id>/approve": Case(
        "far_counsellor", "/library/staff/versions/{library_draft}/approve"),
    "/library/staff/versions/<int:version_id>/send-back": Case(
        "far_counsellor", "/library/staff/versions/{library_draft}/send-back"),
    "/library/staff/items/<uid>/revise": Case(
        "counsellor", "/library/staff/items/{library_item}/revise"),
}

# A POST that answers with a file, not a page: the browser stays where it was, so there is
# no page to go Back or Refresh to.
NOT_A_PAGE = {"/account/data/download"}


# Proven by a test that needs what this world lacks (a worker found by an SMS code for
# their own number): each named test posts the valid form and asserts the 303.
PROVEN_ELSEWHERE = {
    "/account/login/sms/verify":
        ("tests/integration/test_phone_pages.py", "test_worker_signs_in_with_a_code"),
    "/account/forgot/sms/verify":
        ("tests/integration/test_phone_pages.py", "test_forgotten_password_reset_by_code"),
}


def post_rules(app) -> set[str]:
    return {rule.rule for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and not rule.rule.startswith(API_PREFIX)}


def test_every_post_route_is_walked(app):
    walked = set(CASES) | NOT_A_PAGE | set(PROVEN_ELSEWHERE)
    assert sorted(post_rules(app) - walked) == []
    assert sorted(walked - post_rules(app)) == []


@pytest.mark.parametrize("rule", sorted(PROVEN_ELSEWHERE))
def test_routes_proven_elsewhere_are_proven(rule):
    """The named test exists, posts to the route and expects a 303."""
    path, name = PROVEN_ELSEWHERE[rule]
    source = (Path(__file__).resolve().parents[2] / path).read_text()
    body = source.split(f"def {name}(", 1)[1].split("\ndef ", 1)[0]
    assert rule in body
    assert "status_code == 303" in body


@pytest.fixture
def no_rate_limits():
    limiter.enabled = False
    yield
    limiter.enabled = True


@pytest.mark.parametrize("rule", sorted(CASES))
def test_successful_post_answers_303_to_a_page(rule, world, caller_client, no_rate_limits):
    case = CASES[rule]
    ids = {**world.ids, "counsellor_id": str(world.people["counsellor"].id)}
    client, _token = caller_client(case.caller if case.caller in (
        "anon", "owner", "other_worker", "counsellor", "far_counsellor", "social_worker",
        "admin", "facilitator") else "anon")
    _prepare(case.caller, client, world)
    data = {k: v.format(**ids) for k, v in case.fields.items()}
    if "csrf_token" not in data:
        data["csrf_token"] = csrf_token(text(client.get(case.token_from)))
    if case.runtime:
        data.update(case.runtime(client, world))
    url = data.pop("__url__", None) or case.url.format(**ids)
    response = client.post(url, data=data)
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(response).split('id="main"')[-1]))
    assert response.status_code == 303, (response.status_code, shown[:1500])
    # ... to a page that opens with GET, as Back and Refresh will open it.
    landing = client.get(response.headers["Location"])
    assert landing.status_code in (200, 302), landing.status_code
