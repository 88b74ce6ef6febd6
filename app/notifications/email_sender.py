"""The ``email`` channel: one SMTP connection per batch (settings ``MAIL_*``)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from types import TracebackType
from typing import cast

from flask import current_app

from app.notifications.attachments import file_bytes
from app.notifications.channels import SendError


def build(payload: dict) -> EmailMessage:
    """The MIME message of an email payload (address, subject, bodies, attachments; a
    calendar queued as its facts is written here, at sending)."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = payload["to"]
    email["Subject"] = payload["subject"]
    email["Message-ID"] = make_msgid(domain="xinqing")
    email.set_content(payload["text"])
    if payload.get("html"):
        email.add_alternative(payload["html"], subtype="html")
    for item in payload.get("attachments", []):
        maintype, _, subtype = item["content_type"].partition("/")
        subtype, *params = subtype.split(";")
        email.add_attachment(file_bytes(item), maintype=maintype,
                             subtype=subtype.strip(), filename=item["filename"])
        if params:
            part = cast("list[EmailMessage]", email.get_payload())[-1]
            for param in params:
                key, _, value = param.strip().partition("=")
                part.set_param(key, value)
    return email


def _connect() -> smtplib.SMTP:
    config = current_app.config
    host, port = config["MAIL_SERVER"], config["MAIL_PORT"]
    if config.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=20,
                                              context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=20)
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
    if config.get("MAIL_USERNAME"):
        smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    return smtp


class EmailSender:
    """Sends email payloads over one SMTP connection."""

    def __init__(self) -> None:
        try:
            self.smtp = _connect()
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"connect: {type(exc).__name__}") from None

    def __enter__(self) -> EmailSender:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()

    def send(self, payload: dict) -> None:
        try:
            self.smtp.send_message(build(payload))
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(type(exc).__name__) from None
