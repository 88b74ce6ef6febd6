"""The person's own choice of channels and reminders (used by app/notifications/notices.py)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app import audit
from app.accounts.models import User
from app.domain import DomainError
from app.extensions import db


class PreferenceError(DomainError):
    """A choice the person's account cannot honour, such as SMS without a mobile number."""


def channels_had(user: User) -> list[str]:
    """The channels the person has a contact for, in the order the page shows them."""
    return [c for c, contact in (("sms", user.phone), ("email", user.email)) if contact]


def chosen(user: User) -> dict[str, bool]:
    """What the person chose, as the page shows it: a channel they lack is never on."""
    had = channels_had(user)
    return {"sms": "sms" in had and user.notify_sms,
            "email": "email" in had and user.notify_email,
            "reminders": user.reminders_wanted}


def set_preferences(user: User, *, email: bool, sms: bool, reminders: bool) -> None:
    """Which of their channels the person wants, and whether reminders at all; commits.

    Essential notices (a booking made, changed or cancelled, a seat offered) still reach
    them on a channel they have even with both turned off. Turning on a channel the person
    has no contact for is refused, nothing changed.
    """
    had = channels_had(user)
    if (sms and "sms" not in had) or (email and "email" not in had):
        raise PreferenceError(_l("You can only choose a channel you have: add the mobile "
                                 "number or email address to your account first."))
    user.notify_email, user.notify_sms, user.reminders_wanted = email, sms, reminders
    audit.record(user, "account.notifications_changed", user,
                 {"email": email, "sms": sms, "reminders": reminders})
    db.session.commit()
