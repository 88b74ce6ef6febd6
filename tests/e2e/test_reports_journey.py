"""A social worker on a phone or desktop: the anonymised dashboard, a filter, the CSV."""

from __future__ import annotations

import csv
import io

import pyotp
from playwright.sync_api import expect

from app.accounts import services as accounts
from app.accounts.models import Role
from app.reports import history
from tests.e2e.steps import open_menu

PASSWORD = "a calm walk by the river"
K = 5


def test_social_worker_reads_the_dashboard_filters_it_and_downloads_the_csv(visit, live_app):
    page, t = visit.page, visit.t
    email = f"social.{visit.lang}.{visit.viewport}@example.com".lower().replace("_", "-")
    with live_app.app_context():
        accounts.create_staff(email=email, password=PASSWORD, roles=[Role.SOCIAL_WORKER],
                              name="社工")
        history.generate(8000, months=3)
        last = history.months_back(1)[0]
    visit.go("/account/login")
    page.get_by_label(t("手机号或邮箱", "Mobile number or email")).fill(email)
    page.get_by_label(t("密码", "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t("登录", "Sign in")).click()
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label(t("验证码", "Code")).fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name=t("开启并继续", "Turn on and continue")).click()
    page.get_by_role("link", name=t("我已保存好，继续", "I have kept them, continue")).click()

    open_menu(visit)
    page.get_by_role("navigation").get_by_role("link", name=t("统计报表", "Reports")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("匿名统计报表", "Anonymised reports"))
    page.get_by_label(t("时间", "Period")).select_option(last)
    page.get_by_role("button", name=t("显示", "Show")).click()
    for heading in (t("测评数量与重复测评", "Screening volume and repeat screening"),
                    t("各项服务的使用", "Service use by service"),
                    t("各中心的服务使用", "Service use by centre"),
                    t("自伤相关回答与联系请求", "Self-harm answers and requests for contact"),
                    t("安全跟进（按月份）", "Safety follow-up by month"),
                    t("安全跟进（按中心）", "Safety follow-up by centre")):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator("table.report-table").first).to_be_visible()
    expect(page.locator(".report-chart svg").first).to_be_visible()
    visit.check_accessibility()
    visit.shot("dashboard")

    page.get_by_label(t("地点", "Place")).select_option("dehua")
    page.get_by_label(t("行业", "Sector")).select_option("agriculture")
    page.get_by_label(t("年龄段", "Age band")).select_option("55_plus")
    page.get_by_role("button", name=t("显示", "Show")).click()
    # A small group shows as suppressed on the page itself, in words, not only in the CSV.
    expect(page.locator('[data-notice="below-k"]').first).to_be_visible()
    expect(page.locator(".legend-note", has=page.locator(".suppressed"))).to_contain_text(
        t("为保护隐私已隐藏", "suppressed to protect privacy"))
    for cell in page.locator("td .suppressed").all():  # a dash a screen reader can explain
        expect(cell).to_contain_text(t("已隐藏", "suppressed"))
    visit.check_accessibility()
    visit.shot("narrow-filter")

    with page.expect_download() as download:
        page.get_by_role("link", name=t("下载这些表格（CSV）",
                                        "Download these tables (CSV)")).click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) > 1
    medians = {t("从预约到活动的天数中位数", "Median days from request to session"),
               t("处理所需小时数中位数", "Median hours to resolve"),
               t("首次联系用时中位数（小时）", "Median hours to first contact"),
               t("按时联系比例（%）", "Share within target (%)")}
    values = [row[3] for row in rows[1:] if row[2] not in medians]
    assert all(v == "—" or int(v) == 0 or int(v) >= K for v in values)
