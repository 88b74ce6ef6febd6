"""The self-help library: writing, second-counsellor review, versions, safe Markdown, search
in Chinese, result-page suggestions (never on a crisis page) and de-identified counts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from app.library import services as library
from app.library.models import PUBLISHED, REVIEW, SUPERSEDED, LibraryItem
from app.reports.models import LibraryUse
from tests.helpers import sign_in, submit, text
from tests.integration.screening_helpers import PHQ9_CRISIS, PHQ9_MODERATE, answer


def publish(author, reviewer, *, title="睡不好觉的时候", lang="zh", body="规律作息有助于睡眠。",
            tags=("sleep",), kind="article", transcript="") -> LibraryItem:
    version = library.create_item(author, kind, lang, library.Draft(
        title=title, body_md=body, tags=list(tags), transcript=transcript))
    library.submit(author, version)
    library.approve(reviewer, version)
    db.session.commit()
    return version.item


@pytest.fixture
def two_counsellors(make_user):
    from app.accounts.models import Role

    return make_user(Role.COUNSELLOR), make_user(Role.COUNSELLOR)


def test_a_counsellor_writes_a_second_approves_and_readers_see_it(app, client, two_counsellors):
    author, reviewer = two_counsellors
    sign_in(client, author.email)
    response = submit(client, "/library/staff/new", {
        "kind": "article", "lang": "zh", "title": "夜班后的睡眠", "summary": "倒班工人的睡眠小建议",
        "body": "## 白天睡觉\n\n拉上遮光窗帘，**关掉手机提醒**。", "tags": ["sleep", "shift_work"]})
    assert response.status_code == 303
    item = db.session.scalar(select(LibraryItem))
    version = item.versions[0]
    assert client.get(f"/library/{item.uid}").status_code == 404  # a draft is not public
    token_page = f"/library/staff/versions/{version.id}"
    assert submit(client, f"{token_page}/submit", {}, form_url=token_page).status_code == 303
    # the author cannot approve their own version
    refused = submit(client, f"{token_page}/approve", {}, form_url=token_page)
    assert refused.status_code == 303
    assert "cannot approve your own" in text(client.get(token_page + "?lang=en"))
    db.session.refresh(version)
    assert version.status == REVIEW
    client.post("/account/logout", data={"csrf_token": ""})
    client.delete_cookie("session")
    sign_in(client, reviewer.email)
    assert "夜班后的睡眠" in text(client.get("/library/staff"))
    assert submit(client, f"{token_page}/approve", {}, form_url=token_page).status_code == 303
    db.session.refresh(version)
    assert version.status == PUBLISHED
    assert version.reviewer_id == reviewer.id
    page = text(client.get(f"/library/{item.uid}"))
    assert "<h2>白天睡觉</h2>" in page
    assert "<strong>关掉手机提醒</strong>" in page
    actions = [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.target == f"library_items:{item.uid}").order_by(AuditEvent.seq))]
    assert actions == ["library.created", "library.submitted", "library.published"]


def test_a_new_draft_leaves_the_published_version_up_until_approved(app, client,
                                                                     two_counsellors):
    author, reviewer = two_counsellors
    item = publish(author, reviewer, title="第一版标题")
    draft = library.start_revision(reviewer, item)
    library.edit_draft(reviewer, draft, library.Draft(title="第二版标题", body_md="新的内容。",
                                                      tags=["sleep"]))
    db.session.commit()
    assert "第一版标题" in text(client.get(f"/library/{item.uid}"))
    with pytest.raises(library.LibraryError):
        library.start_revision(author, item)  # one open version at a time
    library.submit(reviewer, draft)
    with pytest.raises(library.LibraryError):
        library.edit_draft(reviewer, draft, library.Draft(title="改不了"))  # in review: frozen
    library.approve(author, draft)
    db.session.commit()
    page = text(client.get(f"/library/{item.uid}"))
    assert "第二版标题" in page
    assert "第一版标题" not in page
    assert [v.status for v in item.versions] == [SUPERSEDED, PUBLISHED]


def test_only_the_author_edits_a_draft(app, client, two_counsellors):
    author, other = two_counsellors
    version = library.create_item(author, "article", "en", library.Draft(title="Mine"))
    db.session.commit()
    sign_in(client, other.email)
    assert client.get(f"/library/staff/versions/{version.id}/edit").status_code == 404
    assert client.get(f"/library/staff/versions/{version.id}").status_code == 200


def test_markdown_keeps_a_safe_subset_only(app, client, two_counsellors):
    author, reviewer = two_counsellors
    body = ("Hello <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n"
            "[click](javascript:alert(3)) [ok](https://example.org) ![p](http://evil/x.png)\n\n"
            "<iframe src='https://evil'></iframe>")
    item = publish(author, reviewer, title="Safe", lang="en", body=body)
    html = item.published.body_html
    for bad in ("<script", "<img", "<iframe", 'href="javascript'):
        assert bad not in html  # raw HTML is shown as text, never as markup
    assert "&lt;script&gt;" in html
    assert '<a href="https://example.org" rel="noopener noreferrer">ok</a>' in html
    page = text(client.get(f"/library/{item.uid}?lang=en"))
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize(("query", "found"), [
    ("睡眠", True), ("睡不好", True), ("失眠了怎么办睡不好", True), ("倒班", True),
    ("SLEEP", True), ("愤怒", False), ("100%", False), ("50_", False)])
def test_chinese_and_english_search(app, client, two_counsellors, query, found):
    author, reviewer = two_counsellors
    publish(author, reviewer, title="睡不好觉的时候", body="倒班工人常常睡眠不足。Sleep tips.")
    publish(author, reviewer, title="和家人谈谈", body="说出您的感受。", tags=("family",))
    page = text(client.get("/library", query_string={"q": query}))
    assert ("睡不好觉的时候" in page) is found
    assert "和家人谈谈" not in page


def test_filters_by_topic_kind_and_language(app, client, two_counsellors):
    author, reviewer = two_counsellors
    publish(author, reviewer, title="睡不好觉的时候")
    publish(author, reviewer, title="和家人谈谈", tags=("family",))
    publish(author, reviewer, title="Talking to family", lang="en", tags=("family",))
    page = text(client.get("/library?tag=family"))
    assert "和家人谈谈" in page
    assert "睡不好觉的时候" not in page
    assert "Talking to family" not in page  # other language
    assert "Talking to family" in text(client.get("/library?tag=family&lang=en"))
    assert "和家人谈谈" not in text(client.get("/library?kind=audio"))
    assert client.get("/library?tag=<script>&kind=x").status_code == 200


def test_non_crisis_result_shows_two_to_four_matching_items(app, client, two_counsellors):
    author, reviewer = two_counsellors
    for n in range(5):
        publish(author, reviewer, title=f"中度情绪低落资料{n}", tags=("phq9.moderate",))
    publish(author, reviewer, title="与结果无关的资料", tags=("anger",))
    page = text(answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 1}))
    assert "From our self-help library" in page or "自助资料库" in page
    assert 2 <= page.count("中度情绪低落资料") <= 4
    assert "与结果无关的资料" not in page


def test_result_with_few_matches_is_filled_to_two(app, client, two_counsellors):
    author, reviewer = two_counsellors
    publish(author, reviewer, title="中度情绪低落资料", tags=("phq9.moderate",))
    publish(author, reviewer, title="何时何处求助", tags=("help",))
    page = text(answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 1}))
    assert "中度情绪低落资料" in page
    assert "何时何处求助" in page


def test_crisis_result_shows_no_library_items(app, client, two_counsellors):
    author, reviewer = two_counsellors
    for n in range(3):
        publish(author, reviewer, title=f"放松资料{n}", tags=("phq9.minimal", "help"))
    page = text(answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0}))
    assert "12356" in page
    assert "放松资料" not in page


def test_reading_is_counted_per_item_and_month_without_the_reader(app, client, worker,
                                                                    two_counsellors):
    author, reviewer = two_counsellors
    item = publish(author, reviewer)
    client.get(f"/library/{item.uid}")
    sign_in(client, "13800138000")
    client.get(f"/library/{item.uid}")
    rows = db.session.scalars(select(LibraryUse)).all()
    assert [(r.item_uid, r.event, r.n) for r in rows] == [(item.uid, "read", 2)]
    assert set(LibraryUse.__table__.columns.keys()) == {"item_uid", "month", "event", "n"}
    reads = db.session.scalars(select(AuditEvent).where(
        AuditEvent.target == f"library_items:{item.uid}",
        AuditEvent.actor == worker.uid)).all()
    assert reads == []  # nothing about who read what


def test_workers_cannot_reach_the_writing_desk(app, client, worker):
    sign_in(client, "13800138000")
    assert client.get("/library/staff").status_code == 403
    assert client.get("/library/staff/new").status_code == 403


def test_starter_set_covers_every_result_in_both_languages(app, client, two_counsellors):
    import assessments
    from app.library.models import ARTICLE, AUDIO
    from app.library.starter import seed_library

    author, reviewer = two_counsellors
    assert seed_library(author, reviewer) == 36
    assert seed_library(author, reviewer) == 0  # idempotent
    for lang in ("zh", "en"):
        assert len(library.find(lang, kind=ARTICLE)) >= 12
        exercises = library.find(lang, kind=AUDIO)
        assert len(exercises) == 3
        assert all(v.transcript and v.audio_file is None for v in exercises)  # tests: no voice
        for instrument in assessments.instruments():
            crisis_bands = {r.band for r in instrument.safety if r.crisis and r.band}
            for band in instrument.bands:
                shown = library.for_result(instrument.code, band.code, [], lang, crisis=False)
                if band.code not in crisis_bands:
                    assert 2 <= len(shown) <= 4, (lang, instrument.code, band.code)
                    assert all(f" {instrument.code}.{band.code} " in v.tags for v in shown[:2])
    page = text(client.get(f"/library/{exercises[0].item.uid}?lang=en"))
    assert "The recording is not available on this installation" in page
    assert exercises[0].transcript.splitlines()[0] in page


def test_reports_show_use_per_item_and_month(app, client, two_counsellors, social_worker):
    author, reviewer = two_counsellors
    item = publish(author, reviewer, title="睡不好觉的时候")
    for _ in range(3):
        client.get(f"/library/{item.uid}")
    sign_in(client, social_worker.email)
    page = text(client.get("/reports/library?lang=en"))
    row = page.split("睡不好觉的时候", 1)[1].split("</tr>", 1)[0]
    assert "<td>3</td><td>0</td>" in row
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "reports.library_viewed")) is not None


def test_a_version_approved_meanwhile_is_not_approved_twice(app, two_counsellors, make_user):
    from app.accounts.models import Role
    from app.library.models import LibraryVersion

    author, _ = two_counsellors
    third = make_user(Role.COUNSELLOR)
    version = library.create_item(author, "article", "zh", library.Draft(
        title="同时审核", body_md="正文"))
    library.submit(author, version)
    db.session.commit()
    # another reviewer approved it in another request a moment ago
    db.session.execute(LibraryVersion.__table__.update().where(
        LibraryVersion.__table__.c.id == version.id).values(status=PUBLISHED))
    with pytest.raises(library.LibraryError):
        library.approve(third, version)  # this request still holds the version "in review"
    db.session.rollback()
    assert db.session.get(LibraryVersion, version.id).reviewer_id is None
