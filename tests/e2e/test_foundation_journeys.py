"""Foundation journeys in a real browser: a worker's account, and an admin adding staff
and correcting them."""

from __future__ import annotations

import itertools

import pyotp
from playwright.sync_api import expect

from app.accounts import services as accounts
from app.accounts.models import Role
from tests.e2e.steps import make_centre, open_menu

_phones = itertools.count(13900000001)
PASSWORD = "a calm walk by the river"


def test_worker_registers_signs_out_and_back_in(visit):
    page, t = visit.page, visit.t
    # An email on this form: mobile numbers sign up by SMS code (tests/e2e/test_phone_journeys).
    phone = f"zhou{next(_phones)}@example.com"
    visit.go("/")
    assert page.locator("html").get_attribute("lang") == t("zh-CN", "en")
    expect(page.get_by_role("link", name="12356")).to_be_visible()
    visit.check_accessibility()
    visit.shot("home")

    page.get_by_role("link", name=t("注册账号", "Create an account")).first.click()
    page.get_by_label(t("手机号或邮箱", "Mobile number or email")).fill(phone)
    nickname = t("我们怎么称呼您？（选填）", "What should we call you? (optional)")
    page.get_by_label(nickname).fill("小周")
    page.get_by_label(t("密码", "Password"), exact=True).fill("short")
    page.get_by_label(t("再输入一次密码", "Repeat the password")).fill("short")
    page.get_by_role("button", name=t("创建我的账号", "Create my account")).click()
    # Bad input: the message sits next to the field and what was typed is kept.
    too_short = t("请至少使用 8 个字符。", "Use at least 8 characters.")
    expect(page.get_by_text(too_short)).to_be_visible()
    expect(page.get_by_label(t("手机号或邮箱", "Mobile number or email"))).to_have_value(phone)
    visit.check_accessibility()
    visit.shot("register-error")

    page.get_by_label(t("密码", "Password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("再输入一次密码", "Repeat the password")).fill(PASSWORD)
    page.get_by_label(t("我已阅读隐私说明", "I have read the privacy notice"), exact=False).check()
    page.get_by_role("button", name=t("创建我的账号", "Create my account")).click()
    welcome = t("欢迎！您的账号已经创建好了。", "Welcome! Your account is ready.")
    expect(page.get_by_text(welcome)).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name=t("我的", "Me"), exact=True).click()
    visit.check_accessibility()
    visit.shot("me")
    page.get_by_role("main").get_by_role("link", name=t("我的账号", "My account")).click()
    expect(page.get_by_text(phone)).to_be_visible()
    visit.check_accessibility()
    visit.shot("account")

    page.get_by_role("button", name=t("退出登录", "Sign out")).click()
    expect(page.get_by_text(t("您已退出登录。", "You have signed out."))).to_be_visible()

    page.get_by_role("link", name=t("登录", "Sign in")).first.click()
    page.get_by_label(t("手机号或邮箱", "Mobile number or email")).fill(phone)
    page.get_by_label(t("密码", "Password"), exact=True).fill("not my password")
    page.get_by_role("button", name=t("登录", "Sign in")).click()
    not_right = t("手机号、邮箱或密码不正确", "is not right")
    expect(page.get_by_text(not_right, exact=False)).to_be_visible()
    visit.shot("login-error")
    page.get_by_label(t("密码", "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t("登录", "Sign in")).click()
    nav = page.get_by_role("navigation")
    nav.get_by_role("link", name=t("我的", "Me"), exact=True).click()
    page.get_by_role("main").get_by_role("link", name=t("我的账号", "My account")).click()
    page.get_by_role("link", name=t("我的数据", "My data")).click()
    with page.expect_download() as download:
        page.get_by_role("button", name=t("下载我的数据", "Download my data")).click()
    assert phone in download.value.path().read_text(encoding="utf-8")
    visit.check_accessibility()
    visit.shot("my-data")


def test_language_switch_on_a_phone_and_desktop(visit):
    page, t = visit.page, visit.t
    visit.go("/account/login")
    other = t("English", "中文")
    page.get_by_role("link", name=other).click()
    expected = t("Sign in", "登录")
    expect(page.get_by_role("heading", level=1)).to_have_text(expected)
    visit.shot("switched")


def test_admin_sets_up_the_second_factor_and_adds_a_counsellor(visit, live_app):
    page, t = visit.page, visit.t
    admin_email = f"admin.{visit.lang}.{visit.viewport}@example.com".lower().replace("_", "-")
    with live_app.app_context():
        accounts.create_staff(email=admin_email, password=PASSWORD, roles=[Role.ADMIN],
                              name="管理员")
    centre = make_centre(live_app, visit, services=[], staff=[])
    visit.go("/account/login")
    page.get_by_label(t("手机号或邮箱", "Mobile number or email")).fill(admin_email)
    page.get_by_label(t("密码", "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t("登录", "Sign in")).click()

    # First sign-in of a staff member: the authenticator is set up before anything else.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("保护您的工作人员账号", "Protect your staff account"))
    expect(page.get_by_role("img", name=t("身份验证器应用的二维码",
                                          "QR code for your authenticator app"))).to_be_visible()
    visit.check_accessibility()
    visit.shot("mfa-setup")
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label(t("验证码", "Code")).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=t("开启并继续", "Turn on and continue")).click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    visit.check_accessibility()
    visit.shot("recovery-codes")
    page.get_by_role("link", name=t("我已保存好，继续", "I have kept them, continue")).click()
    page.get_by_role("link", name=t("工作人员账号", "Staff accounts")).first.click()
    visit.check_accessibility()
    visit.shot("staff-list")
    page.get_by_role("link", name=t("添加工作人员", "Add a staff member")).click()
    email = f"zhou.{visit.lang}.{visit.viewport}@example.com".lower().replace("_", "-")
    page.get_by_label(t("姓名", "Name")).fill("周老师")
    page.get_by_label(t("工作邮箱", "Work email")).fill(email)
    # Roles are held per centre: a counsellor at this run's own centre.
    page.get_by_role("group", name=t(centre.name_zh, centre.name_en), exact=True).get_by_label(
        t("心理咨询师", "Counsellor")).check()
    page.get_by_label(t("初始密码", "First password")).fill(PASSWORD)
    visit.check_accessibility()
    visit.shot("staff-form")
    page.get_by_role("button", name=t("创建账号", "Create the account")).click()
    created = t("工作人员账号已创建。", "The staff account was created.")
    expect(page.get_by_text(created)).to_be_visible()
    expect(page.get_by_role("cell", name=email)).to_be_visible()
    visit.shot("staff-created")
    # ...corrects the new colleague's name...
    page.get_by_role("link", name=t("编辑 周老师", "Edit 周老师")).click()
    expect(page.get_by_label(t("工作邮箱", "Work email"))).to_have_value(email)
    page.get_by_label(t("姓名", "Name")).fill("周明老师")
    visit.check_accessibility()
    visit.shot("staff-edit")
    page.get_by_role("button", name=t("保存", "Save")).click()
    expect(page.get_by_role("row").filter(has_text=email)).to_contain_text("周明老师")
    # ...and sees the creation in the audit log.
    open_menu(visit)
    page.get_by_role("navigation").get_by_role("link", name=t("系统管理", "Administration")).click()
    page.wait_for_url("**/admin/")
    page.get_by_role("main").get_by_role("link", name=t("审计日志", "Audit log")).click()
    page.wait_for_url("**/admin/audit")
    page.get_by_label(t("操作名称开头", "Action starts with")).fill("account.staff_created")
    page.get_by_role("button", name=t("搜索", "Search")).click()
    expect(page.get_by_role("cell", name="account.staff_created").first).to_be_visible()
    visit.check_accessibility()
    visit.shot("audit-log")
