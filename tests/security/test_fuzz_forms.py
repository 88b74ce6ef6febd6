"""Fuzz every form with hypothesis: hostile, huge, odd and mistyped values never cause a 500,
are never reflected unescaped, and a rejected submission stores nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts import services as accounts
from app.accounts.models import PasswordReset, Role
from app.accounts.password_reset import _hash
from app.extensions import db, limiter
from app.types import utcnow
from tests.helpers import PASSWORD, csrf_token
from tests.security.matrix import CALLERS, STATE_CHANGING, TABLE
from tests.security.snapshot import READ_BOOKKEEPING, changed, snapshot

settings.register_profile("breakin", max_examples=20, deadline=None, derandomize=False,
                          suppress_health_check=[HealthCheck.too_slow])

SCRIPT = "<script>alert(1)</script>"
HTML = ('"><img src=x onerror=alert(1)>', "<svg/onload=alert('x')>", SCRIPT,
        "</textarea><script>alert(2)</script>", "<b onmouseover=alert(3)>hi</b>")
SQL = ("' OR 1=1--", "1; DROP TABLE users;--", "\" OR \"\"=\"", "admin'--", "1 UNION SELECT 1")
ODD = ("", " ", "\x00", "a\x00b", "\u202eevil\u202c", "zero\u200bwidth", "😀🔥" * 10,
       "１３８００１３８０００", "-1", "0", "99999999999999999999", "1e309", "NaN", "3.5",
       "2026-02-30", "0001-01-01", "9999-12-31", "0001-01-01T00:00", "25:61",
       "..%2f..%2fetc/passwd", "{{7*7}}", "%(x)s", "\r\n\tx")


def values(good: str) -> st.SearchStrategy:
    """Values for one field: the valid one sometimes (to reach the service), else trouble."""
    trouble = st.one_of(
        st.sampled_from(HTML + SQL + ODD),
        st.text(max_size=40),
        st.text(alphabet=st.characters(codec="utf-8"), min_size=300, max_size=3000),
        st.just("x" * 100_000),
        st.integers().map(str),
    )
    # A list of values is what a form sends when a field name is repeated.
    return st.one_of(st.just(good), trouble, st.lists(st.one_of(st.just(good), trouble),
                                                      min_size=2, max_size=3))


def json_values(good: str) -> st.SearchStrategy:
    """For JSON: the same, plus values of the wrong JSON type."""
    return st.one_of(values(good), st.integers(), st.floats(allow_nan=False), st.booleans(),
                     st.none(), st.dictionaries(st.text(max_size=5), st.text(max_size=5),
                                                max_size=3))


@dataclass(frozen=True)
class Form:
    """A form to fuzz: who fills it, where, and a valid value for each field."""

    caller: str
    url: str
    fields: dict[str, str]
    method: str = "POST"
    # What the page answers when it keeps the submission: a redirect, unless said otherwise.
    # Some forms answer every submission with a redirect and a message: no check on those.
    saved_text: str | None = None
    token_from: str = "/screening/contact"
    # JSON endpoints: the values go as a JSON object (no CSRF token; the API authenticates
    # with its own header, e.g. ``{"Authorization": "Bearer ..."}``).
    json: bool = False
    headers: tuple[tuple[str, str], ...] = ()

    def accepted(self, status: int, body: str) -> bool:
        """Whether the answer says the submission was kept (then rows may change)."""
        if self.saved_text is not None and self.saved_text in body:
            return True
        if self.json:
            return status < 300
        return status == 303 or (self.method == "GET" and status == 200)


FORMS = {
    "library search": Form("anon", "/library", {"q": "睡眠", "kind": "article", "tag": "sleep"},
                           method="GET"),
    "library new item": Form("counsellor", "/library/staff/new", {
        "kind": "article", "lang": "zh", "title": "新文章", "summary": "一句话", "body": "正文",
        "transcript": "", "tags": "sleep"}, token_from="/library/staff/new"),
    "library edit draft": Form("counsellor", "/library/staff/versions/{library_draft}/edit", {
        "title": "改过的标题", "summary": "", "body": "## 小标题\n\n正文", "transcript": "",
        "tags": "family"}, token_from="/library/staff/new"),
    "login": Form("anon", "/account/login", {"login": "a@example.com", "password": PASSWORD}),
    "register": Form("anon", "/account/register", {
        "login": "new.person@example.com", "name": "新人", "password": PASSWORD,
        "confirm": PASSWORD, "accept_privacy": "y"}),
    "forgot": Form("anon", "/account/forgot", {"login": "a@example.com"}),
    "sms code for sign-up": Form("anon", "/account/register/phone", {"phone": "13512345678"},
                                 token_from="/account/register/phone"),
    "sms code for sign-in": Form("anon", "/account/login/sms", {"phone": "13800138000"},
                                 token_from="/account/login/sms"),
    "sms code for reset": Form("anon", "/account/forgot/sms", {"phone": "13800138000"},
                               token_from="/account/forgot/sms"),
    "staff recovery code": Form("counsellor", "/account/staff/recovery", {
        "login": "13800138000", "method": "in_person", "checked": "y"},
        token_from="/account/staff/recovery"),
    "recover": Form("anon", "/account/recover", {"login": "13800138000", "code": "0123456789"},
                    token_from="/account/recover"),
    "message settings": Form("owner", "/account/notifications", {
        "notify_sms": "y", "notify_email": "y", "reminders_wanted": "y"},
        token_from="/account/notifications"),
    "sms sign-up": Form("sms_register_pending", "/account/register/phone/verify", {
        "code": "123456", "name": "新人", "password": PASSWORD, "confirm": PASSWORD,
        "accept_privacy": "y"}, token_from="/account/register/phone/verify"),
    "sms sign-in": Form("sms_login_pending", "/account/login/sms/verify", {"code": "123456"},
                        token_from="/account/login/sms/verify"),
    "sms reset": Form("sms_reset_pending", "/account/forgot/sms/verify", {"code": "123456"},
                      token_from="/account/forgot/sms/verify"),
    "mfa": Form("mfa_pending", "/account/mfa", {"code": "123456"}, token_from="/account/mfa"),
    "mfa setup": Form("mfa_setup_pending", "/account/mfa/setup", {"code": "123456"},
                      token_from="/account/mfa/setup"),
    "reset": Form("reset_pending", "/account/reset", {
        "password": "a new calm password", "confirm": "a new calm password"}),
    "password": Form("owner", "/account/password", {
        "current": "wrong password here", "password": "a new calm password",
        "confirm": "a new calm password"}),
    "confirm identity": Form("owner", "/account/confirm", {"password": "not it", "code": ""}),
    "contact details": Form("owner", "/account/contact", {
        "email": "moved@example.com", "phone": "13900000001"}),
    "new authenticator": Form("owner", "/account/security/authenticator", {"code": "123456"},
                              token_from="/account/security/authenticator"),
    "delete account": Form("owner", "/account/data/delete", {"password": "not it",
                                                              "confirm": "y"}),
    "consent": Form("other_worker", "/screening/consent", {"choice": "agree"}),
    "questionnaire": Form("owner", "/screening/phq9", {
        **{f"q{n}": "1" for n in range(1, 10)}, "x_difficulty": "1"}),
    "anonymous questionnaire": Form("anon", "/screening/gad7", {
        **{f"q{n}": "1" for n in range(1, 8)}}),
    "profile": Form("owner", "/screening/profile", {
        "age_band": "35_44", "sector": "manufacturing", "centre": "{centre}"}),
    "retrieve": Form("anon", "/screening/retrieve", {"code": "ABCD-EFGH-JKLM"}),
    "contact": Form("owner", "/screening/contact", {
        "centre": "{centre}", "phone": "13900000000", "use_account": "y",
        "best_time": "any", "result": "{private_result}"}),
    "share": Form("owner", "/screening/results/{private_result}/share", {"shared": "1"}),
    "reminder": Form("owner", "/screening/results/{private_result}/remind", {"weeks": "2"}),
    "safety consent": Form("owner", "/screening/safety-contact", {"choice": "agree"}),
    "safety consent on a result": Form(
        "owner", "/screening/results/{crisis_result}/safety-contact", {"centre": "{centre}"}),
    "follow-up": Form("owner", "/screening/results/{crisis_result}/followup", {
        "c_wish_dead": "1", "c_thoughts": "0", "c_behaviour": "0", "c_safe_now": "1"}),
    "anonymous follow-up": Form("anon", "/screening/followup", {"c_safe_now": "0"}),
    "safety plan": Form("owner", "/screening/safety-plan", {
        "warning_signs": "Not sleeping", "coping": "Walk", "distraction": "Park",
        "people": "Sister", "professionals": "12356", "environment": "Pills to sister"}),
    "safety plan sharing": Form("owner", "/screening/safety-plan/share", {"shared": "1"}),
    "risk step": Form("counsellor", "/counsellor/risks/{risk}", {
        "kind": "attempted", "result": "no_answer", "next_try": "2030-01-07T10:00",
        "referred_to": "hospital", "outcome": "supported", "note": "Called back."}),
    "reschedule": Form("owner", "/bookings/{booking}/reschedule", {"session": "{session}"}),
    "feedback": Form("owner", "/bookings/{booking}/feedback", {"rating": "5",
                                                               "recommend": "yes"}),
    "handover answer": Form("owner", "/bookings/handovers/{handover}/agree", {}),
    # -- courses of care (issue 17) --------------------------------------------------------
    "course consent": Form("owner", "/courses/{course}/consent",
                           {"choice": "give", "next": "{booking}"}),
    "course measures": Form("owner", "/courses/sessions/{booking}", {
        **{f"phq9_q{n}": "0" for n in range(1, 10)}, **{f"gad7_q{n}": "1" for n in range(1, 8)}}),
    "course experience": Form("owner", "/courses/{course}/experience",
                              {"helped": "4", "recommend": "yes", "share": "y"}),
    "check-in measures": Form("counsellor", "/counselling/bookings/{booking}/measures", {
        **{f"phq9_q{n}": "0" for n in range(1, 10)}, **{f"gad7_q{n}": "1" for n in range(1, 8)}}),
    "note": Form("counsellor", "/counselling/bookings/{booking}/notes", {"body": "Went well."}),
    "handover": Form("counsellor", "/counselling/bookings/{booking}/handover", {"to": "1"}),
    "availability": Form("counsellor", "/counselling/availability", {
        "centre": "{centre}", "service": "{service}", "weekday": "1", "start": "09:00",
        "end": "11:00", "valid_from": "2030-01-07", "room": "201"}),
    "extra hours": Form("counsellor", "/counselling/availability/extra", {
        "extra-centre": "{centre}", "extra-service": "{service}", "extra-day": "2030-01-08",
        "extra-start": "09:00", "extra-end": "10:00"}),
    "leave": Form("counsellor", "/counselling/availability/leave", {
        "leave-first_day": "2030-02-01", "leave-last_day": "2030-02-03"}),
    "staff": Form("admin", "/admin/staff/new", {
        "email": "new.staff@example.com", "phone": "", "name": "新同事",
        "assignments": "counsellor:{centre}", "password": "steady hands on the wheel"}),
    "staff edit": Form("admin", "/admin/staff/{staff}/edit", {
        "name": "林老师", "email": "counsellor@example.com", "phone": "13900139000",
        "assignments": "counsellor:{centre}"}),
    "staff edit by a county admin": Form("county_admin", "/admin/staff/{far_staff}/edit", {
        "name": "远老师", "email": "far_counsellor@example.com", "phone": "",
        "assignments": "counsellor:{far_centre}"}),
    "staff import": Form("admin", "/admin/staff/import", {
        "csv_text": "name,phone,email,roles,centres\n新同事,13900139001,imp@example.com,"
                    "counsellor;social_worker,far", "confirm": "y"}),
    "centre": Form("admin", "/admin/centres/new", {
        "code": "newc", "parent": "{centre}", "name_zh": "新中心", "name_en": "New centre",
        "region_zh": "区", "region_en": "Region", "address_zh": "地址", "address_en": "Addr",
        "phone": "0595-1", "hours_zh": "9-17", "hours_en": "9-17", "directions_zh": "",
        "directions_en": "", "active": "y"}),
    "centre edit": Form("admin", "/admin/centres/{far_centre}", {
        "code": "far", "parent": "{centre}", "name_zh": "远中心", "name_en": "Far centre",
        "region_zh": "区", "region_en": "Region", "address_zh": "地址", "address_en": "Addr",
        "phone": "0595-1", "hours_zh": "9-17", "hours_en": "9-17", "active": "y"}),
    "service": Form("admin", "/admin/services/new", {
        "code": "news", "kind": "group", "name_zh": "新服务", "name_en": "New service",
        "duration_minutes": "60", "capacity": "5", "cancellation_window_hours": "24",
        "min_notice_hours": "2", "horizon_days": "30", "buffer_minutes": "10", "active": "y"}),
    "service edit": Form("admin", "/admin/services/{service}", {
        "code": "counselling", "kind": "individual", "name_zh": "咨询", "name_en": "Talk",
        "duration_minutes": "50", "capacity": "1", "cancellation_window_hours": "24",
        "min_notice_hours": "2", "horizon_days": "30", "buffer_minutes": "10", "active": "y"}),
    "counsellor profile": Form("counsellor", "/counsellors/my-profile", {
        "display_name": "林老师", "gender": "female", "specialties": "sleep",
        "languages": "minnan", "qualifications": "registered", "register_number": "X-1",
        "intro_zh": "擅长睡眠问题。", "intro_en": "Sleep."}),
    "meeting link": Form("counsellor", "/counselling/sessions/{session}/meeting-link", {
        "link": "https://meeting.tencent.com/dm/AbC"}),
    "profile send back": Form("admin", "/admin/profiles/{pending_profile}/send-back", {
        "note": "请补充英文简介。"}),
    "counsellor filters": Form("anon", "/counsellors", {
        "centre": "hub", "specialty": "sleep", "language": "minnan", "gender": "female",
        "mode": "video"}, method="GET"),
    "api counsellors": Form("anon", "/api/v1/counsellors", {
        "centre": "{centre}", "specialty": "sleep", "language": "minnan", "gender": "female",
        "mode": "video"}, method="GET"),
    "schedule": Form("admin", "/admin/sessions/new", {
        "centre": "{centre}", "service": "{service}", "counsellor": "{counsellor_id}",
        "day": "2030-01-09", "start": "10:00", "room": "1", "capacity": "1"}),
    "event request": Form("other_worker", "/events/request", {
        "centre": "{far_centre}", "service": "{group_service}", "enterprise": "某某机械厂工会",
        "site": "工业路8号", "phone": "0595-88886666", "audience_size": "25",
        "first_choice": "{in_three_weeks}", "second_choice": "", "note": "下午为宜"},
        token_from="/events/request"),
    "event request accept": Form("admin", "/admin/event-requests/{event_request}/accept", {
        "kind": "group", "title_zh": "制衣厂午间减压", "title_en": "",
        "leader": "{far_counsellor_id}",
        "speaker": "", "day": "2030-01-10", "start": "14:00", "capacity": "30",
        "closes_hours_before": "2"}),
    "event request decline": Form("admin", "/admin/event-requests/{event_request}/decline", {
        "reason": "这个月中心的团辅老师都已排满"}),
    "closure": Form("admin", "/admin/closures", {
        "centre": "{centre}", "first_day": "2030-01-09", "last_day": "2030-01-10",
        "reason_zh": "台风", "reason_en": "Typhoon"}),
    "closure edit": Form("admin", "/admin/closures/{far_closure}", {
        "first_day": "2030-01-09", "last_day": "2030-01-10", "reason_zh": "台风",
        "reason_en": "Typhoon"}),
    "holiday calendar": Form("admin", "/admin/closures/calendar", {
        "calendar": "cn-2026.yaml", "centre": "{far_centre}"}),
    "room": Form("admin", "/admin/rooms", {
        "centre": "{centre}", "name_zh": "团辅室", "name_en": "Group room", "capacity": "12",
        "accessible": "y"}),
    "event": Form("admin", "/admin/events/new", {
        "kind": "lecture", "title_zh": "睡眠讲座", "title_en": "Sleep talk",
        "description_zh": "", "description_en": "", "speaker": "陈老师", "audience_zh": "",
        "audience_en": "", "centre": "{centre}", "service": "{service}",
        "leader": "{counsellor_id}", "place": "centre", "room_id": "0", "site_zh": "",
        "site_en": "", "online_url": "", "day": "2030-01-09", "start": "14:00",
        "capacity": "30", "opens_on": "2029-12-01", "closes_hours_before": "2",
        "tags": "睡眠, 压力"}),
    # -- the JSON API, with a bearer token of worker A's ("api_owner"), no cookie ----------
    "api token": Form("anon", "/api/v1/auth/token", {"login": "a@example.com",
                                                     "password": PASSWORD}, json=True),
    "api token by code": Form("anon", "/api/v1/auth/token", {"phone": "13800138000",
                                                             "code": "123456"}, json=True),
    "api sms code": Form("anon", "/api/v1/auth/sms-code", {"phone": "13800138000"},
                         json=True),
    "api screening": Form("api_owner", "/api/v1/screenings", {
        "instrument": "phq9", "answers": "[0, 1, 0, 0, 1, 0, 0, 0, 0]", "anonymous": "true"},
        json=True),
    "api retrieve": Form("anon", "/api/v1/screenings/retrieve", {"code": "ABCD-EFGH-JKLM"},
                         json=True),
    "api consent": Form("api_owner", "/api/v1/consents/health-data", {"text_version": "1"},
                        json=True),
    "api safety consent": Form("api_owner", "/api/v1/consents/safety-contact", {
        "text_version": "2026-11-1", "given": "true"}, json=True),
    "api follow-up": Form("api_owner", "/api/v1/screenings/{crisis_result}/followup",
                          {"answers": "{{}}"}, json=True),
    "api anonymous follow-up": Form("anon", "/api/v1/screenings/retrieve/followup", {
        "code": "ABCD-EFGH-JKLM", "answers": "{{}}"}, json=True),
    "api contact request": Form("api_owner", "/api/v1/screenings/{private_result}/contact-request",
                                {"centre_id": "{centre}", "phone": "13912345678",
                                 "best_time": "any"}, json=True),
    "api safety plan": Form("api_owner", "/api/v1/safety-plan", {
        "steps": "{{}}", "shared": "true"}, method="PUT", json=True),
    "api notifications": Form("api_owner", "/api/v1/me/notifications", {
        "sms": "true", "email": "false", "reminders": "true"}, method="PUT", json=True),
    "api booking": Form("api_owner", "/api/v1/bookings", {"session_id": "{session}"},
                        json=True),
    "api waitlist": Form("api_owner", "/api/v1/waitlist", {"session_id": "{full_session}"},
                         json=True),
    "report filters": Form("social_worker", "/reports/", {
        "period": "2026-Q1", "place": "network", "instrument": "phq9",
        "sector": "manufacturing", "age_band": "35_44"}, method="GET"),
    "audit reveal": Form("admin", "/admin/audit/{audit_seq}/reveal", {
        "reason": "A complaint about this event needs an answer"}),
    "audit search": Form("admin", "/admin/audit", {
        "action": "screening", "target": "users", "actor": "abc", "since": "2026-01-01",
        "until": "2026-12-31"}, method="GET"),
}


# POST routes that take nothing but their CSRF token (a button): nothing to fuzz.
FIELDLESS = {
    "/counselling/courses/<uid>/discharge",
    "/library/staff/versions/<int:version_id>/submit",
    "/library/staff/versions/<int:version_id>/approve",
    "/library/staff/versions/<int:version_id>/send-back", "/library/staff/items/<uid>/revise",
    "/account/logout", "/account/data/download", "/s/<code>/confirm", "/s/<code>/cancel",
    "/account/data/consents/<int:consent_id>/withdraw",
    "/booking/sessions/<int:session_id>/book", "/booking/sessions/<int:session_id>/waitlist",
    "/bookings/<uid>/cancel", "/bookings/waitlist/<uid>/accept",
    "/bookings/waitlist/<uid>/leave", "/counselling/sessions/<int:session_id>/cancel",
    "/counselling/bookings/<uid>/<action>", "/counselling/bookings/<uid>/cancel",
    "/counselling/availability/<int:rule_id>/remove",
    "/admin/audit/verify", "/admin/profiles/<uid>/approve", "/admin/staff/<uid>/lock",
    "/admin/staff/<uid>/sessions/end",
    "/admin/staff/<uid>/authenticator/reset",
    "/screening/reminders/<uid>/cancel", "/account/security/recovery-codes",
    "/api/v1/bookings/<int:booking_id>", "/api/v1/waitlist/<int:entry_id>/accept",
    "/api/v1/waitlist/<int:entry_id>", "/api/v1/bookings/<uid:booking_uid>",
    "/api/v1/waitlist/<uid:entry_uid>/accept", "/api/v1/waitlist/<uid:entry_uid>",
    "/events/<uid>/register", "/events/<uid>/cancel", "/events/<uid>/attendance/<booking_uid>",
    "/events/check-in/<token>", "/events/sessions/<int:session_id>/attendance/<booking_uid>",
    "/admin/closures/<int:closure_id>/remove",
}


def test_every_form_is_fuzzed(app, world):
    """A new route that takes input needs a row in FORMS (or, for a bare button, FIELDLESS)."""
    adapter = app.url_map.bind("localhost")
    ids = {**world.ids, "counsellor_id": "1"}
    fuzzed = {adapter.match(f.url.format(**ids).split("?")[0], method=f.method,
                            return_rule=True)[0].rule for f in FORMS.values()}
    posted = {rule for rule, method in TABLE if method in STATE_CHANGING}
    assert sorted(posted - fuzzed - FIELDLESS) == []
    assert sorted(FIELDLESS & fuzzed) == []


def _prepare(caller: str, client, world) -> None:
    """Callers half-way through something: a staff sign-in waiting for its code, a reset link."""
    if caller in ("mfa_pending", "mfa_setup_pending"):
        login = world.login("counsellor")
        if caller == "mfa_setup_pending":
            login = "fresh.staff@example.com"
            accounts.create_staff(email=login, password=PASSWORD, roles=(Role.COUNSELLOR,),
                                  name="新同事")
        page = client.get("/account/login")
        response = client.post("/account/login", data={
            "login": login, "password": PASSWORD,
            "csrf_token": csrf_token(page.get_data(as_text=True))})
        assert response.status_code == 303
    elif caller == "api_owner":  # the JSON API: worker A's token, no cookie
        from app.api import tokens

        token = tokens.issue(world.people["owner"]).token
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    elif caller.startswith("sms_") and caller.endswith("_pending"):
        ask = {"sms_register_pending": "/account/register/phone",
               "sms_login_pending": "/account/login/sms",
               "sms_reset_pending": "/account/forgot/sms"}[caller]
        page = client.get(ask)
        response = client.post(ask, data={"phone": "13512345678",
                                          "csrf_token": csrf_token(page.get_data(as_text=True))})
        assert response.status_code == 303
    elif caller == "reset_pending":
        token = "fuzz-" + "k" * 40
        owner = world.people["owner"]
        db.session.add(PasswordReset(user_id=owner.id, token_hash=_hash(token),
                                     expires_at=utcnow() + timedelta(minutes=30)))
        db.session.commit()
        assert client.get(f"/account/reset/{token}").status_code == 302


@pytest.fixture
def no_rate_limits():
    """Fuzzing sends hundreds of requests: rate limits would hide the forms behind 429s."""
    limiter.enabled = False
    yield
    limiter.enabled = True


def _reflected(submitted: dict, body: str) -> list[str]:
    found = []
    for value in submitted.values():
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, str) and ("<" in one or ">" in one) and len(one) >= 8 \
                    and one in body:
                found.append(one)
    return found


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FORMS))
def test_fuzzed_form_never_breaks(name, world, caller_client, no_rate_limits, app):
    form = FORMS[name]
    ids = {**world.ids, "counsellor_id": str(world.people["counsellor"].id)}
    url = form.url.format(**ids)
    good = {k: v.format(**ids) for k, v in form.fields.items()}
    client, _token = caller_client(form.caller if form.caller in CALLERS else "anon")
    _prepare(form.caller, client, world)
    failures: list[tuple] = []

    strategy = json_values if form.json else values

    @settings(settings.get_profile("breakin"))
    @given(st.fixed_dictionaries({k: strategy(v) for k, v in good.items()}),
           st.sampled_from([None, *good]))
    def attack(submitted: dict, dropped: str | None) -> None:
        submitted = {k: v for k, v in submitted.items() if k != dropped}
        if form.method == "GET":
            before = snapshot(READ_BOOKKEEPING)
            response = client.get(url, query_string=submitted, headers=dict(form.headers))
        elif form.json:
            before = snapshot(READ_BOOKKEEPING)
            response = client.open(url, method=form.method, json=submitted,
                                   headers=dict(form.headers))
        else:  # a fresh token each time, as a browser reloading the form would have
            token = csrf_token(client.get(form.token_from).get_data(as_text=True))
            before = snapshot(READ_BOOKKEEPING)
            response = client.post(url, data={**submitted, "csrf_token": token})
        body = response.get_data(as_text=True)
        status = response.status_code
        if status >= 500:
            failures.append(("5xx", status, submitted))
        if SCRIPT in body or _reflected(submitted, body):
            failures.append(("reflected", _reflected(submitted, body), submitted))
        if name == "register" and status == 303:
            client.delete_cookie("session")  # signed up and in: the next one is a stranger
        if not form.accepted(status, body):
            diff = changed(before, snapshot(READ_BOOKKEEPING))
            if diff:
                failures.append(("stored though rejected", status, diff, submitted))
        assert not failures, failures[-1]

    attack()



DATE = re.compile(r"^\d{4}-\d\d-\d\d")
DATED = sorted(name for name, form in FORMS.items()
               if any(DATE.match(value) for value in form.fields.values()))


def test_some_forms_take_dates():
    assert len(DATED) >= 5, DATED  # the check below must not pass by finding none


@pytest.mark.parametrize("name", DATED)
def test_a_date_at_the_calendar_edge_is_refused_not_a_crash(name, world, caller_client,
                                                            no_rate_limits, app):
    """Year 1 and 9999 pass every format check, then overflowed time-zone arithmetic (a 500)."""
    form = FORMS[name]
    ids = {**world.ids, "counsellor_id": str(world.people["counsellor"].id)}
    url = form.url.format(**ids)
    good = {k: v.format(**ids) for k, v in form.fields.items()}
    client, _token = caller_client(form.caller if form.caller in CALLERS else "anon")
    _prepare(form.caller, client, world)
    for field in [k for k, v in good.items() if DATE.match(v)]:
        for edge in ("0001-01-01", "9999-12-31"):
            value = edge + good[field][10:]  # keep a time part, if the field has one
            submitted = {**good, field: value}
            before = snapshot(READ_BOOKKEEPING)
            if form.method == "GET":
                response = client.get(url, query_string=submitted)
            elif form.json:
                response = client.open(url, method=form.method, json=submitted,
                                       headers=dict(form.headers))
            else:
                token = csrf_token(client.get(form.token_from).get_data(as_text=True))
                response = client.post(url, data={**submitted, "csrf_token": token})
            assert response.status_code < 500, (field, value)
            body = response.get_data(as_text=True)
            assert form.accepted(response.status_code, body) \
                or not changed(before, snapshot(READ_BOOKKEEPING)), (field, value)
