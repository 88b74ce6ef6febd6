"""The access table: every route and method, and what each caller must get back.

A new route fails ``test_every_route_has_a_row`` until it is declared here. Each row gives
the URL (filled from the world: ids of objects that belong to worker A) and the expected
status per caller. Callers:

- ``anon``: not signed in; ``owner``: worker A; ``other_worker``: worker B;
- ``counsellor``: counsellor at A's centre, who runs A's session;
- ``far_counsellor``: counsellor at another centre; ``social_worker``; ``admin``;
- ``facilitator``: a volunteer who leads the event A registered for, and nothing else: no
  screening result, note, safety plan or risk queue.

Roles are held per centre: A's centre is the city hub, ``far`` and ``near`` are county
centres under it. The hub's ``social_worker`` and ``admin`` reach the whole network;
``county_admin`` and ``county_social`` hold their roles at ``far`` (own county, where the
admin rows' objects are), ``other_admin`` and ``other_social`` at ``near`` (other county):
another centre's objects answer them 404, network-wide pages 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

CALLERS = ("anon", "owner", "other_worker", "counsellor", "far_counsellor", "social_worker",
           "admin", "facilitator", "county_admin", "other_admin", "county_social",
           "other_social")
WORKERS = ("owner", "other_worker")
STAFF = ("counsellor", "far_counsellor", "social_worker", "admin", "county_admin",
         "other_admin", "county_social", "other_social")
ADMINS = ("admin", "county_admin", "other_admin")
REPORTERS = ("social_worker", "county_social", "other_social", *ADMINS)
COUNTY_ADMINS = ("county_admin", "other_admin")
LEADERS = ("counsellor", "far_counsellor", "admin", "facilitator")  # may lead events
# Every staff account's API token, the facilitator's included: no worker's records.
STAFF_TOKENS = (*STAFF, "facilitator")
LOGIN = 302  # anonymous callers are sent to sign in


def every(status: int, **overrides: int) -> dict[str, int]:
    """The same status for every caller, except those named."""
    return {c: overrides.get(c, status) for c in CALLERS}


def signed_in(status: int, **overrides: int) -> dict[str, int]:
    """Any signed-in caller gets ``status``; anonymous ones are sent to sign in."""
    return every(status, **{"anon": LOGIN, **overrides})


def only(roles: tuple[str, ...], status: int, **overrides: int) -> dict[str, int]:
    """``roles`` get ``status``, other signed-in callers 403, anonymous ones sign in."""
    base = {c: (status if c in roles else 403) for c in CALLERS}
    return {**base, "anon": LOGIN, **overrides}


workers_only = lambda status, **o: only(WORKERS, status, **o)  # noqa: E731
counsellors_only = lambda status, **o: only(("counsellor", "far_counsellor"), status, **o)  # noqa: E731
admins_only = lambda status, **o: only(ADMINS, status, **o)  # noqa: E731


def network_admins(status: int) -> dict[str, int]:
    """Pages about the whole network (audit log, keys, new centres): the hub's admins only."""
    return admins_only(status, **dict.fromkeys(COUNTY_ADMINS, 403))


def own_county(status: int) -> dict[str, int]:
    """An object of the ``far`` county: its admin and the hub's get ``status``; the other
    county's admin finds nothing."""
    return admins_only(status, other_admin=404)


def api(status: int, **overrides: int) -> dict[str, int]:
    """JSON API with a bearer token: any token holder gets ``status``, no token a 401."""
    return every(status, **{"anon": 401, **overrides})


def api_workers(status: int, **overrides: int) -> dict[str, int]:
    """JSON API for workers' tokens only: staff tokens get 403, no token a 401."""
    return api(status, **{**dict.fromkeys(STAFF_TOKENS, 403), **overrides})


def api_owner(status: int, staff: int = 404) -> dict[str, int]:
    """Worker A's record in the JSON API: everyone else's token finds nothing."""
    return api(404, owner=status, **dict.fromkeys(STAFF_TOKENS, staff))


@dataclass(frozen=True)
class Row:
    """One route and method: its URL (a format string over the world's ids) and the answers."""

    url: str
    expect: dict[str, int]
    # Callers allowed to see A's marker strings in the answer (the owner always may).
    may_see: tuple[str, ...] = ()
    data: dict[str, str] = field(default_factory=dict)
    last: bool = False  # signs the caller out or ends the account: run after the rest


# (rule, method) -> Row. Rules are app.url_map's, so one endpoint with two rules has two rows.
TABLE: dict[tuple[str, str], Row] = {
    # -- public pages ---------------------------------------------------------------------
    ("/", "GET"): Row("/", every(200)),
    # -- self-help library (public reading; counsellors write and review) -------------------
    ("/library", "GET"): Row("/library", every(200)),
    ("/library/<uid>", "GET"): Row("/library/{library_item}", every(200)),
    ("/library/audio/<name>", "GET"): Row("/library/audio/no-such-file.m4a", every(404)),
    ("/library/staff", "GET"): Row("/library/staff", counsellors_only(200)),
    ("/library/staff/new", "GET"): Row("/library/staff/new", counsellors_only(200)),
    ("/library/staff/new", "POST"): Row("/library/staff/new", counsellors_only(200)),
    ("/library/staff/versions/<int:version_id>", "GET"): Row(
        "/library/staff/versions/{library_draft}", counsellors_only(200)),
    ("/library/staff/versions/<int:version_id>/audio", "GET"): Row(
        "/library/staff/versions/{library_draft}/audio", counsellors_only(404)),
    # only the author changes a draft; for anyone else it is not there
    ("/library/staff/versions/<int:version_id>/edit", "GET"): Row(
        "/library/staff/versions/{library_draft}/edit", counsellors_only(404, counsellor=200)),
    ("/library/staff/versions/<int:version_id>/edit", "POST"): Row(
        "/library/staff/versions/{library_draft}/edit", counsellors_only(404, counsellor=200)),
    # refused moves (approving one's own, sending back a draft) also answer with a redirect
    ("/library/staff/versions/<int:version_id>/submit", "POST"): Row(
        "/library/staff/versions/{library_draft}/submit", counsellors_only(302)),
    ("/library/staff/versions/<int:version_id>/approve", "POST"): Row(
        "/library/staff/versions/{library_draft}/approve", counsellors_only(302)),
    ("/library/staff/versions/<int:version_id>/send-back", "POST"): Row(
        "/library/staff/versions/{library_draft}/send-back", counsellors_only(302)),
    ("/library/staff/items/<uid>/revise", "POST"): Row(
        "/library/staff/items/{library_item}/revise", counsellors_only(302)),

    # Choosing a counsellor (issue 17): public profiles; a made-up photo name is 404 for all;
    # counsellors edit their own (a post without a name is shown again); admins approve.
    ("/counsellors", "GET"): Row("/counsellors?specialty=sleep&language=minnan", every(200)),
    ("/counsellors/<uid>", "GET"): Row("/counsellors/{profile}", every(200)),
    ("/counsellors/photos/<name>", "GET"): Row(
        "/counsellors/photos/0123456789abcdef0123456789abcdef.jpg", every(404)),
    ("/counsellors/my-profile", "GET"): Row("/counsellors/my-profile", counsellors_only(200)),
    ("/counsellors/my-profile", "POST"): Row("/counsellors/my-profile", counsellors_only(200)),
    ("/admin/profiles", "GET"): Row("/admin/profiles", admins_only(200)),
    ("/admin/profiles/<uid>/approve", "POST"): Row(
        "/admin/profiles/0123456789abcdef0123456789abcdef/approve", admins_only(404)),
    ("/admin/profiles/<uid>/send-back", "POST"): Row(
        "/admin/profiles/{pending_profile}/send-back",
        admins_only(302, other_admin=404)),  # the waiting counsellor works in far
    ("/healthz", "GET"): Row("/healthz", every(200)),
    # The style guide exists only in development; the test config is not development.
    ("/styleguide", "GET"): Row("/styleguide", every(404)),
    # The worker's own page ("Me") shows their latest results: theirs only.
    ("/me", "GET"): Row("/me", workers_only(200)),
    ("/static/<path:filename>", "GET"): Row("/static/css/app.css", every(200)),
    ("/account/privacy", "GET"): Row("/account/privacy", every(200)),
    ("/account/login", "GET"): Row("/account/login", signed_in(302, anon=200)),
    ("/account/login", "POST"): Row("/account/login", signed_in(302, anon=200)),
    ("/account/register", "GET"): Row("/account/register", signed_in(302, anon=200)),
    ("/account/register", "POST"): Row("/account/register", signed_in(302, anon=200)),
    # SMS codes: asking (200 or a redirect to the code page, 302 signed in where the page is
    # for newcomers); the code pages without a pending request send back to ask first.
    ("/account/register/phone", "GET"): Row("/account/register/phone", signed_in(302, anon=200)),
    ("/account/register/phone", "POST"): Row("/account/register/phone",
                                             signed_in(302, anon=200)),
    ("/account/register/phone/verify", "GET"): Row("/account/register/phone/verify", every(302)),
    ("/account/register/phone/verify", "POST"): Row("/account/register/phone/verify",
                                                    every(302)),
    ("/account/login/sms", "GET"): Row("/account/login/sms", signed_in(302, anon=200)),
    ("/account/login/sms", "POST"): Row("/account/login/sms", signed_in(302, anon=200)),
    ("/account/login/sms/verify", "GET"): Row("/account/login/sms/verify", every(302)),
    ("/account/login/sms/verify", "POST"): Row("/account/login/sms/verify", every(302)),
    ("/account/forgot/sms", "GET"): Row("/account/forgot/sms", every(200)),
    ("/account/forgot/sms", "POST"): Row("/account/forgot/sms", every(200)),
    ("/account/forgot/sms/verify", "GET"): Row("/account/forgot/sms/verify", every(302)),
    ("/account/forgot/sms/verify", "POST"): Row("/account/forgot/sms/verify", every(302)),
    # Staff-assisted recovery: staff issue a code (a POST without a valid form shows it again);
    # anyone may try to redeem one (a POST without a code is shown again).
    ("/account/staff/recovery", "GET"): Row("/account/staff/recovery",
                                            only(STAFF, 200)),
    ("/account/staff/recovery", "POST"): Row("/account/staff/recovery",
                                             only(STAFF, 200)),
    ("/account/recover", "GET"): Row("/account/recover", every(200)),
    ("/account/recover", "POST"): Row("/account/recover", every(200)),
    # SMS links with a made-up code: dead for everyone; the buttons send back to the page.
    ("/s/<code>", "GET"): Row("/s/not-a-real-code", every(404)),
    ("/s/<code>/confirm", "POST"): Row("/s/not-a-real-code/confirm", every(302)),
    ("/s/<code>/cancel", "POST"): Row("/s/not-a-real-code/cancel", every(302)),
    ("/account/notifications", "GET"): Row("/account/notifications", signed_in(200)),
    ("/account/notifications", "POST"): Row("/account/notifications", signed_in(302)),
    ("/account/forgot", "GET"): Row("/account/forgot", every(200)),
    ("/account/forgot", "POST"): Row("/account/forgot", every(200)),
    # A link with a made-up token: kept in the session, then the reset page says it is invalid.
    ("/account/reset/<token>", "GET"): Row("/account/reset/not-a-real-token", every(302)),
    ("/account/reset", "GET"): Row("/account/reset", every(400)),
    ("/account/reset", "POST"): Row("/account/reset", every(400)),
    # The second-factor pages need a pending sign-in; without one they send to sign in.
    ("/account/mfa", "GET"): Row("/account/mfa", every(302)),
    ("/account/mfa", "POST"): Row("/account/mfa", every(302)),
    ("/account/mfa/setup", "GET"): Row("/account/mfa/setup", every(302)),
    ("/account/mfa/setup", "POST"): Row("/account/mfa/setup", every(302)),
    ("/.well-known/security.txt", "GET"): Row("/.well-known/security.txt", every(200)),
    ("/account/confirm", "GET"): Row("/account/confirm", signed_in(200)),
    ("/account/confirm", "POST"): Row("/account/confirm", signed_in(200)),
    ("/account/contact", "GET"): Row("/account/contact", signed_in(200)),
    ("/account/contact", "POST"): Row("/account/contact", signed_in(400)),
    ("/account/security", "GET"): Row("/account/security", signed_in(200)),
    ("/account/recovery-codes", "GET"): Row("/account/recovery-codes", signed_in(302)),
    # Staff get new codes, shown on the page the POST redirects to; workers have no app.
    ("/account/security/recovery-codes", "POST"): Row("/account/security/recovery-codes",
                                                       signed_in(302)),
    ("/account/security/authenticator", "GET"): Row("/account/security/authenticator",
                                                     signed_in(200)),
    ("/account/security/authenticator", "POST"): Row("/account/security/authenticator",
                                                      signed_in(400)),
    ("/account/logout", "POST"): Row("/account/logout", every(302), last=True),
    # -- one's own account ------------------------------------------------------------------
    ("/account/", "GET"): Row("/account/", signed_in(200)),
    ("/account/password", "GET"): Row("/account/password", signed_in(200)),
    ("/account/password", "POST"): Row("/account/password", signed_in(200)),
    ("/account/data", "GET"): Row("/account/data", signed_in(200)),
    ("/account/data/download", "POST"): Row("/account/data/download", signed_in(200)),
    # Somebody else's consent: refused without saying whether it exists.
    ("/account/data/consents/<int:consent_id>/withdraw", "POST"): Row(
        "/account/data/consents/{consent}/withdraw", signed_in(302)),
    ("/account/data/delete", "POST"): Row("/account/data/delete", signed_in(400), last=True),
    # -- screening ----------------------------------------------------------------------------
    ("/screening/", "GET"): Row("/screening/", every(200)),
    # A worker without the health-data consent is asked for it first (B has not given it).
    ("/screening/<code>", "GET"): Row("/screening/phq9", every(200, other_worker=302)),
    ("/screening/<code>", "POST"): Row("/screening/phq9", every(200, other_worker=302)),
    ("/screening/consent", "GET"): Row("/screening/consent", workers_only(200)),
    # No choice sent counts as "not now": back to the questionnaires, nothing saved.
    ("/screening/consent", "POST"): Row("/screening/consent", workers_only(302)),
    ("/screening/profile", "GET"): Row("/screening/profile", workers_only(200)),
    ("/screening/profile", "POST"): Row("/screening/profile", workers_only(302)),
    ("/screening/retrieve", "GET"): Row("/screening/retrieve", every(200)),
    ("/screening/retrieve", "POST"): Row("/screening/retrieve", every(200)),
    ("/screening/result", "GET"): Row("/screening/result", every(302)),
    ("/screening/history", "GET"): Row("/screening/history", workers_only(200)),
    ("/screening/results/<uid>", "GET"): Row(
        "/screening/results/{private_result}", workers_only(404, owner=200)),
    ("/screening/results/<uid>/share", "POST"): Row(
        "/screening/results/{private_result}/share", workers_only(404, owner=302)),
    ("/screening/results/<uid>/remind", "POST"): Row(
        "/screening/results/{private_result}/remind", workers_only(404, owner=302)),
    ("/screening/reminders/<uid>/cancel", "POST"): Row(
        "/screening/reminders/{reminder}/cancel", workers_only(404, owner=302)),
    ("/screening/contact", "GET"): Row("/screening/contact", every(200)),
    ("/screening/contact", "POST"): Row("/screening/contact", every(200)),
    ("/screening/contact/sent", "GET"): Row("/screening/contact/sent", every(302)),
    # The safety loop, worker side (A's private result has no risk answer: nothing to follow).
    ("/screening/safety-contact", "GET"): Row("/screening/safety-contact", workers_only(200)),
    ("/screening/safety-contact", "POST"): Row("/screening/safety-contact", workers_only(302)),
    ("/screening/results/<uid>/safety-contact", "POST"): Row(
        "/screening/results/{private_result}/safety-contact", workers_only(404, owner=302)),
    ("/screening/results/<uid>/followup", "GET"): Row(
        "/screening/results/{private_result}/followup", workers_only(404, owner=302)),
    ("/screening/results/<uid>/followup", "POST"): Row(
        "/screening/results/{private_result}/followup", workers_only(404, owner=302)),
    ("/screening/followup", "GET"): Row("/screening/followup", every(302)),
    ("/screening/followup", "POST"): Row("/screening/followup", every(302)),
    ("/screening/safety-plan", "GET"): Row("/screening/safety-plan", workers_only(200)),
    ("/screening/safety-plan", "POST"): Row("/screening/safety-plan", workers_only(302)),
    ("/screening/safety-plan/share", "POST"): Row("/screening/safety-plan/share",
                                                  workers_only(302)),
    ("/counsellor/safety-plans/<uid>", "GET"): Row(
        "/counsellor/safety-plans/{plan}", counsellors_only(200, far_counsellor=404),
        may_see=("counsellor",)),
    ("/counsellor/risks", "GET"): Row("/counsellor/risks", counsellors_only(200),
                                      may_see=("counsellor",)),
    ("/counsellor/risks/<uid>", "GET"): Row(
        "/counsellor/risks/{risk}", counsellors_only(200, far_counsellor=404),
        may_see=("counsellor",)),
    ("/counsellor/risks/<uid>", "POST"): Row(
        "/counsellor/risks/{risk}", counsellors_only(200, far_counsellor=404),
        may_see=("counsellor",)),
    ("/counsellor/shared", "GET"): Row("/counsellor/shared", counsellors_only(200),
                                       may_see=("counsellor",)),
    ("/counsellor/shared/<uid>", "GET"): Row(
        "/counsellor/shared/{shared_result}", counsellors_only(200, far_counsellor=404),
        may_see=("counsellor",)),
    # -- booking --------------------------------------------------------------------------------
    ("/booking", "GET"): Row("/booking", every(200)),
    ("/booking/sessions/<int:session_id>", "GET"): Row("/booking/sessions/{session}",
                                                       every(200)),
    # A's one-to-one session is full (A holds the seat): a clear message, back to the page.
    ("/booking/sessions/<int:session_id>/book", "POST"): Row(
        "/booking/sessions/{session}/book", signed_in(302)),
    ("/booking/sessions/<int:session_id>/waitlist", "POST"): Row(
        "/booking/sessions/{far_session}/waitlist", signed_in(302)),
    ("/bookings", "GET"): Row("/bookings", signed_in(200)),
    ("/bookings/<uid>", "GET"): Row("/bookings/{booking}", signed_in(404, owner=200)),
    ("/bookings/<uid>/feedback", "GET"): Row("/bookings/{booking}/feedback",
                                             signed_in(404, owner=200)),
    ("/bookings/<uid>/feedback", "POST"): Row("/bookings/{booking}/feedback",
                                              signed_in(404, owner=302)),
    ("/bookings/<uid>/cancel", "POST"): Row("/bookings/{booking}/cancel",
                                            signed_in(404, owner=302)),
    ("/bookings/<uid>/reschedule", "POST"): Row("/bookings/{booking}/reschedule",
                                                signed_in(404, owner=302)),
    ("/bookings/handovers/<uid>/<answer>", "POST"): Row(
        "/bookings/handovers/{handover}/decline", signed_in(404, owner=302)),
    ("/bookings/waitlist/<uid>", "GET"): Row("/bookings/waitlist/{entry}",
                                             signed_in(404, owner=200)),
    ("/bookings/waitlist/<uid>/accept", "POST"): Row("/bookings/waitlist/{entry}/accept",
                                                     signed_in(404, owner=302)),
    ("/bookings/waitlist/<uid>/leave", "POST"): Row("/bookings/waitlist/{entry}/leave",
                                                    signed_in(404, owner=302)),
    # -- the counsellor's workspace ----------------------------------------------------------
    ("/counselling/", "GET"): Row("/counselling/", counsellors_only(200),
                                  may_see=("counsellor",)),
    ("/counselling/calendar", "GET"): Row("/counselling/calendar", counsellors_only(200),
                                          may_see=("counsellor",)),
    ("/counselling/sessions/<int:session_id>", "GET"): Row(
        "/counselling/sessions/{session}", counsellors_only(200, far_counsellor=404),
        may_see=("counsellor",)),
    ("/counselling/sessions/<int:session_id>/meeting-link", "POST"): Row(
        "/counselling/sessions/{session}/meeting-link", counsellors_only(302, far_counsellor=404)),
    ("/counselling/sessions/<int:session_id>/cancel", "POST"): Row(
        "/counselling/sessions/{session}/cancel", counsellors_only(302, far_counsellor=404)),
    ("/counselling/bookings/<uid>/cancel", "GET"): Row(
        "/counselling/bookings/{booking}/cancel", counsellors_only(200, far_counsellor=404),
        may_see=("counsellor",)),
    ("/counselling/bookings/<uid>/cancel", "POST"): Row(
        "/counselling/bookings/{booking}/cancel", counsellors_only(302, far_counsellor=404)),
    ("/counselling/bookings/<uid>/<action>", "POST"): Row(
        "/counselling/bookings/{booking}/confirm", counsellors_only(302, far_counsellor=404)),
    ("/counselling/bookings/<uid>/notes", "GET"): Row(
        "/counselling/bookings/{booking}/notes", counsellors_only(200, far_counsellor=404),
        may_see=("counsellor",)),
    ("/counselling/bookings/<uid>/notes", "POST"): Row(
        "/counselling/bookings/{booking}/notes", counsellors_only(200, far_counsellor=404),
        may_see=("counsellor",)),
    # The client fills PHQ-9 and GAD-7 on their counsellor's device; A's booking is
    # cancelled by the writes sorted before this one (a 404 then, like any cancelled one).
    ("/counselling/bookings/<uid>/measures", "GET"): Row(
        "/counselling/bookings/{booking}/measures", counsellors_only(200, far_counsellor=404)),
    ("/counselling/bookings/<uid>/measures", "POST"): Row(
        "/counselling/bookings/{booking}/measures", counsellors_only(404)),
    ("/counselling/bookings/<uid>/handover", "POST"): Row(
        "/counselling/bookings/{booking}/handover", counsellors_only(302, far_counsellor=404)),
    ("/counselling/availability", "GET"): Row("/counselling/availability",
                                              counsellors_only(200)),
    ("/counselling/availability", "POST"): Row("/counselling/availability",
                                               counsellors_only(200)),
    ("/counselling/availability/extra", "POST"): Row("/counselling/availability/extra",
                                                     counsellors_only(302)),
    ("/counselling/availability/leave", "POST"): Row("/counselling/availability/leave",
                                                     counsellors_only(302)),
    ("/counselling/availability/<int:rule_id>/remove", "POST"): Row(
        "/counselling/availability/{rule}/remove", counsellors_only(302, far_counsellor=404)),
    # -- administration ----------------------------------------------------------------------
    ("/admin/", "GET"): Row("/admin/", admins_only(200)),
    ("/admin/audit", "GET"): Row("/admin/audit", network_admins(200)),
    ("/admin/audit/verify", "POST"): Row("/admin/audit/verify", network_admins(302)),
    # No check run yet in this session: back to the audit log.
    ("/admin/audit/verify", "GET"): Row("/admin/audit/verify", network_admins(302)),
    # A's request for contact; without a reason the admin gets the form again.
    ("/admin/audit/<int:seq>/reveal", "POST"): Row("/admin/audit/{audit_seq}/reveal",
                                                   network_admins(400)),
    ("/admin/audit/<int:seq>/person", "GET"): Row("/admin/audit/{audit_seq}/person",
                                                  network_admins(302)),
    ("/admin/keys", "GET"): Row("/admin/keys", network_admins(200)),
    # Staff lists and forms show each admin their own centres' staff and centres.
    ("/admin/staff", "GET"): Row("/admin/staff", admins_only(200)),
    ("/admin/staff/new", "GET"): Row("/admin/staff/new", admins_only(200)),
    ("/admin/staff/new", "POST"): Row("/admin/staff/new", admins_only(200)),
    # An empty file: the dry run explains (400) and nothing changes.
    ("/admin/staff/import", "GET"): Row("/admin/staff/import", admins_only(200)),
    ("/admin/staff/import", "POST"): Row("/admin/staff/import", admins_only(400)),
    # The far county's counsellor: managed by far's admin and the hub's, not by near's.
    ("/admin/staff/<uid>/edit", "GET"): Row("/admin/staff/{far_staff}/edit", own_county(200)),
    ("/admin/staff/<uid>/edit", "POST"): Row("/admin/staff/{far_staff}/edit",
                                             own_county(200)),
    ("/admin/staff/<uid>/authenticator/reset", "POST"): Row(
        "/admin/staff/{far_staff}/authenticator/reset", own_county(302)),
    ("/admin/staff/<uid>/lock", "POST"): Row("/admin/staff/{far_staff}/lock",
                                             own_county(302)),
    ("/admin/staff/<uid>/sessions/end", "POST"): Row("/admin/staff/{far_staff}/sessions/end",
                                                     own_county(302)),
    ("/admin/centres", "GET"): Row("/admin/centres", admins_only(200)),
    ("/admin/centres/new", "GET"): Row("/admin/centres/new", network_admins(200)),
    ("/admin/centres/new", "POST"): Row("/admin/centres/new", network_admins(200)),
    ("/admin/centres/<int:centre_id>", "GET"): Row("/admin/centres/{far_centre}",
                                                   own_county(200)),
    ("/admin/centres/<int:centre_id>", "POST"): Row("/admin/centres/{far_centre}",
                                                    own_county(200)),
    ("/admin/services/new", "GET"): Row("/admin/services/new", admins_only(200)),
    ("/admin/services/new", "POST"): Row("/admin/services/new", admins_only(200)),
    # A service only the far county offers.
    ("/admin/services/<int:service_id>", "GET"): Row("/admin/services/{far_service}",
                                                     own_county(200)),
    ("/admin/services/<int:service_id>", "POST"): Row("/admin/services/{far_service}",
                                                      own_county(200)),
    ("/admin/sessions/new", "GET"): Row("/admin/sessions/new", admins_only(200)),
    ("/admin/sessions/new", "POST"): Row("/admin/sessions/new", admins_only(200)),
    ("/admin/closures", "GET"): Row("/admin/closures", admins_only(200)),
    # Without a valid form the page is shown again with its errors.
    ("/admin/closures", "POST"): Row("/admin/closures", admins_only(200)),
    # A closure of the far county: corrected (a post without fields keeps its values: saved
    # as it was, back to the list) or removed.
    ("/admin/closures/<int:closure_id>", "GET"): Row("/admin/closures/{far_closure}",
                                                     own_county(200)),
    ("/admin/closures/<int:closure_id>", "POST"): Row("/admin/closures/{far_closure}",
                                                      own_county(302)),
    ("/admin/closures/<int:closure_id>/remove", "POST"): Row(
        "/admin/closures/{far_closure}/remove", own_county(302)),
    # No calendar chosen: the closures page again, with the message.
    ("/admin/closures/calendar", "POST"): Row("/admin/closures/calendar", admins_only(200)),
    ("/admin/rooms", "GET"): Row("/admin/rooms", admins_only(200)),
    ("/admin/rooms", "POST"): Row("/admin/rooms", admins_only(200)),
    ("/admin/events/new", "GET"): Row("/admin/events/new", admins_only(200)),
    ("/admin/events/new", "POST"): Row("/admin/events/new", admins_only(200)),
    # Enterprise event requests (点单式服务): A's request went to the far county centre.
    ("/admin/event-requests", "GET"): Row("/admin/event-requests", admins_only(200)),
    ("/admin/event-requests/<uid>", "GET"): Row("/admin/event-requests/{event_request}",
                                                own_county(200)),
    # Without a valid form the request's page is shown again with its errors.
    ("/admin/event-requests/<uid>/accept", "POST"): Row(
        "/admin/event-requests/{event_request}/accept", own_county(200)),
    ("/admin/event-requests/<uid>/decline", "POST"): Row(
        "/admin/event-requests/{event_request}/decline", own_county(200)),
    # -- events: public pages; registering is a worker's; the check-in list is its leader's ---
    # A union contact's request form and their requests: workers' accounts (staff answer).
    ("/events/request", "GET"): Row("/events/request", workers_only(200)),
    ("/events/request", "POST"): Row("/events/request", workers_only(200)),
    ("/events", "GET"): Row("/events", every(200)),
    ("/events/mine", "GET"): Row("/events/mine", only((*LEADERS, *COUNTY_ADMINS), 200)),
    ("/events/<uid>", "GET"): Row("/events/{event}", every(200)),
    # Staff are told they cannot take places, A that she is registered already: back to the page.
    ("/events/<uid>/register", "POST"): Row("/events/{event}/register", signed_in(303)),
    ("/events/<uid>/cancel", "POST"): Row("/events/{event}/cancel", signed_in(404, owner=303)),
    # Only the event's own leader sees the names on its list; an admin sees pseudonyms.
    ("/events/<uid>/lead", "GET"): Row("/events/{event}/lead", only(
        (*LEADERS, *COUNTY_ADMINS), 200, counsellor=404, far_counsellor=404,
        county_admin=404, other_admin=404), may_see=("facilitator",)),
    # Too early to record attendance: a message, back to the list.
    ("/events/<uid>/attendance/<booking_uid>", "POST"): Row(
        "/events/{event}/attendance/{event_booking}",
        only((*LEADERS, *COUNTY_ADMINS), 303, counsellor=404, far_counsellor=404,
             county_admin=404, other_admin=404)),
    # A plain group session the facilitator leads: their list (names: theirs to see) and
    # ticks; nobody else's, and no counsellor's workspace for them (rows above: 403).
    ("/events/sessions/<int:session_id>/lead", "GET"): Row(
        "/events/sessions/{led_session}/lead", only(("facilitator",), 200),
        may_see=("facilitator",)),
    # Too early to record attendance: a message, back to the list.
    ("/events/sessions/<int:session_id>/attendance/<booking_uid>", "POST"): Row(
        "/events/sessions/{led_session}/attendance/{led_booking}",
        only(("facilitator",), 303)),
    ("/events/check-in/<token>", "GET"): Row("/events/check-in/{check_in_token}",
                                             signed_in(200)),
    ("/events/check-in/<token>", "POST"): Row("/events/check-in/{check_in_token}",
                                              signed_in(303)),
    # -- reports: de-identified counts for social workers and admins -------------------------
    # The far county's report: its own readers and the hub's see it; the other county's
    # readers are refused it as an unknown place (their place is forced to their own).
    ("/reports/", "GET"): Row("/reports/?place=far", only(
        REPORTERS, 200, other_admin=400, other_social=400)),
    ("/reports/export.csv", "GET"): Row("/reports/export.csv?place=far", only(
        REPORTERS, 200, other_admin=400, other_social=400)),
    # Library use is counted per item, not per centre: every report reader sees it.
    ("/reports/library", "GET"): Row("/reports/library", only(REPORTERS, 200)),
    ("/reports/outcomes", "GET"): Row("/reports/outcomes", only(REPORTERS, 200)),
    # -- courses of care (issue 17): the worker's own, the counsellor's own clients' ------------
    ("/courses", "GET"): Row("/courses", signed_in(200)),
    ("/courses/<uid>/consent", "POST"): Row("/courses/{course}/consent",
                                            signed_in(404, owner=302)),
    ("/courses/sessions/<uid>", "GET"): Row("/courses/sessions/{booking}",
                                            signed_in(404, owner=200)),
    # A's booking is cancelled by the rows before: refused with a message, back to the page.
    ("/courses/sessions/<uid>", "POST"): Row("/courses/sessions/{booking}",
                                             signed_in(404, owner=302)),
    ("/courses/<uid>/experience", "GET"): Row("/courses/{course}/experience",
                                              signed_in(404, owner=200)),
    ("/courses/<uid>/experience", "POST"): Row("/courses/{course}/experience",
                                               signed_in(404, owner=302)),
    ("/counselling/courses", "GET"): Row("/counselling/courses", counsellors_only(200),
                                         may_see=("counsellor",)),
    ("/counselling/courses/<uid>", "GET"): Row(
        "/counselling/courses/{course}", counsellors_only(200, far_counsellor=404),
        may_see=("counsellor",)),
    ("/counselling/courses/<uid>/discharge", "POST"): Row(
        "/counselling/courses/{course}/discharge", counsellors_only(302, far_counsellor=404)),
    # -- JSON API: callers present a bearer token of their own, never the cookie ---------------
    ("/api/v1/openapi.json", "GET"): Row("/api/v1/openapi.json", every(200)),
    ("/api/v1/docs", "GET"): Row("/api/v1/docs", every(200)),
    ("/api/v1/docs/assets/<name>", "GET"): Row("/api/v1/docs/assets/swagger-ui.css",
                                               every(200)),
    ("/api/v1/auth/token", "POST"): Row("/api/v1/auth/token", every(422)),
    ("/api/v1/auth/sms-code", "POST"): Row("/api/v1/auth/sms-code", every(422)),
    ("/api/v1/auth/token", "DELETE"): Row("/api/v1/auth/token", api(204), last=True),
    ("/api/v1/me", "GET"): Row("/api/v1/me", api(200), may_see=CALLERS),
    ("/api/v1/me/notifications", "GET"): Row("/api/v1/me/notifications", api(200)),
    ("/api/v1/me/courses", "GET"): Row("/api/v1/me/courses", api(200)),
    ("/api/v1/me/notifications", "PUT"): Row("/api/v1/me/notifications", api(422)),
    ("/api/v1/instruments", "GET"): Row("/api/v1/instruments", every(200)),
    ("/api/v1/instruments/<code>", "GET"): Row("/api/v1/instruments/phq9", every(200)),
    ("/api/v1/screenings", "POST"): Row("/api/v1/screenings", every(422)),
    ("/api/v1/screenings", "GET"): Row("/api/v1/screenings", api_workers(200)),
    ("/api/v1/screenings/<uid:result_uid>", "GET"): Row(
        "/api/v1/screenings/{private_result}", api_owner(200, staff=403)),
    ("/api/v1/screenings/<int:result_id>", "GET"): Row("/api/v1/screenings/{result_id}",
                                                       api_owner(200, staff=403)),
    ("/api/v1/screenings/retrieve", "POST"): Row("/api/v1/screenings/retrieve", every(422)),
    ("/api/v1/consents/health-data", "GET"): Row("/api/v1/consents/health-data",
                                                 api_workers(200)),
    ("/api/v1/consents/health-data", "POST"): Row("/api/v1/consents/health-data",
                                                  api_workers(422)),
    ("/api/v1/consents/safety-contact", "GET"): Row("/api/v1/consents/safety-contact",
                                                    api_workers(200)),
    ("/api/v1/consents/safety-contact", "POST"): Row("/api/v1/consents/safety-contact",
                                                     api_workers(422)),
    ("/api/v1/screenings/<uid:result_uid>/followup", "POST"): Row(
        "/api/v1/screenings/{private_result}/followup", api_workers(422)),
    ("/api/v1/screenings/retrieve/followup", "POST"): Row(
        "/api/v1/screenings/retrieve/followup", every(422)),
    ("/api/v1/screenings/<uid:result_uid>/contact-request", "POST"): Row(
        "/api/v1/screenings/{private_result}/contact-request", api_owner(201, staff=403)),
    ("/api/v1/safety-plan", "GET"): Row("/api/v1/safety-plan", api_workers(200)),
    ("/api/v1/safety-plan", "PUT"): Row("/api/v1/safety-plan", api_workers(200)),
    ("/api/v1/centres", "GET"): Row("/api/v1/centres", every(200)),
    ("/api/v1/counsellors", "GET"): Row("/api/v1/counsellors?language=minnan", every(200)),
    ("/api/v1/services", "GET"): Row("/api/v1/services", every(200)),
    ("/api/v1/sessions", "GET"): Row("/api/v1/sessions", every(200)),
    ("/api/v1/sessions/free-days", "GET"): Row("/api/v1/sessions/free-days", every(200)),
    ("/api/v1/bookings", "POST"): Row("/api/v1/bookings", api(422)),
    ("/api/v1/bookings", "GET"): Row("/api/v1/bookings", api(200)),
    ("/api/v1/bookings/<uid:booking_uid>", "GET"): Row("/api/v1/bookings/{booking}",
                                                       api_owner(200)),
    # A's booking was just cancelled through its integer alias (rows run in rule order).
    ("/api/v1/bookings/<uid:booking_uid>", "DELETE"): Row("/api/v1/bookings/{booking}",
                                                          api_owner(409)),
    ("/api/v1/bookings/<int:booking_id>", "GET"): Row("/api/v1/bookings/{booking_id}",
                                                      api_owner(200)),
    ("/api/v1/bookings/<int:booking_id>", "DELETE"): Row("/api/v1/bookings/{booking_id}",
                                                         api_owner(200)),
    ("/api/v1/waitlist", "POST"): Row("/api/v1/waitlist", api(422)),
    ("/api/v1/waitlist", "GET"): Row("/api/v1/waitlist", api(200)),
    ("/api/v1/waitlist/<uid:entry_uid>/accept", "POST"): Row(
        "/api/v1/waitlist/{entry}/accept", api_owner(409)),
    ("/api/v1/waitlist/<uid:entry_uid>", "DELETE"): Row("/api/v1/waitlist/{entry}",
                                                        api_owner(204)),
    ("/api/v1/waitlist/<int:entry_id>/accept", "POST"): Row(
        "/api/v1/waitlist/{entry_id}/accept", api_owner(409)),
    ("/api/v1/waitlist/<int:entry_id>", "DELETE"): Row("/api/v1/waitlist/{entry_id}",
                                                       api_owner(204)),
}

API_PREFIX = "/api/v1/"

STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")


def _see_other_after_post(rows: dict[tuple[str, str], Row]) -> dict[tuple[str, str], Row]:
    """Rows write any redirect as 302; one answering a POST must be a 303 (app/prg.py), so
    that Back and Refresh never offer to send the form again."""
    return {(rule, method): replace(row, expect={c: 303 if s == 302 else s
                                                 for c, s in row.expect.items()})
            if method in STATE_CHANGING else row
            for (rule, method), row in rows.items()}


TABLE = _see_other_after_post(TABLE)


def routes(app) -> set[tuple[str, str]]:
    """Every (rule, method) the app answers, but HEAD and OPTIONS which Flask adds itself."""
    return {(rule.rule, method) for rule in app.url_map.iter_rules()
            for method in rule.methods - {"HEAD", "OPTIONS"}}


def ordered(rows: dict[tuple[str, str], Row]) -> list[tuple[tuple[str, str], Row]]:
    """Reads first, then writes, then whatever signs the caller out."""
    return sorted(rows.items(), key=lambda kv: (kv[1].last, kv[0][1] != "GET", kv[0]))

