"""The API docs page works in a real browser under the app's own strict CSP, offline."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect


def test_docs_page_shows_the_api_under_the_real_csp(browser, live_app):
    context = browser.new_context(locale="en-GB", extra_http_headers={"Accept-Language": "en"},
                                  viewport={"width": 1366, "height": 768})  # CSP enforced
    page = context.new_page()
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        page.goto(live_app.config["LIVE_URL"] + "/api/v1/docs")
        expect(page.get_by_role("heading", name="Xinqing API documentation")).to_be_visible()
        # Swagger UI rendered the document: operations and the Authorize button are there.
        expect(page.get_by_text("/api/v1/bookings/{booking_id}").first).to_be_visible()
        expect(page.get_by_role("button", name="Authorize")).to_be_visible()
        page.get_by_text("/api/v1/sessions", exact=True).first.click()
        expect(page.get_by_text("seats_left").first).to_be_visible()
        page.screenshot(path=str(_artifact("api-docs.png")), full_page=False)
    finally:
        context.close()
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []
    assert {urlsplit(u).hostname for u in requests if not u.startswith("data:")} <= {
        "127.0.0.1"}


def _artifact(name: str):
    from tests.e2e.conftest import ARTIFACTS

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS / name
