"""The chat page's history, feedback, key field and document viewer in headless Chromium (Debian's chromium,
driven by Playwright) against a real `hoidap serve` that requires a key, over the seed reports plus a PDF:
the key set in its field (no window.prompt), a question, 👎 with a comment, a citation opened in its document
at the passage (and at its page for the PDF), the conversation resumed after a reload, deleted, the key
cleared.  Screenshots are kept in test-artifacts/ (page-history-*.png)."""

import hashlib
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from benchmarks.serving import hoidap_index
from tests.conftest import CORPUS, ROOT
from tests.reports import district_report, pdf_bytes
from tests.servers import hoidap_serve
from tests.service.test_chat_page import CHROMIUM, Watched, browser  # noqa: F401 (the browser fixture)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
KEY = "page-test-key"
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def keyed_server(seed_index: Path, tmp_path_factory: pytest.TempPathFactory):
    """The seed index with a PDF report added (incrementally: only the PDF is embedded), served with one key."""
    work = tmp_path_factory.mktemp("page")
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(CORPUS, corpus)
    (corpus / "dak-lak-2025-ha-tang-cap-huyen.pdf").write_bytes(pdf_bytes(district_report()))
    shutil.copytree(seed_index, index)
    hoidap_index(corpus, index)
    digest = hashlib.sha256(KEY.encode()).hexdigest()
    database = work / "service.sqlite3"
    with hoidap_serve(
        index, HOIDAP_API_KEYS=digest, HOIDAP_DATABASE=str(database), HOIDAP_RATE_LIMIT_PER_MINUTE="0"
    ) as base:
        yield base


def answer_of(page: Any, n: int) -> Any:
    answer = page.locator(".message.assistant").nth(n)
    answer.locator(".feedback").wait_for(timeout=60000)
    return answer


def test_history_feedback_key_and_viewer_in_the_browser(keyed_server: str, browser: Any) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    api = httpx.Client(base_url=keyed_server, headers={"Authorization": f"Bearer {KEY}"}, timeout=30)
    watched = Watched(browser, keyed_server, viewport={"width": 1100, "height": 900})
    page = watched.page
    page.on("dialog", lambda d: pytest.fail(f"the page opened a {d.type} dialog: {d.message}"))
    page.goto(keyed_server + "/")
    # no key yet: the history request got 401 and the key field opened, saying why
    page.locator("#key-form").wait_for(state="visible")
    assert "yêu cầu khóa API" in page.locator("#key-status").inner_text()
    page.fill("#api-key", KEY)
    page.click("#key-save")
    assert page.evaluate("localStorage.getItem('hoidap.key')") == KEY
    assert "…" + KEY[-4:] in page.locator("#key-status").inner_text()
    page.locator("#history-status", has_text="Chưa có cuộc trò chuyện").wait_for()

    page.fill("#question", "Quảng Nam có bao nhiêu điểm cầu?")
    page.keyboard.press("Enter")
    first = answer_of(page, 0)
    assert first.locator(".answer").inner_text().startswith("19 điểm")
    assert "ký tự" not in first.inner_text()  # no raw character offsets
    page.locator("#conversations li.current").wait_for()
    [conversation] = api.get("/v1/conversations").json()["conversations"]
    assert page.locator("#conversations li.current .conversation").inner_text() == conversation["title"]

    # 👎 with a comment and the right answer
    first.locator(".rate-down").click()
    first.locator(".feedback-comment").wait_for(state="visible")
    first.locator("textarea[name=comment]").fill("Số liệu năm 2012, đã cũ")
    first.locator("input[name=expected]").fill("25 điểm cầu")
    first.locator(".feedback-comment button[type=submit]").click()
    first.locator(".feedback .status", has_text="Cảm ơn").wait_for()
    stored = api.get(f"/v1/conversations/{conversation['id']}").json()["messages"][0]["feedback"]
    assert (stored["rating"], stored["comment"], stored["expected"]) == (
        "down",
        "Số liệu năm 2012, đã cũ",
        "25 điểm cầu",
    )

    # a table cell of the PDF: the source names its page, the viewer opens the document there
    page.fill("#question", "Huyện Krông Pắc có bao nhiêu máy tính?")
    page.click("#send")
    second = answer_of(page, 1)
    assert second.locator(".answer").inner_text().startswith("412")
    cited = api.get(f"/v1/conversations/{conversation['id']}").json()["messages"][1]["reply"]["citations"][0]
    assert cited["source"].endswith(".pdf") and cited["page"] is not None
    assert f"trang {cited['page']}" in second.locator(".sources li").first.inner_text()
    second.locator(".open-source").first.click()
    viewer = page.locator("#viewer")
    passage = viewer.locator("mark.passage")
    passage.wait_for()
    assert f"trang {cited['page']}" in viewer.locator("#viewer-meta").inner_text()
    document = api.get(f"/v1/documents/{cited['source']}").json()["text"]
    assert passage.inner_text() == document[cited["start"] : cited["end"]]  # exactly the cited passage
    assert "412" in passage.locator("strong").inner_text()  # the evidence inside it
    page.wait_for_function(
        "() => { const r = document.querySelector('mark.passage').getBoundingClientRect();"
        " const v = document.getElementById('viewer-text').getBoundingClientRect();"
        " return r.top >= v.top && r.top < v.bottom; }"
    )  # scrolled into view
    page.screenshot(path=str(ARTIFACTS / "page-history-viewer.png"))
    page.click("#viewer-close")

    # a reload resumes the conversation, with its answers, sources and the feedback given
    page.reload()
    page.locator(".message.assistant .feedback").nth(1).wait_for()
    assert page.locator(".message.user").all_inner_texts() == [
        "Quảng Nam có bao nhiêu điểm cầu?",
        "Huyện Krông Pắc có bao nhiêu máy tính?",
    ]
    resumed = page.locator(".message.assistant").nth(0)
    assert resumed.locator(".answer").inner_text().startswith("19 điểm") and resumed.locator(".sources li").count()
    assert resumed.locator(".rate-down").get_attribute("aria-pressed") == "true"
    page.fill("#question", "Còn Kon Tum thì sao?")  # a follow-up in the resumed conversation
    page.click("#send")
    third = answer_of(page, 2)
    assert "kon-tum" in third.locator(".sources").inner_text()
    assert api.get(f"/v1/conversations/{conversation['id']}").json()["turns"] == 3
    page.screenshot(path=str(ARTIFACTS / "page-history.png"), full_page=True)

    # a new conversation empties the chat; the old one opens again from the list
    page.click("#new-chat")
    assert page.locator(".message").count() == 0 and page.locator("#conversations li.current").count() == 0
    page.locator("#conversations .conversation").first.click()
    page.locator(".message.assistant .feedback").nth(2).wait_for()
    assert page.locator("#conversations li.current").count() == 1
    assert page.evaluate("localStorage.getItem('hoidap.conversation')") == conversation["id"]

    # delete it: gone from the list, the page and the service
    page.locator("#conversations li.current .delete").click()
    page.wait_for_function("() => !document.querySelector('#conversations li')")
    assert page.locator(".message").count() == 0
    assert api.get(f"/v1/conversations/{conversation['id']}").status_code == 404

    # clear the key: the next question is refused until a key is set again, the question kept to resend
    if page.locator("#key-form").is_hidden():
        page.click("#key-toggle")
    page.click("#key-clear")
    assert page.evaluate("localStorage.getItem('hoidap.key')") is None
    page.fill("#question", "Quảng Nam có bao nhiêu điểm cầu?")
    page.click("#send")
    page.locator(".message.error").wait_for()
    assert page.locator("#question").input_value() == "Quảng Nam có bao nhiêu điểm cầu?"
    assert page.evaluate("document.activeElement.id") == "api-key"
    # a wrong key is refused with the service's reason; the right one again, and the question goes through
    page.fill("#api-key", "not-the-key")
    page.click("#key-save")
    page.locator("#key-status", has_text="not valid").wait_for()
    page.fill("#api-key", KEY)
    page.click("#key-save")
    page.locator("#history-status", has_text="Chưa có cuộc trò chuyện").wait_for()
    page.click("#send")
    answer_of(page, 0)
    assert len(api.get("/v1/conversations").json()["conversations"]) == 1
    watched.assert_clean()
    page.close()
    assert (ARTIFACTS / "page-history.png").stat().st_size > 10_000
