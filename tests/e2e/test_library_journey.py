"""The library on a phone: a counsellor writes an article, a second counsellor approves it,
a worker finds it by searching (in Chinese on the Chinese run) and reads it, then plays a
guided exercise that the phone can seek in (Range requests)."""

from __future__ import annotations

import shutil
import subprocess  # nosec B404
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app.accounts import services as accounts
from app.accounts.models import Role
from app.extensions import db
from app.library import audio
from app.library import services as library
from tests.e2e.conftest import Visit
from tests.e2e.steps import make_staff, make_worker, sign_in, sign_in_staff, tag


def _second_counsellor(app, visit: Visit) -> tuple[str, str]:
    """Another counsellor (make_staff names staff by role, one per role and visit)."""
    import pyotp

    from app.types import utcnow
    from tests.e2e.steps import PASSWORD

    email, secret = f"{tag(visit, 'reviewer')}@example.com", pyotp.random_base32()
    with app.app_context():
        user = accounts.create_staff(email=email, password=PASSWORD, roles=[Role.COUNSELLOR],
                                     name="陈老师")
        user.totp_secret, user.totp_enabled_at = secret, utcnow()
        db.session.commit()
    return email, secret


def _published_exercise(app, visit: Visit, author: str, reviewer: str) -> str:
    """An audio exercise with a real (generated, transcoded) recording; returns its uid."""
    if not audio.tools():
        pytest.skip("LIBRARY JOURNEY AUDIO SKIPPED: ffmpeg is not installed")
    with tempfile.TemporaryDirectory() as tmp, app.app_context():
        wav = Path(tmp) / "tone.wav"
        subprocess.run([shutil.which("ffmpeg") or "ffmpeg", "-nostdin", "-loglevel", "error",
                        "-f", "lavfi", "-i", "sine=frequency=330:duration=20", str(wav)],
                       check=True, timeout=120)
        one, two = accounts.find_by_login(author), accounts.find_by_login(reviewer)
        lang = "en" if visit.lang == "en" else "zh"
        version = library.create_item(one, "audio", lang, library.Draft(
            title=visit.t("呼吸练习 ", "Breathing ") + tag(visit, "ex"),
            transcript=visit.t("慢慢吸气，慢慢呼气。", "Breathe in slowly, and out slowly.")))
        library.attach_audio(one, version, wav, "tone.wav")
        library.submit(one, version)
        library.approve(two, version)
        db.session.commit()
        return version.item.uid


def test_counsellors_publish_an_article_and_a_worker_reads_and_listens(visit: Visit, live_app):
    if visit.viewport != "phone":
        pytest.skip("the library journey runs on the phone (the issue's device)")
    page, t = visit.page, visit.t
    author, author_secret = make_staff(live_app, visit, Role.COUNSELLOR, "林老师")
    reviewer_visit = visit.another()
    reviewer_login, reviewer_secret = _second_counsellor(live_app, visit)
    marker = tag(visit, "art")
    title = t(f"夜班以后怎么睡 {marker}", f"Sleeping after nights {marker}")

    # the author writes and sends for review
    sign_in_staff(visit, live_app, author, author_secret)
    visit.go("/library/staff/new")
    page.get_by_label(t("标题", "Title"), exact=True).fill(title)
    page.locator("#body").fill(t("## 拉上窗帘\n\n下夜班回家后，先拉上遮光窗帘再睡觉。",
                                 "## Close the curtains\n\nAfter a night shift, sleep with "
                                 "blackout curtains drawn."))
    page.get_by_label(t("睡眠", "Sleep"), exact=True).check()
    visit.check_accessibility()
    page.get_by_role("button", name=t("保存草稿", "Save draft")).click()
    page.get_by_role("button", name=t("提交审核", "Send for review")).click()
    expect(page.get_by_text(t("已提交审核", "Sent for review"))).to_be_visible()
    # the author's own approve button is not there
    approve = page.get_by_role("button", name=t("批准并发布", "Approve and publish"))
    expect(approve).to_have_count(0)
    visit.shot("sent-for-review")

    # a second counsellor approves
    sign_in_staff(reviewer_visit, live_app, reviewer_login, reviewer_secret)
    reviewer_visit.go("/library/staff")
    reviewer_visit.page.locator(".session-item", has_text=marker).get_by_role(
        "link", name=t("审核", "Review"), exact=True).first.click()
    reviewer_visit.check_accessibility()
    reviewer_visit.page.get_by_role("button", name=t("批准并发布", "Approve and publish")).click()
    expect(reviewer_visit.page.get_by_text(t("已发布", "Published")).first).to_be_visible()
    reviewer_visit.shot("approved")
    uid = _published_exercise(live_app, visit, author, reviewer_login)

    # a worker searches, reads, and listens
    worker = visit.another()
    sign_in(worker, make_worker(live_app, worker, "reader", "小周"))
    worker.go("/library")
    worker.page.locator("#q").fill(t("夜班睡", "nights"))
    worker.page.get_by_role("button", name=t("搜索", "Search")).click()
    worker.check_accessibility()
    worker.shot("search")
    worker.page.get_by_role("link", name=title).click()
    heading = worker.page.get_by_role("heading", name=t("拉上窗帘", "Close the curtains"))
    expect(heading).to_be_visible()
    worker.check_accessibility()
    worker.shot("article")

    worker.go(f"/library/{uid}")
    player = worker.page.locator("audio[controls]")
    expect(player).to_have_count(1)
    expect(worker.page.get_by_text(t("慢慢吸气", "Breathe in slowly"))).to_be_visible()
    worker.check_accessibility()
    src = player.get_attribute("src")
    part = worker.page.request.get(visit.base + src, headers={"Range": "bytes=1000-1999"})
    assert part.status == 206
    assert part.headers["content-range"].startswith("bytes 1000-1999/")
    if worker.page.evaluate("document.createElement('audio').canPlayType("
                            "'audio/mp4; codecs=\"mp4a.40.2\"')"):
        seekable = worker.page.evaluate("""async () => {
            const a = document.querySelector('audio');
            if (a.readyState < 1) {
                await new Promise(r => a.addEventListener('loadedmetadata', r, {once: true}));
            }
            a.currentTime = 12;
            return [a.seekable.length, a.seekable.length ? a.seekable.end(0) : 0, a.duration];
        }""")
        assert seekable[0] >= 1
        assert seekable[1] >= 19
    worker.shot("exercise")
