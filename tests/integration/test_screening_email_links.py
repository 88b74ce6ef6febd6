"""Re-screening reminders link to the public address, wherever they are built (issue 20, 6)."""

from __future__ import annotations

from app.screening.emails import reminder_email


def test_reminder_link_uses_public_base_url_not_the_request_host(app, make_user):
    app.config["PUBLIC_BASE_URL"] = "https://xinqing.example.org/"
    user = make_user()
    user.locale = "en"
    with app.test_request_context("/", base_url="http://localhost"):
        _subject, text = reminder_email(user, "患者健康问卷", "PHQ-9", "phq9")
    assert "https://xinqing.example.org/screening/" in text
    assert "http://localhost" not in text
