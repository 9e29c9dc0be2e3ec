"""The chat page in headless Chromium (Debian's chromium, driven by Playwright): a question, the streamed
answer with its sources, a follow-up; a screenshot is kept in test-artifacts/."""

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")


def test_ask_and_follow_up_in_the_browser(live_server: str) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
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
            page = browser.new_page(viewport={"width": 420, "height": 900})  # a phone-sized screen
            page.goto(live_server + "/")
            assert page.locator("html").get_attribute("lang") == "vi"
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
        finally:
            browser.close()
    assert (artifacts / "chat-page.png").stat().st_size > 10_000
