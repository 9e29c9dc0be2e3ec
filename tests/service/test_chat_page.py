"""The chat page and the API docs in headless Chromium (Debian's chromium, driven by Playwright): a question,
the streamed answer with its sources, a follow-up; the docs rendered from the package's files.  On both pages
the Content-Security-Policy is enforced with no violation, and every request stays on the server's origin (it
works on a LAN without Internet).  A screenshot of the chat page is kept in test-artifacts/."""

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")

# Collects CSP violations as the page sees them (besides the console messages Chromium writes for each).
WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            yield launched
        finally:
            launched.close()


class Watched:
    """A page with its CSP violations, console CSP messages and requests recorded."""

    def __init__(self, browser: Any, base: str, **options: Any) -> None:
        self.page = browser.new_page(**options)
        self.base = base
        self.console: list[str] = []
        self.requests: list[str] = []
        self.page.add_init_script(WATCH_CSP)
        self.page.on("console", lambda m: self.console.append(m.text))
        self.page.on("request", lambda r: self.requests.append(r.url))

    def assert_clean(self) -> None:
        violations = self.page.evaluate("window.__csp")
        csp_messages = [m for m in self.console if "Content Security Policy" in m]
        assert violations == [] and csp_messages == [], (violations, csp_messages)
        foreign = [u for u in self.requests if not u.startswith(self.base) and not u.startswith("data:")]
        assert self.requests and foreign == [], foreign


def test_ask_and_follow_up_in_the_browser(live_server: str, browser: Any) -> None:
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    watched = Watched(browser, live_server, viewport={"width": 420, "height": 900})  # a phone-sized screen
    page = watched.page
    response = page.goto(live_server + "/")
    assert "script-src 'self';" in response.headers["content-security-policy"]  # enforced, and strict
    assert page.locator("html").get_attribute("lang") == "vi"
    assert page.locator("#question").get_attribute("maxlength") == "2000"  # service/limits.py
    page.fill("#question", "Quảng Nam có bao nhiêu điểm cầu?")
    page.keyboard.press("Enter")  # keyboard only
    first = page.locator(".message.assistant").nth(0)
    first.locator(".sources li").first.wait_for(timeout=30000)
    assert first.locator(".answer").inner_text().startswith("19 điểm")
    assert "quang-nam-2012" in first.locator(".sources").inner_text()
    assert "19 điểm" in first.locator(".sources li mark").first.inner_text()  # the evidence, highlighted
    page.fill("#question", "Còn Kon Tum thì sao?")
    page.click("#send")
    second = page.locator(".message.assistant").nth(1)
    second.locator(".sources li").first.wait_for(timeout=30000)
    assert re.match(r"1[34] điểm cầu", second.locator(".answer").inner_text())  # installed / in use
    assert "kon-tum" in second.locator(".sources").inner_text()
    page.screenshot(path=str(artifacts / "chat-page.png"), full_page=True)
    watched.assert_clean()
    page.close()
    assert (artifacts / "chat-page.png").stat().st_size > 10_000


def test_the_csp_would_catch_a_violation(live_server: str, browser: Any) -> None:
    """The watch works: an inline script injected into the page is blocked and reported."""
    watched = Watched(browser, live_server)
    watched.page.goto(live_server + "/")
    watched.page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.appendChild(s); }"
    )
    watched.page.wait_for_timeout(200)
    assert watched.page.evaluate("window.__ran") is None
    assert any("script-src" in v for v in watched.page.evaluate("window.__csp"))
    watched.page.close()


def test_api_docs_render_offline_under_the_csp(live_server: str, browser: Any) -> None:
    watched = Watched(browser, live_server, viewport={"width": 1200, "height": 900})
    page = watched.page
    page.goto(live_server + "/docs")
    page.locator(".opblock-summary-path", has_text="/v1/ask").first.wait_for(timeout=30000)
    page.locator(".opblock-summary-path", has_text="/v1/ask").first.click()  # expand: React re-renders
    page.locator(".try-out__btn").first.click()
    page.locator(".execute").first.click()  # a real request from the page, its response highlighted
    live = page.locator(".live-responses-table")
    live.locator("text=Response body").wait_for(timeout=30000)
    # Swagger's example body names a collection this index does not hold: the server's 422 says so, and which
    # collections there are, rendered on the page
    assert "\n422\t" in live.inner_text() and "unknown collection 'so-tai-chinh'" in live.inner_text()
    assert "the collections this key sees are default" in live.inner_text()
    assert "hoidap" in page.locator(".info .title").inner_text()
    watched.assert_clean()
    page.close()
