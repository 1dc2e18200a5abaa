"""Browser tests: the system Chromium driven by Playwright (sync API) against live_server.

Chromium comes from the operating system (``apt-get install chromium``); ``playwright install``
is never run. Without it these tests skip, except in CI (SHANZHI_REQUIRE_BROWSER=1) where they
fail. Every page is watched for CSP violations, JavaScript errors and requests that leave the
test server (the map must work with no internet).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from fixtures
# would otherwise be refused as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS_DIR = Path(__file__).resolve().parents[2] / "test-results"

# Records CSP violations as the page sees them; runs before any page script (not subject to CSP).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="session", autouse=True)
def _one_request_at_a_time_on_sqlite() -> Iterator[None]:
    """On an in-memory SQLite test database the live server's request threads all share the
    test's one connection; two requests at once (a page's htmx requests, a navigation while
    one is in flight) can then trip over each other. There, serve one request at a time (the
    plain WSGIServer closes each connection, so the browser never waits on a kept-alive one).
    PostgreSQL runs the threaded server, as production does."""
    from django.conf import settings
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class OneAtATime(WSGIServer):
        # The server thread itself already uses the shared connection (LiveServerThread.run).
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    sqlite = settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")
    original = LiveServerThread.server_class
    if sqlite:
        LiveServerThread.server_class = OneAtATime
    yield
    LiveServerThread.server_class = original


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        message = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("SHANZHI_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def browser_world(transactional_db):
    """The persona world, committed so that the live server's thread can read it."""
    from shanzhi.testing.personas import build_world

    return build_world()


@dataclass
class BrowserSession:
    page: object
    base_url: str
    console_problems: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def csp_violations(self) -> list[str]:
        reported = self.page.evaluate("window.__cspViolations || []")
        return reported + [m for m in self.console_problems if "Content Security Policy" in m]

    def assert_clean(self) -> None:
        """No CSP violation, no console error (e.g. a missing static file), no JavaScript
        exception, nothing fetched from outside the test server."""
        assert self.csp_violations() == []
        assert self.console_problems == []
        assert self.page_errors == []
        assert self.external_requests == []


def _new_session(request, chromium, live_server, **context_options) -> Iterator[BrowserSession]:
    context = chromium.new_context(locale="zh-CN", **context_options)
    context.add_init_script(CSP_LISTENER)
    session = BrowserSession(page=None, base_url=live_server.url)

    def only_the_test_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            session.external_requests.append(route.request.url)
            route.abort()

    context.route(re.compile(r"^https?://"), only_the_test_server)
    page = context.new_page()
    page.set_default_timeout(10_000)

    def on_console(message):
        # Chromium reports a blocked inline script or style as a console error.
        if message.type in ("error", "warning"):
            session.console_problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: session.page_errors.append(str(exc)))
    session.page = page
    yield session
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        RESULTS_DIR.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid)
        try:
            page.screenshot(path=str(RESULTS_DIR / f"{name}.png"), full_page=True)
        except Exception as exc:  # noqa: BLE001 - a failed screenshot must not hide the failure
            print(f"screenshot of {request.node.nodeid} failed: {exc}")
    context.close()


@pytest.fixture
def browser(request, chromium, live_server) -> Iterator[BrowserSession]:
    """A fresh desktop browser context (own cookies) on the live server."""
    yield from _new_session(request, chromium, live_server, viewport={"width": 1280, "height": 860})


@pytest.fixture
def phone(request, chromium, live_server) -> Iterator[BrowserSession]:
    """A fresh phone-sized context: grid workers use phones."""
    yield from _new_session(
        request,
        chromium,
        live_server,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
