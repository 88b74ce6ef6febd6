"""Audit action codes, detail keys and reasons in the reader's language.

The log itself keeps stable English codes (they are hashed into the chain and searched by
prefix); only the page translates them. An unknown code is shown as it is.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

ACTIONS = {
    "access.denied": _l("Access refused"),
    "account.contact_changed": _l("Contact details changed"),
    "account.deleted": _l("Account deleted"),
    "account.locked": _l("Account locked"),
    "account.unlocked": _l("Account unlocked"),
    "account.password_changed": _l("Password changed"),
    "account.password_reset": _l("Password reset"),
    "account.password_reset_requested": _l("Password reset requested"),
    "account.recovery_issued": _l("Centre recovery code issued"),
    "account.recovery_used": _l("Centre recovery code used"),
    "account.recovery_wrong": _l("Wrong centre recovery code"),
    "account.registered": _l("Account registered"),
    "account.sessions_ended": _l("Signed out everywhere"),
    "account.staff_created": _l("Staff account created"),
    "api.token_issued": _l("API token issued"),
    "api.token_revoked": _l("API token revoked"),
    "audit.pruned": _l("Old audit events pruned"),
    "audit.revealed": _l("Person behind an event revealed"),
    "audit.verified": _l("Audit chain checked"),
    "audit.viewed": _l("Audit log viewed"),
    "availability.added": _l("Weekly hours added"),
    "availability.extra": _l("Extra hours added"),
    "availability.leave": _l("Leave recorded"),
    "availability.removed": _l("Weekly hours removed"),
    "booking.attended": _l("Booking: attended"),
    "booking.cancelled": _l("Booking cancelled"),
    "booking.centre_cancelled": _l("Booking cancelled by the centre"),
    "booking.closure_cancelled": _l("Booking cancelled: centre closed"),
    "booking.check_in": _l("Booking: checked in"),
    "booking.confirm": _l("Booking confirmed"),
    "booking.created": _l("Booking made"),
    "booking.no_show": _l("Booking: no-show"),
    "booking.rescheduled": _l("Booking rescheduled"),
    "centre.saved": _l("Centre saved"),
    "closure.created": _l("Centre closed for some days"),
    "event.created": _l("Event created"),
    "event.roster_viewed": _l("Event's list of people viewed"),
    "room.saved": _l("Room saved"),
    "consent.withdrawn": _l("Consent withdrawn"),
    "login.failed": _l("Sign-in failed"),
    "login.succeeded": _l("Signed in"),
    "mfa.enrolled": _l("Authenticator set up"),
    "mfa.failed": _l("Wrong authenticator code"),
    "mfa.recovery_code_used": _l("Recovery code used"),
    "mfa.recovery_codes_renewed": _l("Recovery codes renewed"),
    "mfa.reset_applied": _l("Authenticator reset carried out"),
    "mfa.reset_cancelled": _l("Authenticator reset cancelled by signing in"),
    "mfa.reset_requested": _l("Authenticator reset requested"),
    "my_data.exported": _l("Own data downloaded"),
    "note.handover_agreed": _l("Note handover agreed"),
    "note.handover_declined": _l("Note handover declined"),
    "note.handover_requested": _l("Note handover requested"),
    "note.read": _l("Session notes read"),
    "note.written": _l("Session note written"),
    "reauth.failed": _l("Password check failed"),
    "reauth.succeeded": _l("Password checked again"),
    "library.audio_attached": _l("Library recording added"),
    "library.created": _l("Library item drafted"),
    "library.edited": _l("Library draft changed"),
    "library.published": _l("Library version approved and published"),
    "library.revision_started": _l("Library item: new version started"),
    "library.sent_back": _l("Library version sent back to its author"),
    "library.submitted": _l("Library version sent for review"),
    "reports.library_viewed": _l("Library use report viewed"),
    "reports.exported": _l("Report exported"),
    "reports.viewed": _l("Report viewed"),
    "retention.run": _l("Retention run"),
    "risk.read": _l("Request for contact opened"),
    "risk.requested": _l("Request for contact"),
    "risk.resolved": _l("Request for contact resolved"),
    "screening.consent_given": _l("Consent to keep results given"),
    "screening.shared": _l("Result shared with counsellors"),
    "screening.shared_list": _l("Shared results listed"),
    "screening.shared_read": _l("Shared result opened"),
    "screening.unshared": _l("Result no longer shared"),
    "service.saved": _l("Service saved"),
    "session.cancelled": _l("Session called off"),
    "session.scheduled": _l("Session scheduled"),
    "staff.listed": _l("Staff list viewed"),
    "waitlist.accepted": _l("Waiting-list offer accepted"),
    "waitlist.joined": _l("Waiting list joined"),
    "waitlist.lapsed": _l("Waiting-list offer lapsed"),
    "waitlist.left": _l("Waiting list left"),
    "waitlist.offered": _l("Waiting-list seat offered"),
}

KEYS = {
    "reason": _l("reason"), "method": _l("method"), "status": _l("status"),
    "via": _l("via"), "centre": _l("centre"), "count": _l("count"), "event": _l("event"),
    "filters": _l("filters"), "format": _l("format"), "late": _l("late"),
    "session": _l("session"), "version": _l("version"), "fields": _l("fields"),
    "purpose": _l("purpose"), "from": _l("from"), "to": _l("to"), "period": _l("period"),
}

REASONS = {
    "role": _l("not allowed for this role"),
    "forbidden": _l("not allowed"),
    "not_found_or_not_owner": _l("not found, or not theirs"),
    "rate_limited": _l("too many requests"),
    "csrf": _l("form expired or forged"),
    "unknown_account": _l("no such account"),
    "bad_password": _l("wrong password"),
    "inactive": _l("account locked"),
    "password": _l("wrong password"),
    "code": _l("wrong authenticator code"),
}


def action_label(code: str) -> str:
    """The action in the reader's language (the code itself when unknown)."""
    label = ACTIONS.get(code)
    return str(label) if label is not None else code


def detail_text(detail: dict[str, Any]) -> str:
    """``key: value; …`` with known keys and reason codes translated; the admin's own
    free-text reason for a reveal is shown as written."""
    parts = []
    for key in sorted(detail):
        value = detail[key]
        if key == "reason" and isinstance(value, str) and value in REASONS:
            value = str(REASONS[value])
        parts.append(f"{KEYS.get(key, key)}: {value}")
    return "; ".join(parts)


audit_labels = {"action": action_label, "detail": detail_text}
