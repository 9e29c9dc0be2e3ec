"""The documents page in headless Chromium (Debian's chromium through Playwright) against a real `hoidap
serve`: the list, an upload of several files with the job's progress bar and the skipped file's reason, a
refused upload's message, a delete; the report uploaded is answered, then no longer.  Under the strict CSP with
no violation and no request off the server.  A screenshot is kept in test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT
from tests.service.documents_fixtures import LAPTOPS_QUESTION, Served, ask, build_base_index, finance_report
from tests.service.test_chat_page import CHROMIUM, Watched, browser  # noqa: F401 (the browser fixture)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed")
SOURCE = "so-tai-chinh/bao-cao-so-tai-chinh.txt"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("documents-page")
    build_base_index(root, embedder)
    server = Served(root).start()
    yield server
    server.stop()


def test_upload_follow_and_delete_on_the_page(served: Served, browser: Any) -> None:  # noqa: F811
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    watched = Watched(browser, served.url, viewport={"width": 1000, "height": 900})
    page = watched.page
    page.goto(served.url + "/")
    page.click("a[href='/documents']")  # the chat page links here
    page.wait_for_url("**/documents")
    rows = page.locator("#documents tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1 and "Sở Y tế tỉnh Kon Tum" in rows.first.inner_text()
    assert page.locator("#list-count").inner_text() == "1 / 1 tài liệu" and page.locator("#more").is_hidden()
    assert ".docx" in page.locator("#files").get_attribute("accept")

    page.fill("#collection", "Sở Tài Chính")  # not a collection name: the server's message is shown
    page.set_input_files("#files", [{"name": "a.txt", "mimeType": "text/plain", "buffer": b"x"}])
    page.click("#upload")
    page.locator("#upload-error").wait_for()
    assert "is not a collection name" in page.locator("#upload-error").inner_text()

    page.fill("#collection", "so-tai-chinh")
    page.set_input_files(
        "#files",
        [
            {"name": "bao-cao-so-tai-chinh.txt", "mimeType": "text/plain", "buffer": finance_report(48).encode()},
            {"name": "hong.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 not really"},
        ],
    )
    page.click("#upload")
    page.locator("#job-label", has_text="Hoàn tất").wait_for(timeout=60000)
    assert page.locator("#job-progress").evaluate("p => p.value") == 1
    result = page.locator("#job-result").inner_text()
    assert "Đã thêm (1)" in result and SOURCE in result
    assert "so-tai-chinh/hong.pdf: unreadable PDF" in page.locator("#job-result .skipped").inner_text()
    page.locator(f"#documents tr[data-source='{SOURCE}']").wait_for()
    page.screenshot(path=str(artifacts / "documents-page.png"), full_page=True)
    assert "Kết quả ứng dụng công nghệ thông tin của Sở Tài chính" in page.locator("#documents").inner_text()
    assert page.locator("#list-count").inner_text() == "2 / 2 tài liệu"
    assert page.locator("#collections option[value='so-tai-chinh']").count() == 1  # from /v1/collections
    page.goto(served.url + "/documents?limit=1")  # a page at a time: "Xem thêm" reads the next one
    page.locator("#list-count", has_text="1 / 2 tài liệu").wait_for()
    first = rows.first.get_attribute("data-source")
    page.click("#more")
    page.locator("#list-count", has_text="2 / 2 tài liệu").wait_for()
    assert page.locator("#more").is_hidden() and {first, SOURCE} <= set(
        rows.evaluate_all("r => r.map(x => x.dataset.source)")
    )
    with httpx.Client(base_url=served.url, timeout=60) as http:
        assert ask(http, LAPTOPS_QUESTION)["answer"].startswith("48 máy tính")

        delete = page.locator(f"#documents tr[data-source='{SOURCE}'] button")
        delete.click()
        assert delete.inner_text() == "Xác nhận xóa?"  # asked once more, on the page itself
        delete.click()
        page.locator("#job-label", has_text="Xóa (so-tai-chinh)").wait_for()
        page.locator("#job-label", has_text="Hoàn tất").wait_for(timeout=60000)
        page.locator(f"#documents tr[data-source='{SOURCE}']").wait_for(state="detached")
        assert "Đã xóa (1)" in page.locator("#job-result").inner_text()
        assert ask(http, LAPTOPS_QUESTION)["answer"] is None

        skipped = page.locator("#job-result .skipped li button")  # the broken file is kept: delete it too
        page.locator("#job-result").locator("text=Bỏ qua").wait_for()
        skipped.click()
        skipped.click()
        page.locator("#job-label", has_text="so-tai-chinh/hong.pdf: Hoàn tất").wait_for(timeout=60000)
        assert "Bỏ qua" not in page.locator("#job-result").inner_text()
        assert not (served.uploads / "so-tai-chinh" / "hong.pdf").exists()
    watched.assert_clean()
    page.close()
    assert (artifacts / "documents-page.png").stat().st_size > 10_000
