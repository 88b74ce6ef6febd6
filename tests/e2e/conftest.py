"""Browser tests: Debian's Chromium driven by Playwright against the app on a real server.

Missing Chromium, Playwright or axe-core skips these tests loudly on a developer's
machine and fails them under CI (``.ci/run`` installs all three).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from app.extensions import db
from app.seed import seed
from tests.conftest import Mailbox, free_port

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
MAX_TOP_PX = 64  # header plus any top bar on a 390 x 844 phone


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
    _skip_unless_ready()


def _skip_unless_ready() -> None:
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
    app.config["PUBLIC_BASE_URL"] = app.config["LIVE_URL"]  # links in emails open here
    yield app
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    _skip_unless_ready()  # session fixtures are set up before the autouse check runs
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Mail:
    """A local SMTP server the live app sends to; journeys read their own person's mail."""

    def __init__(self, app: Flask, mailbox: Mailbox) -> None:
        self.app, self.mailbox = app, mailbox

    def deliver(self, to: str) -> list[EmailMessage]:
        """Run the outbox once (as the cron job does) and return everything sent to ``to``."""
        from app.notifications.services import send_due

        with self.app.app_context():
            send_due()
            db.session.remove()
        return [m for m in self.mailbox.messages if m["To"] == to]


@pytest.fixture(scope="session")
def mail(live_app: Flask) -> Iterator[Mail]:
    """aiosmtpd on a free loopback port, shared by every journey (recipients are unique)."""
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    live_app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield Mail(live_app, mailbox)
    controller.stop()


# The function Visit.check_layout runs in the page, without its leading comment.
LAYOUT_JS = "\n".join(line for line in (Path(__file__).resolve().parent / "layout.js")
                      .read_text(encoding="utf-8").splitlines() if not line.startswith("//"))


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
    _context_args: dict = field(default_factory=dict, repr=False)
    _others: list = field(default_factory=list, repr=False)

    def go(self, path: str) -> object:
        return self.page.goto(self.base + path)

    def shot(self, name: str, page: object | None = None) -> None:
        """Save a full-page screenshot a person can look at."""
        self.step += 1
        folder = ARTIFACTS / self.journey
        folder.mkdir(parents=True, exist_ok=True)
        (page or self.page).screenshot(
            path=str(folder / f"{self.step:02d}-{name}-{self.lang}-{self.viewport}.png"),
            full_page=True)

    def check_accessibility(self) -> None:
        """axe-core on the current page: no serious or critical violation; and the layout.

        A click that navigates returns before the next page has a document, so wait for it,
        and inject again if a navigation replaced the page under the script."""
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        for attempt in range(3):
            # A form that answered with a download leaves no new page to wait for.
            with contextlib.suppress(PlaywrightTimeout):
                self.page.wait_for_load_state("load", timeout=10_000)
            try:
                self.page.add_script_tag(path=str(AXE))
                break
            except PlaywrightError:
                if attempt == 2:
                    raise
        violations = self.page.evaluate("async () => (await axe.run()).violations")
        bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in violations if v["impact"] in ("serious", "critical")]
        assert bad == [], f"{self.page.url}: {bad}"
        self.check_layout()

    def check_layout(self) -> None:
        """Nothing makes the page scroll sideways; on the phone every control is 44 px, and
        the header plus any bar stuck to the top is at most 64 px (the page is the point)."""
        found = self.page.evaluate(LAYOUT_JS, self.viewport == "phone")
        assert found["overflow"] == [], f"{self.page.url} scrolls sideways: {found['overflow']}"
        assert found["small"] == [], f"{self.page.url} small touch targets: {found['small']}"
        if self.viewport == "phone":
            assert found["top"] <= MAX_TOP_PX, (
                f"{self.page.url}: header and top bars are {found['top']} px tall on a phone")

    def another(self) -> Visit:
        """A second person's browser in the same language and viewport (its requests checked
        too); closed with this one."""
        context = self.page.context.browser.new_context(**self._context_args)
        self._others.append(context)
        other = Visit(page=context.new_page(), base=self.base, lang=self.lang,
                      viewport=self.viewport, journey=self.journey, requests=self.requests,
                      _context_args=self._context_args, _others=self._others)
        other.page.on("request", lambda req: self.requests.append(req.url))
        other.shot = lambda name: self.shot(name, page=other.page)  # one numbering of steps
        return other

    def t(self, zh: str, en: str) -> str:
        """The text expected in this visit's language."""
        return en if self.lang == "en" else zh


@pytest.fixture(params=[(lang, vp) for lang in LANGS for vp in VIEWPORTS],
                ids=lambda p: f"{p[0]}-{p[1]}")
def visit(request: pytest.FixtureRequest, browser, live_app: Flask) -> Iterator[Visit]:
    """A new browser context per journey run; asserts nothing left 127.0.0.1."""
    lang, viewport = request.param
    args = dict(locale=LANGS[lang], bypass_csp=True,
                extra_http_headers={"Accept-Language": LANGS[lang]}, **VIEWPORTS[viewport])
    context = browser.new_context(**args)
    page = context.new_page()
    tab = Visit(page=page, base=live_app.config["LIVE_URL"], lang=lang, viewport=viewport,
                journey=request.node.originalname, _context_args=args)
    page.on("request", lambda req: tab.requests.append(req.url))
    yield tab
    tab.shot("last")  # where the journey ended, also when it failed
    for other in tab._others:
        other.close()
    context.close()
    foreign = {urlsplit(u).hostname for u in tab.requests if not u.startswith(("data:", "blob:"))}
    assert foreign <= {"127.0.0.1"}, f"requests left the machine: {foreign}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A browser that leaves a page drops its pending static-file requests; the test server
    then lets go of the open file at garbage collection, which Python reports as an unraisable
    ResourceWarning in whatever test runs next. That is the development server's way, not a
    fault of the page under test (gunicorn closes the file)."""
    ignore = pytest.mark.filterwarnings(
        r"ignore:Exception ignored in. <_io.FileIO name='[^']*/app/static/"
        r":pytest.PytestUnraisableExceptionWarning")
    for item in items:
        if "/tests/e2e/" in str(item.fspath):
            item.add_marker(ignore)
