"""Choosing a counsellor and meeting by phone or video (issue 17): profiles approved before
they are public, photos cleaned, filters, and a video link only its two people see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.accounts.models import Role
from app.admin import services as admin_services
from app.audit.models import AuditEvent
from app.booking import bookings, meetings, profiles
from app.booking.care_models import CounsellorProfile, SessionMeeting
from app.extensions import db
from app.notifications.attachments import file_bytes
from app.notifications.models import OutboxMessage
from app.notifications.sms import render
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session
from tests.conftest import IsolatedClient
from tests.helpers import csrf_token, sign_in

JITSI = "https://meet.example.org/{room}"


def jpeg_with_exif(size: tuple[int, int] = (1200, 900)) -> bytes:
    """A photo as a phone takes it: large, with camera and GPS details in its EXIF."""
    image = Image.new("RGB", size, (200, 120, 80))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "SecretCam 9"  # Model
    exif[0x8825] = {1: "N", 2: (24.0, 54.0, 0.0)}  # GPS
    out = BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def draft(**changes) -> profiles.Draft:
    values = dict(display_name="林老师", gender="female", specialties=["sleep", "work_stress"],
                  languages=["putonghua", "minnan"], qualifications=["registered"],
                  register_number="X-2019-001", intro_zh="擅长睡眠问题。",
                  intro_en="Sleep and work stress.")
    return profiles.Draft(**{**values, **changes})


@pytest.fixture
def photo_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "COUNSELLOR_PHOTO_DIR", str(tmp_path / "photos"))
    return tmp_path / "photos"


def fresh(app):
    """Another browser (each request in its own app context, as on a real server)."""
    app.test_client_class = IsolatedClient
    return app.test_client()


def staff_client(app, user):
    """A separate browser signed in as ``user`` (password and authenticator)."""
    client = fresh(app)
    assert sign_in(client, user.email).status_code == 303  # password and authenticator code
    return client


# -- profiles --------------------------------------------------------------------------
def test_a_profile_is_public_only_after_an_admin_approves_it(app, client, counsellor, admin,
                                                             photo_dir):
    profile = profiles.submit(counsellor, draft(photo=jpeg_with_exif()))
    db.session.commit()
    assert client.get(f"/counsellors/{profile.uid}").status_code == 404
    assert "林老师" not in client.get("/counsellors").get_data(as_text=True)
    photo = profile.pending["photo"]
    assert client.get(f"/counsellors/photos/{photo}").status_code == 404  # not yet public

    admin_services.approve_profile(admin, profile)
    db.session.commit()
    page = client.get(f"/counsellors/{profile.uid}").get_data(as_text=True)
    assert "林老师" in page
    assert "X-2019-001" in page
    assert "睡眠问题" in page
    assert "闽南话" in page
    assert db.session.scalar(select(AuditEvent.action).where(
        AuditEvent.action == "profile.approved")) is not None
    # A later edit waits: workers still see the approved version.
    profiles.submit(counsellor, draft(display_name="林晓"))
    db.session.commit()
    assert "林晓" not in client.get(f"/counsellors/{profile.uid}").get_data(as_text=True)


def test_the_photo_is_shrunk_and_loses_its_camera_and_place_details(app, client, counsellor,
                                                                    admin, photo_dir):
    profile = profiles.submit(counsellor, draft(photo=jpeg_with_exif()))
    admin_services.approve_profile(admin, profile)
    db.session.commit()
    response = client.get(f"/counsellors/photos/{profile.photo}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    served = Image.open(BytesIO(response.data))
    assert max(served.size) <= profiles.PHOTO_SIDE
    assert dict(served.getexif()) == {}
    assert b"SecretCam" not in response.data
    assert b"PhoneMaker" not in response.data


@pytest.mark.parametrize(("upload", "message"), [
    (b"%PDF-1.4 not a photo at all", "不是我们能读取的照片"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "不是我们能读取的照片"),  # a broken PNG
])
def test_a_file_that_is_not_an_image_is_refused_and_nothing_changes(
        app, counsellor, photo_dir, upload, message):
    client = staff_client(app, counsellor)
    page = client.get("/counsellors/my-profile").get_data(as_text=True)
    response = client.post("/counsellors/my-profile", data={
        "csrf_token": csrf_token(page), "display_name": "林老师", "gender": "female",
        "photo": (BytesIO(upload), "me.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CounsellorProfile)) == 0
    assert not photo_dir.exists() or not any(photo_dir.iterdir())


def test_a_20_mb_photo_is_refused_with_a_message_and_nothing_changes(app, counsellor,
                                                                     photo_dir):
    client = staff_client(app, counsellor)
    page = client.get("/counsellors/my-profile").get_data(as_text=True)
    boundary = "xq-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{csrf_token(page)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"photo\"; filename=\"big.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"
            ).encode() + b"\xff" * (20 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    response = client.post("/counsellors/my-profile", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "照片不能大于 5 MB" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CounsellorProfile)) == 0


def test_a_counsellor_submits_their_profile_through_the_page(app, counsellor, photo_dir):
    client = staff_client(app, counsellor)
    page = client.get("/counsellors/my-profile?lang=en").get_data(as_text=True)
    response = client.post("/counsellors/my-profile", data={
        "csrf_token": csrf_token(page), "display_name": "Lin", "gender": "female",
        "specialties": ["sleep", "grief"], "languages": ["minnan"],
        "qualifications": ["counsellor_2"], "register_number": "", "intro_zh": "",
        "intro_en": "Hello", "photo": (BytesIO(jpeg_with_exif((300, 300))), "me.jpg")},
        content_type="multipart/form-data")
    assert response.status_code == 303
    profile = profiles.profile_of(counsellor)
    assert profile.pending["specialties"] == ["sleep", "grief"]
    assert profile.pending["photo"]
    assert not profile.published
    # the counsellor sees their own pending photo; nobody else does yet
    assert client.get(f"/counsellors/photos/{profile.pending['photo']}").status_code == 200
    assert fresh(app).get(
        f"/counsellors/photos/{profile.pending['photo']}").status_code == 404


def test_a_registered_psychologist_needs_a_register_number(app, counsellor):
    with pytest.raises(profiles.ProfileError) as refused:
        profiles.submit(counsellor, draft(register_number=""))
    assert refused.value.field == "register_number"


def test_an_admin_sends_a_profile_back_with_a_note(app, counsellor, admin):
    profile = profiles.submit(counsellor, draft())
    db.session.commit()
    with pytest.raises(admin_services.AdminError):
        admin_services.send_back_profile(admin, profile, "no")  # too short to help
    admin_services.send_back_profile(admin, profile, "请补充英文简介。")
    db.session.commit()
    assert profile.pending is None
    assert profile.review_note == "请补充英文简介。"
    assert not profile.published


def _photos(folder) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_replaced_and_declined_photos_leave_the_disk(app, counsellor, admin, photo_dir):
    first = profiles.submit(counsellor, draft(photo=jpeg_with_exif())).pending["photo"]
    db.session.commit()
    # A second photo before approval replaces the first: only the new file stays.
    profile = profiles.submit(counsellor, draft(photo=jpeg_with_exif((800, 600))))
    db.session.commit()
    second = profile.pending["photo"]
    assert _photos(photo_dir) == {second}
    admin_services.approve_profile(admin, profile)
    db.session.commit()
    assert first not in _photos(photo_dir)
    # A new photo that is sent back goes; the public one stays.
    profile = profiles.submit(counsellor, draft(photo=jpeg_with_exif((640, 480))))
    db.session.commit()
    declined = profile.pending["photo"]
    admin_services.send_back_profile(admin, profile, "请换一张正面照片。")
    db.session.commit()
    assert _photos(photo_dir) == {second}
    assert declined != second
    # An approved new photo replaces the public one on disk too.
    profile = profiles.submit(counsellor, draft(photo=jpeg_with_exif((700, 500))))
    db.session.commit()
    third = profile.pending["photo"]
    admin_services.approve_profile(admin, profile)
    db.session.commit()
    assert _photos(photo_dir) == {third}
    assert client_sees_photo(app, third)


def client_sees_photo(app, name: str) -> bool:
    return fresh(app).get(f"/counsellors/photos/{name}").status_code == 200


def test_a_photo_is_kept_when_its_change_is_rolled_back(app, counsellor, photo_dir):
    profile = profiles.submit(counsellor, draft(photo=jpeg_with_exif()))
    db.session.commit()
    kept = profile.pending["photo"]
    profiles.submit(counsellor, draft(photo=jpeg_with_exif((800, 600))))
    db.session.rollback()  # the replacement never happened
    assert kept in _photos(photo_dir)


def test_the_retention_run_sweeps_photos_no_profile_names(app, counsellor, photo_dir):
    from app.security import retention

    profile = profiles.submit(counsellor, draft(photo=jpeg_with_exif()))
    db.session.commit()
    wanted = profile.pending["photo"]
    stray = profiles.store_photo(profiles.clean_photo(jpeg_with_exif()))  # e.g. a crash
    (photo_dir / "notes.txt").write_text("not ours")
    assert retention.run()["stray_photos"] == 0  # too new: an upload may be under way
    later = utcnow() + profiles.STRAY_PHOTO_AGE + timedelta(minutes=1)
    assert retention.run(later)["stray_photos"] == 1
    assert _photos(photo_dir) == {wanted, "notes.txt"}
    assert stray not in _photos(photo_dir)


def test_only_an_admin_approves(app, counsellor):
    profile = profiles.submit(counsellor, draft())
    with pytest.raises(admin_services.AdminError):
        admin_services.approve_profile(counsellor, profile)


# -- browsing and filters ------------------------------------------------------------------
@pytest.fixture
def network(make_user, admin):
    """Two approved counsellors: Lin (sleep, Minnan, video) and Chen (career, English)."""
    lin = make_user(Role.COUNSELLOR, name="Lin")
    chen = make_user(Role.COUNSELLOR, name="Chen")
    video = make_service("talk-video", kind="individual", capacity=1)
    video.mode, video.meeting_url_template = "video", JITSI
    in_person = make_service("talk", kind="individual", capacity=1)
    centre = make_centre("hub", services=[video, in_person], staff=[lin, chen])
    for user, fields in ((lin, draft()),
                         (chen, draft(display_name="陈老师", gender="male",
                                      specialties=["career"], languages=["english"],
                                      qualifications=[], register_number=""))):
        admin_services.approve_profile(admin, profiles.submit(user, fields))
    db.session.commit()
    return {"lin": lin, "chen": chen, "centre": centre,
            "video": make_session(centre, video, lin, starts_in=timedelta(days=2)),
            "talk": make_session(centre, in_person, chen, starts_in=timedelta(days=2))}


def test_workers_filter_counsellors_by_specialty_language_gender_and_mode(app, client,
                                                                          network):
    def names(**args) -> set[str]:
        page = client.get("/counsellors", query_string=args).get_data(as_text=True)
        return {n for n in ("林老师", "陈老师") if n in page}

    assert names() == {"林老师", "陈老师"}
    assert names(specialty="sleep", language="minnan") == {"林老师"}
    assert names(language="english") == {"陈老师"}
    assert names(gender="male") == {"陈老师"}
    assert names(mode="video") == {"林老师"}
    assert names(centre="hub", mode="in_person") == {"陈老师"}
    assert names(specialty="not-a-specialty") == {"林老师", "陈老师"}  # stale link: ignored
    page = client.get("/counsellors?specialty=sleep").get_data(as_text=True)
    assert f"/booking/sessions/{network['video'].id}" in page  # next free time, bookable


def test_a_profile_lists_only_bookable_times(app, client, network):
    profile = profiles.profile_of(network["lin"])
    network["video"].booked = 1  # full
    db.session.commit()
    page = client.get(f"/counsellors/{profile.uid}").get_data(as_text=True)
    assert f"/booking/sessions/{network['video'].id}" not in page


# -- video sessions and their link -----------------------------------------------------------
def test_the_video_link_is_seen_by_the_booked_worker_and_the_counsellor_only(
        app, network, make_user, social_worker, worker):
    session = network["video"]
    booking = bookings.book(worker, session.id)
    db.session.commit()
    link = db.session.scalar(select(SessionMeeting)).link
    assert link.startswith("https://meet.example.org/xinqing-")
    # sealed at rest: the address is not in the row
    raw = db.session.scalar(select(SessionMeeting.link_ct))
    assert b"meet.example.org" not in raw

    mine = fresh(app)
    sign_in(mine, worker.phone)
    assert link in mine.get(f"/bookings/{booking.uid}").get_data(as_text=True)
    assert link in mine.get(f"/booking/sessions/{session.id}").get_data(as_text=True)

    other = make_user()
    other_client = fresh(app)
    sign_in(other_client, other.email)
    assert link not in other_client.get(f"/booking/sessions/{session.id}").get_data(
        as_text=True)
    assert other_client.get(f"/bookings/{booking.uid}").status_code == 404
    social = staff_client(app, social_worker)
    assert link not in social.get(f"/booking/sessions/{session.id}").get_data(as_text=True)
    assert link not in fresh(app).get(f"/booking/sessions/{session.id}").get_data(
        as_text=True)

    counsellor_page = staff_client(app, network["lin"]).get(
        f"/counselling/sessions/{session.id}").get_data(as_text=True)
    assert link in counsellor_page
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "meeting.link_shown")) is not None
    # another counsellor does not reach the session at all
    assert staff_client(app, network["chen"]).get(
        f"/counselling/sessions/{session.id}").status_code == 404


def test_the_link_is_in_the_calendar_file_and_the_reminder_email_not_the_sms(
        app, network, worker, monkeypatch):
    session = network["video"]
    session.starts_at = datetime.combine((utcnow() + timedelta(days=3)).date(),
                                         datetime.min.time(), UTC) + timedelta(hours=6)
    session.ends_at = session.starts_at + timedelta(minutes=60)
    worker.email, worker.notify_email = "xiaoli@example.com", True
    db.session.commit()
    bookings.book(worker, session.id)
    db.session.commit()
    link = meetings.link_for(worker, session)
    rows = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == worker.id)).all()
    [booked] = [r for r in rows if r.kind == "booking.booked" and r.channel == "email"]
    calendar = file_bytes(booked.payload["attachments"][0]).decode()  # as the sender writes it
    assert "LOCATION:" + link[:40] in calendar.replace("\r\n ", "")
    reminders = [r for r in rows if r.kind == "booking.reminder"]
    assert any(r.channel == "email" and link in r.payload["text"] for r in reminders)
    for row in rows:
        if row.channel == "sms":
            text = render(row.payload["template"], row.payload["params"])
            assert "meet.example.org" not in text
            assert len(text) <= 70


def test_a_counsellor_types_a_link_and_http_is_refused(app, network, signed_in):
    session = network["video"]
    client = signed_in(network["lin"])
    page = client.get(f"/counselling/sessions/{session.id}").get_data(as_text=True)
    token = csrf_token(page)
    refused = client.post(f"/counselling/sessions/{session.id}/meeting-link",
                          data={"csrf_token": token, "link": "http://meeting.tencent.com/x"})
    assert refused.status_code == 303
    shown = client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "会议链接必须以 https:// 开头" in shown
    assert db.session.scalar(select(func.count()).select_from(SessionMeeting)) == 0
    good = "https://meeting.tencent.com/dm/AbCdEf"
    saved = client.post(f"/counselling/sessions/{session.id}/meeting-link",
                        data={"csrf_token": token, "link": good})
    assert saved.status_code == 303
    assert meetings.link_for(network["lin"], session) == good
    # someone else's session: 404, nothing saved
    other = client.post(f"/counselling/sessions/{network['talk'].id}/meeting-link",
                        data={"csrf_token": token, "link": good})
    assert other.status_code == 404


@pytest.mark.parametrize("bad", ["http://meet.example.org/x", "ftp://x.org", "https://",
                                 "javascript:alert(1)", "https://a b.org", "meet.example.org"])
def test_meeting_links_must_be_https(bad):
    with pytest.raises(meetings.MeetingError):
        meetings.check_link(bad)


def test_an_admin_service_with_an_http_template_is_refused(app, admin):
    fields = dict(code="v", kind="individual", mode="video", meeting_url_template="http://x.org/{room}",
                  name_zh="视频", name_en="Video", description_zh="", description_en="",
                  duration_minutes=50, capacity=1, requires_confirmation=False,
                  cancellation_window_hours=24, min_notice_hours=2, horizon_days=30,
                  buffer_minutes=10, active=True)
    with pytest.raises(admin_services.AdminError) as refused:
        admin_services.save_service(admin, None, fields)
    assert refused.value.field == "meeting_url_template"


def test_phone_sessions_say_who_calls_whom(app, client, counsellor, worker):
    service = make_service("talk-phone", kind="individual", capacity=1)
    service.mode = "phone"
    session = make_session(make_centre(services=[service]), service, counsellor)
    page = client.get(f"/booking/sessions/{session.id}?lang=en").get_data(as_text=True)
    assert "The counsellor calls you" in page
    assert "quiet room" in page  # what a remote session means for privacy


# -- the API ---------------------------------------------------------------------------------
def test_api_lists_counsellors_with_filters_and_sessions_carry_their_mode(app, client,
                                                                          network):
    everyone = client.get("/api/v1/counsellors").get_json()
    assert {c["display_name"] for c in everyone} == {"林老师", "陈老师"}
    lin = client.get("/api/v1/counsellors?specialty=sleep&language=minnan").get_json()
    assert [c["display_name"] for c in lin] == ["林老师"]
    assert {"code": "minnan", "name": {"zh": "闽南话", "en": "Minnan (Hokkien)"}} \
        in lin[0]["languages"]
    assert lin[0]["next_free"][0]["mode"] == "video"
    assert client.get("/api/v1/counsellors?specialty=nonsense").status_code == 422
    assert client.get(f"/api/v1/counsellors?centre={network['centre'].id}&mode=in_person"
                      ).get_json()[0]["display_name"] == "陈老师"


def test_the_counsellor_gets_the_number_to_call_for_a_phone_session(app, make_user, worker):
    lin = make_user(Role.COUNSELLOR, name="Lin")
    service = make_service("talk-phone", kind="individual", capacity=1)
    service.mode = "phone"
    session = make_session(make_centre(services=[service], staff=[lin]), service, lin)
    bookings.book(worker, session.id)
    db.session.commit()
    page = staff_client(app, lin).get(f"/counselling/sessions/{session.id}")
    assert 'href="tel:+8613800138000"' in page.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent.id).where(
        AuditEvent.action == "meeting.phone_shown")) is not None


# -- feedback after a session ------------------------------------------------------------
def test_feedback_is_asked_once_and_kept_only_as_anonymous_statistics(app, client, signed_in,
                                                                      worker, counsellor):
    from app.booking.care_models import FeedbackGiven, FeedbackStat

    service = make_service("talk", kind="individual", capacity=1)
    session = make_session(make_centre(services=[service]), service, counsellor)
    booking = bookings.book(worker, session.id)
    db.session.commit()
    signed_in(worker)
    url = f"/bookings/{booking.uid}/feedback"
    token = csrf_token(client.get(f"/bookings/{booking.uid}").get_data(as_text=True))
    too_early = client.post(url, data={"csrf_token": token, "rating": "5", "recommend": "yes"})
    assert too_early.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(FeedbackStat)) == 0

    booking.status = "attended"
    db.session.commit()
    assert "/feedback" in client.get(f"/bookings/{booking.uid}").get_data(as_text=True)
    bad = client.post(url, data={"csrf_token": token, "rating": "9", "recommend": "yes"})
    assert bad.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(FeedbackStat)) == 0
    assert client.post(url, data={"csrf_token": token, "rating": "4",
                                  "recommend": "unsure"}).status_code == 303
    twice = client.post(url, data={"csrf_token": token, "rating": "1", "recommend": "no"})
    assert "已经对这次咨询提交过反馈" in client.get(twice.headers["Location"]).get_data(
        as_text=True)
    stats = db.session.scalars(select(FeedbackStat)).all()
    assert [(s.rating, s.recommend, s.mode) for s in stats] == [(4, "unsure", "in_person")]
    # nothing in the row names the person, the booking or the counsellor
    assert not {"user_id", "booking_id", "counsellor_id", "created_at"} & set(
        FeedbackStat.__table__.columns.keys())
    assert db.session.scalar(select(func.count()).select_from(FeedbackGiven)) == 1
