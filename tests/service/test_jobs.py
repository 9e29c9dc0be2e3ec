"""Indexing jobs: the store on a real SQLite file as several worker processes share it (one job runs at a time,
claimed atomically; a dead worker's job is marked failed), and who may change documents and read jobs, through
a real uvicorn with the principal set the way `authorize` sets it (the fake embedder: this is about access)."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import Request

from indexer.layout import IndexLayout
from indexer.pipeline import Indexer
from indexer.types import IndexSummary
from service.api.access import authorize
from service.api.app import create_app
from service.api.principal import Principal, Role
from service.engine import EngineHolder
from service.jobs import STALE_SECONDS, JobKind, JobStatus, JobStore
from service.settings import Settings
from tests.fakes import HashEmbedder
from tests.servers import ThreadedServer
from tests.service.documents_fixtures import BASE_REPORT, finance_report, wait_for_job


def _stores(tmp_path: Path, count: int, index: str = "index") -> list[JobStore]:
    return [JobStore(tmp_path / "service.sqlite3", tmp_path / index) for _ in range(count)]


def test_one_job_runs_at_a_time_across_processes(tmp_path: Path) -> None:
    first, second = _stores(tmp_path, 2)  # two connections, as two worker processes have
    second.worker = "1:other"
    jobs = [first.create("key:a", JobKind.UPLOAD, "default", tmp_path, [f"{i}.txt"]) for i in range(3)]
    won: list[str] = []
    barrier = threading.Barrier(8)

    def claim(store: JobStore) -> None:
        barrier.wait()
        job = store.claim()
        if job is not None:
            won.append(job.id)

    threads = [threading.Thread(target=claim, args=(s,)) for s in (first, second) * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert won == [jobs[0].id]  # the oldest, once, though eight tried at the same moment
    assert first.get(jobs[0].id).status is JobStatus.RUNNING  # type: ignore[union-attr]
    assert second.claim() is None and first.claim() is None  # one is running: nobody starts another
    first.finish(jobs[0].id, IndexSummary(added=["0.txt"]))
    assert second.claim().id == jobs[1].id  # type: ignore[union-attr]
    (elsewhere,) = _stores(tmp_path, 1, index="another-index")
    assert elsewhere.claim() is None  # a service over another index never runs this one's jobs


def test_a_dead_workers_job_is_marked_failed_and_a_live_ones_is_not(tmp_path: Path) -> None:
    (store,) = _stores(tmp_path, 1)
    dead, alive, silent = (store.create("key:a", JobKind.REINDEX, "default", tmp_path, []) for _ in range(3))
    with sqlite3.connect(tmp_path / "service.sqlite3") as db:
        now = time.time()
        for job, worker, beat in (
            (dead, "999999:gone", now),  # its process is gone
            (alive, f"{os.getppid()}:parent", now),  # another live process, beating
            (silent, f"{os.getppid()}:parent", now - STALE_SECONDS - 1),  # alive but silent: hung
        ):
            db.execute("UPDATE jobs SET status='running', worker=?, heartbeat=? WHERE id=?", (worker, beat, job.id))
    assert sorted(store.recover()) == sorted([dead.id, silent.id])
    failed = store.get(dead.id)
    assert failed is not None and failed.status is JobStatus.FAILED and "service stopped" in (failed.error or "")
    assert store.get(alive.id).status is JobStatus.RUNNING  # type: ignore[union-attr]


PRINCIPALS = {
    "reader-a": Principal("key:reader-a", "Phòng A (đọc)", Role.READER, frozenset({"phong-a"})),
    "editor-a": Principal("key:editor-a", "Phòng A", Role.EDITOR, frozenset({"phong-a"})),
    "editor-b": Principal("key:editor-b", "Phòng B", Role.EDITOR, frozenset({"phong-b"})),
    "admin": Principal("key:admin", "Quản trị", Role.ADMIN, None),
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("jobs-access")
    (root / "corpus").mkdir()
    (root / "corpus" / "kon-tum.txt").write_text(BASE_REPORT, encoding="utf-8")
    embedder = HashEmbedder()
    Indexer(embedder, progress=False).run(root / "corpus", root / "index")
    settings = Settings(index_dir=root / "index", uploads_dir=root / "uploads", database=root / "db.sqlite3")
    app = create_app(settings, holder=EngineHolder(settings, embedder=embedder))

    def as_principal(request: Request) -> None:  # what authorize does with a named key
        request.state.principal = PRINCIPALS[request.headers["x-test-as"]]

    app.dependency_overrides[authorize] = as_principal
    with ThreadedServer(app) as server:
        yield server.url


def _client(base: str, who: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"x-test-as": who}, timeout=30)


def _upload(http: httpx.Client, collection: str) -> httpx.Response:
    files = {"files": ("bao-cao.txt", finance_report(48).encode())}
    return http.post("/v1/documents", files=files, data={"collection": collection})


def test_who_may_change_documents_and_read_jobs(served: str) -> None:
    with (
        _client(served, "reader-a") as reader,
        _client(served, "editor-a") as editor,
        _client(served, "editor-b") as other,
        _client(served, "admin") as admin,
    ):
        refused = _upload(reader, "phong-a")
        assert refused.status_code == 403 and "may read documents but not change" in refused.json()["error"]["message"]
        wrong = _upload(editor, "phong-b")
        assert wrong.status_code == 403
        assert "collection 'phong-b' (it may change phong-a)" in wrong.json()["error"]["message"]
        accepted = _upload(editor, "phong-a")
        assert accepted.status_code == 202
        job_id = accepted.json()["id"]
        assert wait_for_job(editor, job_id)["summary"]["added"] == ["phong-a/bao-cao.txt"]
        assert reader.get(f"/v1/jobs/{job_id}").status_code == 404  # not the owner: as if there were none
        assert admin.get(f"/v1/jobs/{job_id}").json()["status"] == "done"
        assert [j["id"] for j in editor.get("/v1/jobs").json()["jobs"]] == [job_id]
        assert reader.get("/v1/jobs").json()["jobs"] == []
        assert reader.delete("/v1/documents/phong-a/bao-cao.txt").status_code == 403
        assert reader.post("/v1/reindex", json={"collection": "phong-a"}).status_code == 403
        hidden = other.delete("/v1/documents/phong-a/bao-cao.txt")  # cannot read phong-a: not told it exists
        assert hidden.status_code == 404 and "no document" in hidden.json()["error"]["message"]
        assert other.post("/v1/reindex", json={"collection": "phong-a"}).status_code == 404


def test_a_job_waits_while_hoidap_index_writes(served: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    index = next(tmp_path_factory.getbasetemp().glob("jobs-access*")) / "index"
    with _client(served, "editor-a") as editor:
        with IndexLayout(index).writer_lock():  # what a `hoidap index` run holds
            job = _upload(editor, "phong-a").json()
            deadline = time.monotonic() + 30
            while not (stage := editor.get(f"/v1/jobs/{job['id']}").json()["stage"]).startswith("waiting:"):
                assert time.monotonic() < deadline, stage
                time.sleep(0.05)
            assert "another indexer" in stage
        assert wait_for_job(editor, job["id"])["status"] == "done"  # then it runs


def test_a_folder_the_service_cannot_write_is_named(served: str, tmp_path_factory: pytest.TempPathFactory) -> None:
    uploads = next(tmp_path_factory.getbasetemp().glob("jobs-access*")) / "uploads"
    uploads.mkdir(exist_ok=True)
    (uploads / "phong-c").write_text("a file where the collection's folder should be", encoding="utf-8")
    with _client(served, "admin") as admin:
        refused = _upload(admin, "phong-c")
        assert refused.status_code == 500, refused.text
        message = refused.json()["error"]["message"]
        assert message.startswith(f"the service could not change {uploads / 'phong-c'}") and "write access" in message
        assert admin.get("/v1/jobs").json()["jobs"] == []  # no job for files that were not kept
