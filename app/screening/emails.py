"""The re-screening reminder email, in the person's language and without health data."""

from __future__ import annotations

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from app.accounts.models import User
from app.i18n import BABEL_CODES


def reminder_email(user: User, questionnaire_name_zh: str, questionnaire_name_en: str,
                   code: str) -> tuple[str, str]:
    """Subject and text. The questionnaire's name says nothing about any answer."""
    lang = user.locale if user.locale in BABEL_CODES else "zh_CN"
    # The public address, not the request's host: a command or worker has no real host.
    base = current_app.config.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    link = base + url_for("screening.take", code=code)
    name = questionnaire_name_en if lang == "en" else questionnaire_name_zh
    with force_locale(BABEL_CODES[lang]):
        subject = _("Xinqing: it's time for your check-in")
        text = _("Hello,\n\nYou asked us to remind you to take the %(name)s questionnaire "
                 "again. It takes a few minutes:\n\n%(link)s\n\nYou can cancel reminders on "
                 "your history page at any time.\n\nXinqing", name=name, link=link)
    return subject, text
