"""Small Vietnamese reports and a served index for the documents tests (API and page): a real `hoidap serve`
on 127.0.0.1 over an index of one report, with its own database and uploads folder."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.servers import hoidap_serve

BASE_REPORT = """BÁO CÁO
Tình hình ứng dụng công nghệ thông tin của Sở Y tế tỉnh Kon Tum năm 2023

Năm 2023, Sở Y tế tỉnh Kon Tum đã triển khai hồ sơ sức khỏe điện tử tại 9 trung tâm y tế huyện.
Toàn ngành có 214 máy tính kết nối mạng nội bộ.
"""


def finance_report(laptops: int) -> str:
    """A department's report whose one figure the tests change (upload, then replace)."""
    return f"""BÁO CÁO
Kết quả ứng dụng công nghệ thông tin của Sở Tài chính tỉnh Gia Lai năm 2024

Năm 2024, Sở Tài chính tỉnh Gia Lai tiếp tục đẩy mạnh chuyển đổi số trong quản lý ngân sách.
Sở đã trang bị {laptops} máy tính xách tay cho cán bộ, công chức làm công tác thẩm định giá.
Hệ thống quản lý văn bản và điều hành được sử dụng thống nhất tại 12 phòng chuyên môn.
"""


LAPTOPS_QUESTION = "Sở Tài chính Gia Lai đã trang bị bao nhiêu máy tính xách tay?"


@dataclass
class Served:
    """`hoidap serve` over `root`'s index, uploads folder and database; stop() and start() again (a restart)."""

    root: Path
    env: dict[str, str] = field(default_factory=dict)
    url: str = ""
    _stack: contextlib.ExitStack | None = None

    @property
    def index(self) -> Path:
        return self.root / "index"

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    @property
    def database(self) -> Path:
        return self.root / "service.sqlite3"

    def start(self) -> Served:
        self._stack = contextlib.ExitStack()
        self.url = self._stack.enter_context(
            hoidap_serve(
                self.index,
                self.root / "server.log",
                HOIDAP_UPLOADS_DIR=str(self.uploads),
                HOIDAP_DATABASE=str(self.database),
                HOIDAP_RATE_LIMIT_PER_MINUTE="0",
                HOIDAP_RELOAD_CHECK_SECONDS="0.2",
                **self.env,
            )
        )
        return self

    def stop(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None


def build_base_index(root: Path, embedder: Any) -> None:
    """One report in the default collection, indexed from `root/corpus` as `hoidap index` would."""
    from indexer.pipeline import Indexer

    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "kon-tum-2023-so-y-te.txt").write_text(BASE_REPORT, encoding="utf-8")
    Indexer(embedder, progress=False).run(corpus, root / "index")


def wait_for_job(http: httpx.Client, job_id: str, timeout: float = 120) -> dict[str, Any]:
    """Polls GET /v1/jobs/{id} until the job is done or failed; returns it with the stages it was seen in."""
    seen: list[tuple[str, str, float]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = http.get(f"/v1/jobs/{job_id}").json()
        seen.append((job["status"], job["stage"], job["progress"]))
        if job["status"] in ("done", "failed"):
            job["seen"] = seen
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {seen[-3:]}")


def ask(http: httpx.Client, question: str) -> dict[str, Any]:
    response = http.post("/v1/ask", json={"question": question})
    assert response.status_code == 200, response.text
    return response.json()
