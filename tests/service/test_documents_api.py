"""Documents over HTTP against a real `hoidap serve` (uvicorn on 127.0.0.1, SQLite, the real model on small
Vietnamese reports): upload → job → the new report is answered; replace → the new figure; delete → no longer
answered; bad uploads → 4xx saying what to fix; a restart keeps the files and the job records, and a job that
was running when the service died is marked failed with why."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import httpx
import pytest

from tests.service.documents_fixtures import (
    LAPTOPS_QUESTION,
    Served,
    ask,
    build_base_index,
    finance_report,
    wait_for_job,
)

COLLECTION = "so-tai-chinh"
NAME = "bao-cao-cntt-so-tai-chinh-2024.txt"
SOURCE = f"{COLLECTION}/{NAME}"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, embedder) -> Iterator[Served]:
    root = tmp_path_factory.mktemp("documents-api")
    build_base_index(root, embedder)
    server = Served(root, {"HOIDAP_MAX_FILE_MB": "1", "HOIDAP_MAX_UPLOAD_MB": "2"}).start()
    yield server
    server.stop()


@pytest.fixture
def http(served: Served) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=served.url, timeout=60) as client:
        yield client


def upload(http: httpx.Client, files: list[tuple[str, bytes]], collection: str | None = COLLECTION) -> httpx.Response:
    data = {"collection": collection} if collection is not None else {}
    parts = [("files", (name, body, "application/octet-stream")) for name, body in files]
    return http.post("/v1/documents", files=parts, data=data)


def test_upload_then_the_new_report_is_answered(served: Served, http: httpx.Client) -> None:
    before = ask(http, LAPTOPS_QUESTION)
    assert before["answer"] is None  # the base index does not hold the report
    broken = b"%PDF-1.4 this is not really a PDF"
    response = upload(http, [(NAME, finance_report(48).encode()), ("báo-cáo-hỏng.pdf", broken)])
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["status"] in ("queued", "running") and queued["kind"] == "upload"
    assert queued["files"] == [SOURCE, f"{COLLECTION}/báo-cáo-hỏng.pdf"] and queued["collection"] == COLLECTION
    job = wait_for_job(http, queued["id"])
    assert job["status"] == "done", job
    assert job["progress"] == 1 and job["stage"] == "done" and job["error"] is None
    summary = job["summary"]
    assert summary["added"] == [SOURCE] and summary["published"]
    # the broken file is kept and listed with why it was skipped
    assert [s["source"] for s in summary["skipped"]] == [f"{COLLECTION}/báo-cáo-hỏng.pdf"]
    assert "unreadable PDF" in summary["skipped"][0]["reason"]
    assert (served.uploads / COLLECTION / NAME).read_text(encoding="utf-8") == finance_report(48)
    answer = ask(http, LAPTOPS_QUESTION)
    assert answer["answer"].startswith("48 máy tính"), answer
    assert answer["citations"][0]["source"] == SOURCE
    listed = {d["source"]: d for d in http.get("/v1/documents").json()["documents"]}
    assert listed[SOURCE]["collection"] == COLLECTION and listed[SOURCE]["format"] == "txt"
    assert listed["kon-tum-2023-so-y-te.txt"]["collection"] == "default"  # the other collection is kept
    mine = [j["id"] for j in http.get("/v1/jobs").json()["jobs"]]
    assert mine[0] == queued["id"]


def test_replace_by_uploading_again_or_put_answers_the_new_figure(http: httpx.Client) -> None:
    again = upload(http, [(NAME, finance_report(62).encode())])
    assert again.status_code == 202
    job = wait_for_job(http, again.json()["id"])
    assert job["status"] == "done" and job["summary"]["updated"] == [SOURCE] and job["summary"]["added"] == []
    assert ask(http, LAPTOPS_QUESTION)["answer"].startswith("62 máy tính")
    put = http.put(f"/v1/documents/{SOURCE}", files={"file": ("ban-moi.txt", finance_report(75).encode())})
    assert put.status_code == 202 and put.json()["kind"] == "replace" and put.json()["files"] == [SOURCE]
    job = wait_for_job(http, put.json()["id"])
    assert job["status"] == "done" and job["summary"]["updated"] == [SOURCE]
    assert ask(http, LAPTOPS_QUESTION)["answer"].startswith("75 máy tính")
    other_type = http.put(f"/v1/documents/{SOURCE}", files={"file": ("ban-moi.pdf", b"%PDF-1.4")})
    assert other_type.status_code == 422 and "same type" in other_type.json()["error"]["message"]


def test_delete_then_no_longer_answered(served: Served, http: httpx.Client) -> None:
    response = http.delete(f"/v1/documents/{SOURCE}")
    assert response.status_code == 202 and response.json()["kind"] == "delete"
    job = wait_for_job(http, response.json()["id"])
    assert job["status"] == "done" and job["summary"]["removed"] == [SOURCE]
    assert not (served.uploads / COLLECTION / NAME).exists()
    after = ask(http, LAPTOPS_QUESTION)
    assert after["answer"] is None and SOURCE not in {c["source"] for c in after["citations"]}
    assert http.get(f"/v1/documents/{SOURCE}").status_code == 404
    again = http.delete(f"/v1/documents/{SOURCE}")
    assert again.status_code == 404 and "GET /v1/documents lists them" in again.json()["error"]["message"]
    # a kept file that was never indexed (skipped) can be deleted too
    skipped = http.delete(f"/v1/documents/{COLLECTION}/báo-cáo-hỏng.pdf")
    assert skipped.status_code == 202
    assert wait_for_job(http, skipped.json()["id"])["summary"]["skipped"] == []


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    return response.json()["error"]["message"]


def test_bad_uploads_are_refused_with_what_to_fix(served: Served, http: httpx.Client) -> None:
    text = finance_report(1).encode()
    assert ".docx" in _error(upload(http, [("bang-tinh.xlsx", b"PK\x03\x04")]), 415)
    assert ".txt" in _error(upload(http, [("bang-tinh.xlsx", b"PK\x03\x04")]), 415)
    assert "must not contain /" in _error(upload(http, [("../../etc/evil.txt", text)]), 422)
    assert "must not contain /" in _error(upload(http, [("..\\evil.txt", text)]), 422)
    assert "hidden" in _error(upload(http, [(".env.txt", text)]), 422)
    assert "is not a collection name" in _error(upload(http, [("a.txt", text)], collection="Sở Tài Chính"), 422)
    assert "is not a collection name" in _error(upload(http, [("a.txt", text)], collection="../default"), 422)
    assert "empty" in _error(upload(http, [("rong.txt", b"")]), 422)
    assert "twice" in _error(upload(http, [("a.txt", text), ("a.txt", text)]), 422)
    assert "Maximum number of files is 100" in _error(upload(http, [(f"{i}.txt", b"x") for i in range(101)]), 400)
    only_text = {"collection": (None, COLLECTION)}  # multipart, without a file
    assert "no files" in _error(http.post("/v1/documents", files=only_text), 422)
    assert "multipart/form-data" in _error(http.post("/v1/documents", data={"collection": COLLECTION}), 415)
    assert "multipart/form-data" in _error(http.post("/v1/documents", json={"files": []}), 415)
    big = b"a" * (1024 * 1024 + 10)  # HOIDAP_MAX_FILE_MB=1
    assert "HOIDAP_MAX_FILE_MB" in _error(upload(http, [("lon.txt", big)]), 413)
    parts = [(f"phan-{i}.txt", b"b" * 900_000) for i in range(3)]  # 2.7 MB > HOIDAP_MAX_UPLOAD_MB=2
    assert "HOIDAP_MAX_UPLOAD_MB" in _error(upload(http, parts), 413)

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted as it streams
        yield b'--x\r\nContent-Disposition: form-data; name="files"; filename="c.txt"\r\n\r\n'
        for _ in range(40):
            yield b"c" * 65536

    response = http.post(
        "/v1/documents", content=chunked(), headers={"Content-Type": "multipart/form-data; boundary=x"}
    )
    assert "chunked" in _error(response, 413)
    assert "GET /v1/documents lists them" in _error(http.delete("/v1/documents/khong-co.txt"), 404)
    outside = http.delete(f"/v1/documents/{COLLECTION}/..%2F..%2Fservice.sqlite3")  # decoded: ../../
    assert "GET /v1/documents lists them" in _error(outside, 404)
    assert "GET /v1/jobs" in _error(http.get("/v1/jobs/job_0000"), 404)
    assert "no collection" in _error(http.post("/v1/reindex", json={"collection": "khong-co"}), 404)
    assert _error(http.post("/v1/ask", content=b"x" * 70_000, headers={"Content-Type": "application/json"}), 413)
    kept = sorted(p.name for p in served.uploads.rglob("*") if p.is_file())
    assert kept == [], kept  # nothing of a refused request was kept


def test_a_restart_keeps_the_files_and_the_jobs(served: Served, http: httpx.Client) -> None:
    response = upload(http, [(NAME, finance_report(91).encode())], collection="phong-ke-hoach")
    done = wait_for_job(http, response.json()["id"])
    assert done["status"] == "done"
    served.stop()
    # what a crash in the middle of a job leaves: a running job whose process is gone; and one still queued
    with sqlite3.connect(served.database) as db:
        row = db.execute("SELECT * FROM jobs WHERE id = ?", (done["id"],)).fetchone()
        columns = [c[1] for c in db.execute("PRAGMA table_info(jobs)")]
        record = dict(zip(columns, row, strict=True))
        for job_id, status, worker in (("job_crashed", "running", "999999:gone"), ("job_waiting", "queued", None)):
            values = record | {"seq": None, "id": job_id, "status": status, "worker": worker, "kind": "reindex"}
            values |= {"stage": "embedding", "progress": 0.5, "summary": None, "finished_at": None}
            db.execute(
                f"INSERT INTO jobs ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})", [*values.values()]
            )
    served.start()
    with httpx.Client(base_url=served.url, timeout=60) as again:
        kept = again.get(f"/v1/jobs/{done['id']}").json()
        assert kept["status"] == "done" and kept["summary"] == done["summary"]
        crashed = again.get("/v1/jobs/job_crashed").json()
        assert crashed["status"] == "failed" and "the service stopped while this job was running" in crashed["error"]
        waiting = wait_for_job(again, "job_waiting")  # a queued job runs after the restart
        assert waiting["status"] == "done" and waiting["summary"]["unchanged"] == 1
        assert (served.uploads / "phong-ke-hoach" / NAME).exists()
        assert ask(again, LAPTOPS_QUESTION)["answer"].startswith("91 máy tính")
