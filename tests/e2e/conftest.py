"""Browser tests: Debian's Chromium driven by Playwright against the app on a real server.

Missing Chromium, Playwright or axe-core skips these tests loudly on a developer's
machine and fails them under CI (``.ci/run`` installs all three).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app.extensions import db
from app.seed import seed
from tests.conftest import free_port

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
VIEWPORTS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
    "desktop": {"viewport": {"width": 1366, "height": 768}},
}
LANGS = {"zh_CN": "zh-CN", "en": "en-GB"}


def _missing() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (make install-dev)"
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium fonts-noto-cjk)"
    if not AXE.exists():
        return f"axe-core is missing at {AXE} (make e2e-deps)"
    return None


@pytest.fixture(autouse=True)
def _browser_ready() -> None:
    """Skip loudly on a developer's machine without a browser; fail under CI."""
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI: browser tests cannot run: {reason}")
    pytest.skip(f"BROWSER TESTS SKIPPED: {reason}")


@pytest.fixture(scope="session")
def live_app(make_app: Callable[..., Flask], databases) -> Iterator[Flask]:
    """A fresh database with the migrations and demo data, behind a threaded real server."""
    from flask_migrate import upgrade

    # Every journey signs in from 127.0.0.1: the limits are tested elsewhere, not here.
    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new(), WTF_CSRF_TIME_LIMIT=None,
                   LOGIN_RATE_LIMIT="1000 per minute", LOGIN_ACCOUNT_RATE_LIMIT="1000 per minute",
                   REGISTER_RATE_LIMIT="1000 per minute")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        seed()
        db.session.remove()
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{port}"
    yield app
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Visit:
    """A browser tab in one language and viewport, with its request log and screenshots."""

    page: object
    base: str
    lang: str
    viewport: str
    journey: str
    requests: list[str] = field(default_factory=list)
    step: int = 0

    def go(self, path: str) -> object:
        return self.page.goto(self.base + path)

    def shot(self, name: str) -> None:
        """Save a full-page screenshot a person can look at."""
        self.step += 1
        folder = ARTIFACTS / self.journey
        folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(
            path=str(folder / f"{self.step:02d}-{name}-{self.lang}-{self.viewport}.png"),
            full_page=True)

    def check_accessibility(self) -> None:
        """axe-core on the current page: no serious or critical violation."""
        self.page.add_script_tag(path=str(AXE))
        violations = self.page.evaluate("async () => (await axe.run()).violations")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in violations if v["impact"] in ("serious", "critical")]
        assert bad == [], f"{self.page.url}: {bad}"

    def t(self, zh: str, en: str) -> str:
        """The text expected in this visit's language."""
        return en if self.lang == "en" else zh


@pytest.fixture(params=[(lang, vp) for lang in LANGS for vp in VIEWPORTS],
                ids=lambda p: f"{p[0]}-{p[1]}")
def visit(request: pytest.FixtureRequest, browser, live_app: Flask) -> Iterator[Visit]:
    """A new browser context per journey run; asserts nothing left 127.0.0.1."""
    lang, viewport = request.param
    context = browser.new_context(locale=LANGS[lang], bypass_csp=True,
                                  extra_http_headers={"Accept-Language": LANGS[lang]},
                                  **VIEWPORTS[viewport])
    page = context.new_page()
    tab = Visit(page=page, base=live_app.config["LIVE_URL"], lang=lang, viewport=viewport,
                journey=request.node.originalname)
    page.on("request", lambda req: tab.requests.append(req.url))
    yield tab
    tab.shot("last")  # where the journey ended, also when it failed
    context.close()
    foreign = {urlsplit(u).hostname for u in tab.requests if not u.startswith(("data:", "blob:"))}
    assert foreign <= {"127.0.0.1"}, f"requests left the machine: {foreign}"
