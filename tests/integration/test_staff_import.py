"""Staff by the hundred: a CSV is checked row by row first, then imported whole or not at all,
and each new person is invited to choose a password."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.admin import import_stash, staff_import
from app.admin.models import StaffImportStash
from app.booking.models import centre_staff
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.security.scope import centres_in_scope
from tests.booking_helpers import make_centre
from tests.helpers import submit, text

HEADER = "name,phone,email,roles,centres\n"
URL = "/admin/staff/import"


@pytest.fixture
def network(app):
    hub = make_centre("qz-hub")
    anxi, dehua = make_centre("anxi"), make_centre("dehua")
    for county in (anxi, dehua):
        county.kind, county.parent_id = "county", hub.id
    db.session.commit()
    return {"hub": hub, "anxi": anxi, "dehua": dehua}


def staff_csv(n: int, centre: str = "anxi") -> str:
    rows = [f"员工{i},139{i:08d},staff{i}@example.com,counsellor;social_worker,{centre}"
            for i in range(n)]
    return HEADER + "\n".join(rows) + "\n"


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(OutboxMessage)))


def dry_run(client, csv_text: str, lang: str = "en"):
    return submit(client, f"{URL}?lang={lang}", {"csv_text": csv_text})


def confirm(client, csv_text: str):
    return submit(client, f"{URL}?lang=en", {"csv_text": csv_text, "confirm": "y"})


def test_500_staff_import_in_one_go_after_a_dry_run(signed_in, admin, network):
    client = signed_in(admin)
    data = staff_csv(500)
    before = counts()
    checked = dry_run(client, data)
    assert checked.status_code == 200
    assert "500 rows are ready to import." in text(checked)
    assert counts() == before  # the dry run changes nothing
    started = time.monotonic()
    response = confirm(client, data)
    took = time.monotonic() - started
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/staff"
    assert counts()[0] == before[0] + 500
    person = accounts.find_by_login("staff123@example.com")
    assert person.name == "员工123"
    assert person.roles == {Role.COUNSELLOR, Role.SOCIAL_WORKER}
    assert centres_in_scope(person, Role.COUNSELLOR).centre_ids == {network["anxi"].id}
    assert accounts.find_by_login("13900000123").id == person.id
    assert db.session.scalar(select(func.count()).select_from(centre_staff).where(
        centre_staff.c.centre_id == network["anxi"].id)) == 500
    invitations = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "account.staff_invited")).all()
    assert sorted({m.channel for m in invitations}) == ["email", "sms"]
    assert len(invitations) == 1000  # email and SMS for each: both are on file
    assert took < 120, f"500 rows took {took:.1f} s"


def test_one_bad_row_changes_nothing_and_says_which(signed_in, admin, network):
    client = signed_in(admin)
    lines = staff_csv(300).splitlines()
    lines[150] = "坏行,12345,not-an-email,counsellor,anxi"  # line 151 of the file
    data = "\n".join(lines)
    before = counts()
    checked = dry_run(client, data)
    assert checked.status_code == 400
    page = text(checked)
    assert "1 row needs correcting; nothing was imported." in page
    assert re.search(r"<td>151</td>\s*<td>坏行</td>", page)
    assert "Enter a valid email address" in page
    assert "Import 300" not in page  # no import button for a file with errors
    # Even sent as if confirmed, it is all or nothing.
    response = confirm(client, data)
    assert response.status_code == 400
    assert counts() == before
    assert accounts.find_by_login("staff1@example.com") is None


def test_row_errors_are_translated_and_name_duplicates_and_unknowns(signed_in, admin,
                                                                    counsellor, network):
    client = signed_in(admin)
    data = HEADER + "\n".join([
        f"甲,,{counsellor.email},counsellor,anxi",
        "乙,,b@example.com,boss,anxi",
        "丙,,b@example.com,counsellor,nowhere",
        ",,,,",
        "丁,,,counsellor,anxi",
    ])
    page = text(dry_run(client, data, lang="zh_CN"))
    assert "该邮箱或手机号已有账号。" in page
    assert "未知角色“boss”" in page
    assert "您管理的中心里没有“nowhere”。" in page
    assert "第 3 行已有相同的邮箱。" in page
    english = text(dry_run(client, data))
    assert "An account with this email or mobile number already exists." in english
    assert "Unknown role “boss”" in english
    assert "No centre “nowhere” among yours." in english
    assert "The same email is on line 3." in english
    assert "Give an email address or a mobile number." in english


def test_a_county_admin_imports_into_their_own_centre_only(signed_in, make_user, network):
    county_admin = make_user(Role.ADMIN)
    for link in county_admin.role_links:
        link.centre_id = network["anxi"].id
    db.session.commit()
    client = signed_in(county_admin)
    refused = dry_run(client, staff_csv(2, centre="dehua"))
    assert refused.status_code == 400
    assert "No centre “dehua” among yours." in text(refused)
    assert dry_run(client, staff_csv(2, centre="anxi")).status_code == 200


def test_the_whole_file_is_refused_when_it_is_not_a_staff_csv(signed_in, admin, network):
    client = signed_in(admin)
    for data in ("", "just,some,words\n1,2,3", HEADER):
        response = dry_run(client, data)
        assert response.status_code == 400
    too_many = staff_csv(staff_import.MAX_ROWS + 1)
    assert "At most 2000 rows" in text(dry_run(client, too_many))


def test_an_uploaded_file_is_checked_too(signed_in, admin, network):
    import io

    client = signed_in(admin)
    page = client.get(URL)
    from tests.helpers import csrf_token

    response = client.post(f"{URL}?lang=en", data={
        "csrf_token": csrf_token(text(page)),
        "csv_file": (io.BytesIO(("\ufeff" + staff_csv(3)).encode()), "staff.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "3 rows are ready to import." in text(response)


def test_the_invitation_link_sets_the_password_then_the_authenticator(app, signed_in, admin,
                                                                      network):
    confirm(signed_in(admin), HEADER + "新人,,new.person@example.com,counsellor,anxi\n")
    email = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.kind == "account.staff_invited", OutboxMessage.channel == "email"))
    assert "7" in email.payload["text"]
    link = re.search(r"http://\S+(/account/reset/\S+)", email.payload["text"])[1]
    newcomer = app.test_client()
    assert accounts.authenticate("new.person@example.com", "anything at all") is None
    assert newcomer.get(link).headers["Location"] == "/account/reset"
    new = "a quiet river in spring"
    done = submit(newcomer, "/account/reset", {"password": new, "confirm": new})
    assert done.status_code == 303
    signed = submit(newcomer, "/account/login", {"login": "new.person@example.com",
                                                 "password": new})
    assert signed.headers["Location"] == "/account/mfa/setup"  # then pairs the authenticator


def _confirm_form(page: str) -> str:
    """The confirm step's form: the one whose button imports."""
    return re.search(r'<form method="post" novalidate>(.*?)</form>', page, re.S)[1]


def test_the_confirm_step_carries_a_token_not_the_file(app, signed_in, admin, make_user,
                                                         network):
    from tests.helpers import csrf_token, sign_in

    client = signed_in(admin)
    checked = text(dry_run(client, staff_csv(3)))
    form = _confirm_form(checked)
    assert "staff1@example.com" not in form
    assert "员工1" not in form
    token = re.search(r'name="stash" value="([^"]+)"', form)[1]
    # The file waits sealed: neither an address nor a name is readable at rest.
    stash = db.session.scalar(select(StaffImportStash))
    assert b"staff1@example.com" not in bytes(stash.csv_ct)
    assert "员工1".encode() not in bytes(stash.csv_ct)
    # Another admin cannot use the token.
    make_user(Role.ADMIN, login="other.admin@example.com")
    stranger = app.test_client()
    assert sign_in(stranger, "other.admin@example.com").status_code == 303
    page = stranger.get(URL)
    refused = stranger.post(f"{URL}?lang=en", data={
        "csrf_token": csrf_token(text(page)), "stash": token, "confirm": "y"})
    assert refused.status_code == 400
    assert accounts.find_by_login("staff1@example.com") is None
    page = client.get(URL)
    done = client.post(f"{URL}?lang=en", data={
        "csrf_token": csrf_token(text(page)), "stash": token, "confirm": "y"})
    assert done.status_code == 303
    assert accounts.find_by_login("staff1@example.com").name == "员工1"
    # Used once, then gone with its key.
    assert db.session.scalar(select(func.count()).select_from(StaffImportStash)) == 0
    page = client.get(URL)
    again = client.post(f"{URL}?lang=en", data={
        "csrf_token": csrf_token(text(page)), "stash": token, "confirm": "y"})
    assert again.status_code == 400
    assert "check the file again" in text(again)


def test_an_unconfirmed_file_is_shredded_by_the_retention_run(app, signed_in, admin, network):
    from datetime import timedelta

    from app.security import retention
    from app.security.models import DataKey
    from app.types import utcnow

    dry_run(signed_in(admin), staff_csv(2))
    stash = db.session.scalar(select(StaffImportStash))
    key_id = stash.data_key_id
    retention.run(utcnow() + timedelta(minutes=10))
    assert db.session.scalar(select(func.count()).select_from(StaffImportStash)) == 1
    retention.run(utcnow() + import_stash.STASH_LIFETIME + timedelta(minutes=1))
    assert db.session.scalar(select(func.count()).select_from(StaffImportStash)) == 0
    assert db.session.get(DataKey, key_id) is None
