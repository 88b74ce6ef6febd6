"""SMS leaves through the same outbox as email: a channel per message, real provider SDK."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner

from app.accounts.models import User
from app.extensions import db
from app.notifications import services as outbox
from app.notifications import sms
from app.notifications.models import OutboxMessage


@pytest.fixture
def sms_file(app, tmp_path: Path):
    path = tmp_path / "sms.jsonl"
    saved = {k: app.config[k] for k in ("SMS_PROVIDER", "SMS_FILE")}
    app.config.update(SMS_PROVIDER="file", SMS_FILE=str(path))
    yield path
    app.config.update(saved)


def lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture
def phone_worker(make_user) -> User:
    return make_user(login="13900139000", name="阿芳")


def test_sms_is_queued_on_its_channel_and_written_once_by_the_file_provider(
        app, sms_file, phone_worker):
    message = outbox.enqueue_sms(phone_worker, "booking.confirmed", template="notice",
                                 params=["https://xq.example/b/1"])
    db.session.commit()
    assert message is not None
    assert message.channel == "sms"
    assert lines(sms_file) == []  # nothing leaves before the runner
    assert outbox.send_due().sent == 1
    assert outbox.send_due().sent == 0
    [line] = lines(sms_file)
    assert line["to"] == "+8613900139000"
    assert line["template"] == "notice"
    assert line["params"] == ["https://xq.example/b/1"]
    assert line["text"].startswith("【心晴】您在心晴有一条新消息")
    assert "https://xq.example/b/1" in line["text"]


def test_every_sms_text_fits_one_segment_and_says_nothing_about_health(app):
    link = "https://xq.cn/s/AbCdEfGh"
    for template, params in (("code", ["123456", "5"]), ("notice", [link]),
                             ("reminder", [link])):
        text = sms.render(template, params)
        assert len(text) <= 70, text
        for word in ("抑郁", "焦虑", "风险", "咨询", "PHQ", "GAD"):
            assert word not in text


def test_email_only_person_gets_no_sms_and_phone_only_person_no_email(app, sms_file,
                                                                      make_user, phone_worker):
    mailer = make_user(login="mei@example.com")
    assert outbox.enqueue_sms(mailer, "x", template="notice", params=["l"]) is None
    assert outbox.enqueue(phone_worker, "x", subject="s", text="t") is None


def test_sms_rolled_back_with_its_change_is_never_sent(app, sms_file, phone_worker):
    outbox.enqueue_sms(phone_worker, "x", template="notice", params=["l"])
    db.session.rollback()
    assert outbox.send_due().sent == 0
    assert lines(sms_file) == []


def test_sms_row_holds_no_number_or_text_in_clear(app, sms_file, phone_worker):
    outbox.enqueue_sms(phone_worker, "x", template="code", params=["654321", "5"])
    db.session.commit()
    raw = repr(tuple(db.session.execute(db.text("SELECT * FROM outbox_messages")).one()))
    assert "13900139000" not in raw
    assert "654321" not in raw


class TencentApi(BaseHTTPRequestHandler):
    """Answers SendSms as Tencent Cloud's API does and keeps what it was sent."""

    received: ClassVar[list[dict]] = []
    fail = False

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"action": self.headers.get("X-TC-Action"),
                                    "auth": self.headers.get("Authorization", ""),
                                    "body": body})
        if type(self).fail:
            answer = {"Response": {"Error": {"Code": "LimitExceeded.PhoneNumberDailyLimit",
                                             "Message": "daily limit"}, "RequestId": "r1"}}
        else:
            answer = {"Response": {"SendStatusSet": [{
                "SerialNo": "2028:1", "PhoneNumber": body["PhoneNumberSet"][0], "Fee": 1,
                "SessionContext": "", "Code": "Ok", "Message": "send success",
                "IsoCode": "CN"}], "RequestId": "r2"}}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def tencent(app):
    TencentApi.received = []
    TencentApi.fail = False
    server = ThreadingHTTPServer(("127.0.0.1", 0), TencentApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    keys = ("SMS_PROVIDER", "SMS_ENDPOINT", "SMS_ENDPOINT_SCHEME", "SMS_SECRET_ID",
            "SMS_SECRET_KEY", "SMS_APP_ID", "SMS_SIGN_NAME", "SMS_TEMPLATES")
    saved = {k: app.config[k] for k in keys}
    app.config.update(SMS_PROVIDER="tencent", SMS_ENDPOINT=f"127.0.0.1:{server.server_port}",
                      SMS_ENDPOINT_SCHEME="http", SMS_SECRET_ID="AKIDtest",
                      SMS_SECRET_KEY="secret", SMS_APP_ID="1400000001", SMS_SIGN_NAME="心晴",
                      SMS_TEMPLATES={"code": "100001", "notice": "100002", "reminder": "100003"})
    yield TencentApi
    server.shutdown()
    server.server_close()
    app.config.update(saved)


def test_tencent_sdk_sends_template_id_params_and_signature(app, tencent, phone_worker):
    outbox.enqueue_sms(phone_worker, "accounts.code", template="code", params=["482913", "5"])
    db.session.commit()
    assert outbox.send_due().sent == 1
    [request] = tencent.received
    assert request["action"] == "SendSms"
    assert request["auth"].startswith("TC3-HMAC-SHA256 Credential=AKIDtest/")
    assert request["body"] == {
        "PhoneNumberSet": ["+8613900139000"], "SmsSdkAppId": "1400000001",
        "TemplateId": "100001", "SignName": "心晴", "TemplateParamSet": ["482913", "5"]}


def test_provider_refusal_is_retried_later_not_lost(app, tencent, phone_worker):
    tencent.fail = True
    outbox.enqueue_sms(phone_worker, "accounts.code", template="code", params=["482913", "5"])
    db.session.commit()
    report = outbox.send_due()
    assert (report.sent, report.retried) == (0, 1)
    message = db.session.scalars(db.select(OutboxMessage)).one()
    assert message.sent_at is None
    assert message.attempts == 1
    assert "LimitExceeded" in (message.last_error or "")


def test_watch_delivers_a_committed_sms_within_two_seconds(app, sms_file, phone_worker):
    stop = threading.Event()
    runner = threading.Thread(target=_watch, args=(app, stop), daemon=True)
    runner.start()
    try:
        time.sleep(0.3)
        outbox.enqueue_sms(phone_worker, "accounts.code", template="code",
                           params=["111222", "5"])
        db.session.commit()
        committed = time.monotonic()
        while not lines(sms_file) and time.monotonic() - committed < 5:
            time.sleep(0.05)
        assert lines(sms_file), "not delivered"
        assert time.monotonic() - committed < 2
    finally:
        stop.set()
        runner.join(5)


def _watch(app, stop: threading.Event) -> None:
    with app.app_context():
        outbox.watch(stop=stop.is_set, interval=0.25)
        db.session.remove()


def test_outbox_send_watch_command_exists(app):
    result = CliRunner().invoke(app.cli, ["outbox", "send", "--help"])
    assert "--watch" in result.output


def test_a_notice_reaches_each_channel_the_person_has_and_is_dropped_on_all(
        app, sms_file, make_user):
    from app.accounts import services as accounts
    from app.notifications.notices import Notice, deliver, drop_unsent

    both = make_user(login="lan@example.com")
    both.phone = "+8613700137000"
    phone_only = accounts.register_worker("13600136000", "correct horse battery",
                                          accepted_privacy_notice=True)
    notice = Notice("booking.reminder", subject="提醒", text="明天见",
                    link="https://xq.example/b/2", sms_template="reminder")
    assert {m.channel for m in deliver(both, notice, dedupe_key="r:1")} == {"email", "sms"}
    assert [m.channel for m in deliver(phone_only, notice, dedupe_key="r:2")] == ["sms"]
    assert deliver(both, notice, dedupe_key="r:1") == []  # queued once per channel
    db.session.commit()
    drop_unsent("r:1")
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 1
