"""The ``sms`` channel: template SMS through the provider chosen by ``SMS_PROVIDER``.

Mainland SMS carries a registered signature and a registered template with parameters,
never free text. ``TEMPLATES`` holds our wording of each template (what is registered
with the provider, and what the ``file`` provider writes as ``text``): no health
information, only "you have a message/reminder" and a short link, within one 70-character
segment. ``SMS_TEMPLATES`` maps each to the provider's template id.

Providers: ``file`` (development and tests: one JSON line per message in ``SMS_FILE``)
and ``tencent`` (Tencent Cloud SMS via ``tencentcloud-sdk-python-sms``; ``SMS_ENDPOINT``
points the SDK elsewhere, e.g. at a local test double).
"""

from __future__ import annotations

import json
import os
import threading
from types import TracebackType

from flask import current_app

from app.notifications.channels import SendError

SEGMENT = 70  # characters of one Chinese (UCS-2) SMS, signature included

TEMPLATES: dict[str, str] = {
    "code": "您的心晴验证码为{1}，{2}分钟内有效，请勿告诉他人。",
    "notice": "您在心晴有一条新消息，请查看：{1}",
    "reminder": "您在心晴有一条预约提醒，请查看：{1}",
    "offer": "您在心晴候补的名额已空出，请在{1}前确认：{2}",
    "event_reminder": "您在心晴报名的活动即将开始，请查看：{1}",
}
# A template not yet registered with the provider goes out as an older one with the same
# parameters (an event's reminder as a booking reminder), so that a new wording never
# stops messages before its template id is configured.
FALLBACK: dict[str, str] = {"event_reminder": "reminder"}

_file_lock = threading.Lock()


def render(template: str, params: list[str]) -> str:
    """The text a person receives: signature, then the template with its parameters."""
    text = TEMPLATES[template]
    for n, value in enumerate(params, start=1):
        text = text.replace(f"{{{n}}}", value)
    sign = current_app.config.get("SMS_SIGN_NAME") or "心晴"
    return f"【{sign}】{text}"


class FileSender:
    """Appends one JSON line per message to ``SMS_FILE`` (read codes there in development)."""

    def __init__(self) -> None:
        path = current_app.config.get("SMS_FILE")
        if not path:
            raise SendError("SMS_FILE not set")
        self.path = str(path)

    def __enter__(self) -> FileSender:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        return None

    def send(self, payload: dict) -> None:
        line = json.dumps({"to": payload["to"], "template": payload["template"],
                           "params": payload["params"],
                           "text": render(payload["template"], payload["params"])},
                          ensure_ascii=False)
        try:
            with _file_lock, open(self.path, "a", encoding="utf-8") as out:
                out.write(line + "\n")
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            raise SendError(f"file: {type(exc).__name__}") from None


class TencentSender:
    """Tencent Cloud SMS ``SendSms`` (API 2021-01-11), one request per message."""

    def __init__(self) -> None:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        config = current_app.config
        if not (config.get("SMS_SECRET_ID") and config.get("SMS_SECRET_KEY")
                and config.get("SMS_APP_ID") and config.get("SMS_SIGN_NAME")):
            raise SendError("SMS_SECRET_ID/SMS_SECRET_KEY/SMS_APP_ID/SMS_SIGN_NAME not set")
        http = HttpProfile(protocol=config.get("SMS_ENDPOINT_SCHEME") or "https",
                           endpoint=config.get("SMS_ENDPOINT") or "sms.tencentcloudapi.com",
                           reqTimeout=10)
        self.client = sms_client.SmsClient(
            credential.Credential(config["SMS_SECRET_ID"], config["SMS_SECRET_KEY"]),
            config.get("SMS_REGION") or "ap-guangzhou", ClientProfile(httpProfile=http))
        self.app_id = config["SMS_APP_ID"]
        self.sign = config["SMS_SIGN_NAME"]
        self.templates = config.get("SMS_TEMPLATES") or {}

    def __enter__(self) -> TencentSender:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        # The SDK keeps a requests session per client and never closes it: close it here,
        # or each batch would leave a socket open.
        connection = getattr(getattr(self.client, "request", None), "conn", None)
        session = getattr(connection, "_session", None)
        if session is not None:
            session.close()

    def send(self, payload: dict) -> None:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111 import models

        template_id = self.templates.get(payload["template"]) or self.templates.get(
            FALLBACK.get(payload["template"], ""))
        if not template_id:
            raise SendError(f"no template id for {payload['template']}")
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [payload["to"]]
        request.SmsSdkAppId = self.app_id
        request.TemplateId = template_id
        request.SignName = self.sign
        request.TemplateParamSet = [str(p) for p in payload["params"]]
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            raise SendError(f"tencent: {exc.get_code()}") from None
        except Exception as exc:  # network errors surface as many types
            raise SendError(f"tencent: {type(exc).__name__}") from None
        statuses = response.SendStatusSet or []
        if not statuses or statuses[0].Code != "Ok":
            raise SendError(f"tencent: {statuses[0].Code if statuses else 'no status'}")


def open_sms_sender() -> FileSender | TencentSender:
    """The sender of the configured ``SMS_PROVIDER``."""
    name = current_app.config.get("SMS_PROVIDER") or "file"
    if name == "file":
        return FileSender()
    if name == "tencent":
        return TencentSender()
    raise SendError(f"unknown SMS_PROVIDER {name}")
