"""The person's own choice of channels and reminders (used by app/notifications/notices.py)."""

from __future__ import annotations

from app import audit
from app.accounts.models import User
from app.extensions import db


def set_preferences(user: User, *, email: bool, sms: bool, reminders: bool) -> None:
    """Which of their channels the person wants, and whether reminders at all; commits.

    Essential notices (a booking made, changed or cancelled, a seat offered) still reach
    them on a channel they have even with both turned off.
    """
    user.notify_email, user.notify_sms, user.reminders_wanted = email, sms, reminders
    audit.record(user, "account.notifications_changed", user,
                 {"email": email, "sms": sms, "reminders": reminders})
    db.session.commit()
