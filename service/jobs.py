"""Indexing jobs: the documents API's writes (upload, replace, delete, re-index) run in the background as jobs,
one at a time across all of the service's processes.  Their records live in the service's database, so a
restart keeps them; a job that was running when its process died is marked failed, with why, when the service
starts again (or when its heartbeat stops, for another worker's job)."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import threading
import time
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from indexer.types import IndexSummary
from service.database import connect

HEARTBEAT_SECONDS = 5.0  # a running job's process says it is alive this often
STALE_SECONDS = 60.0  # a running job whose process has said nothing for this long is taken as dead
LOST_JOB = (
    "the service stopped while this job was running; nothing of it was published (the index serves what it did "
    "before). The files it was given are kept: POST /v1/reindex with its collection runs it again"
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    index_dir TEXT NOT NULL,
    owner TEXT NOT NULL,
    kind TEXT NOT NULL,
    collection TEXT NOT NULL,
    folder TEXT NOT NULL,
    files TEXT NOT NULL,
    rebuild INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    stage TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    summary TEXT,
    error TEXT,
    worker TEXT,
    heartbeat REAL,
    created_at TEXT NOT NULL,
    started_at TEXT,
    finished_at TEXT
);
CREATE INDEX IF NOT EXISTS jobs_owner ON jobs (owner, seq);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs (index_dir, status, seq);
"""


class JobKind(StrEnum):
    UPLOAD = "upload"
    REPLACE = "replace"
    DELETE = "delete"
    REINDEX = "reindex"


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Job:
    id: str
    owner: str  # Principal.id of who asked for it
    kind: JobKind
    collection: str
    folder: str  # the collection's folder the job indexes
    files: tuple[str, ...]  # the source ids the request touched
    rebuild: bool
    status: JobStatus
    stage: str
    progress: float  # 0-1
    summary: dict[str, Any] | None
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None


def summary_record(summary: IndexSummary) -> dict[str, Any]:
    """What a job reports of its indexing run: the files added, updated, removed, skipped (with reasons)."""
    return {
        "added": summary.added,
        "updated": summary.updated,
        "removed": summary.removed,
        "unchanged": len(summary.unchanged),
        "skipped": [asdict(s) for s in summary.skipped],
        "notes": summary.notes,
        "documents": summary.documents,
        "chunks": summary.chunks,
        "embedded_chunks": summary.embedded_chunks,
        "published": summary.published,
        "generation": summary.generation,
    }


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _job(row: Any) -> Job:
    return Job(
        id=row["id"],
        owner=row["owner"],
        kind=JobKind(row["kind"]),
        collection=row["collection"],
        folder=row["folder"],
        files=tuple(json.loads(row["files"])),
        rebuild=bool(row["rebuild"]),
        status=JobStatus(row["status"]),
        stage=row["stage"],
        progress=row["progress"],
        summary=json.loads(row["summary"]) if row["summary"] else None,
        error=row["error"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
    )


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobStore:
    """The jobs of one index (`index_dir`: a database shared by two services never runs one's job on the
    other's index).  `worker` names this process ("<pid>:<random>", so a restarted process that got the same
    pid is not taken for the one that died)."""

    def __init__(self, path: Path, index_dir: Path) -> None:
        self.index_dir = str(Path(index_dir).resolve())
        self.db = connect(path)
        self.db.executescript(SCHEMA)
        self.lock = threading.Lock()
        self.worker = f"{os.getpid()}:{secrets.token_hex(4)}"

    def close(self) -> None:
        self.db.close()

    def create(
        self, owner: str, kind: JobKind, collection: str, folder: Path, files: list[str], rebuild: bool = False
    ) -> Job:
        job_id = "job_" + secrets.token_hex(8)
        with self.lock:
            self.db.execute(
                "INSERT INTO jobs (id, index_dir, owner, kind, collection, folder, files, rebuild, status, stage, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    job_id,
                    self.index_dir,
                    owner,
                    kind,
                    collection,
                    str(folder),
                    json.dumps(files, ensure_ascii=False),
                    rebuild,
                    JobStatus.QUEUED,
                    "waiting to start",
                    _now(),
                ),
            )
        job = self.get(job_id)
        assert job is not None
        return job

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            row = self.db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def for_owner(self, owner: str, limit: int) -> list[Job]:
        with self.lock:
            rows = self.db.execute("SELECT * FROM jobs WHERE owner = ? ORDER BY seq DESC LIMIT ?", (owner, limit))
            return [_job(r) for r in rows.fetchall()]

    def claim(self) -> Job | None:
        """The oldest queued job, now running in this process — unless a job is running anywhere (one at a
        time across all the service's processes).  One IMMEDIATE transaction: two processes never both win."""
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                mine = "FROM jobs WHERE index_dir = ? AND status = ?"
                busy = self.db.execute(f"SELECT 1 {mine}", (self.index_dir, JobStatus.RUNNING)).fetchone()
                row = (
                    None
                    if busy
                    else self.db.execute(
                        f"SELECT id {mine} ORDER BY seq LIMIT 1", (self.index_dir, JobStatus.QUEUED)
                    ).fetchone()
                )
                if row is not None:
                    self.db.execute(
                        "UPDATE jobs SET status = ?, stage = ?, worker = ?, heartbeat = ?, "
                        "started_at = COALESCE(started_at, ?) WHERE id = ?",
                        (JobStatus.RUNNING, "starting", self.worker, time.time(), _now(), row["id"]),
                    )
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
        return self.get(row["id"]) if row is not None else None

    def _update(self, job_id: str, sql: str, *values: object) -> None:
        with self.lock:
            self.db.execute(f"UPDATE jobs SET {sql} WHERE id = ?", (*values, job_id))

    def progress(self, job_id: str, stage: str, fraction: float) -> None:
        self._update(job_id, "stage = ?, progress = ?, heartbeat = ?", stage, round(fraction, 4), time.time())

    def heartbeat(self, job_id: str) -> None:
        self._update(job_id, "heartbeat = ?", time.time())

    def requeue(self, job_id: str, stage: str) -> None:
        """Back in the queue (the index is being written by someone else): tried again shortly."""
        self._update(job_id, "status = ?, stage = ?, worker = NULL", JobStatus.QUEUED, stage)

    def finish(self, job_id: str, summary: IndexSummary) -> None:
        record = json.dumps(summary_record(summary), ensure_ascii=False)
        self._update(
            job_id,
            "status = ?, stage = ?, progress = 1, summary = ?, finished_at = ?",
            JobStatus.DONE,
            "done",
            record,
            _now(),
        )

    def fail(self, job_id: str, error: str) -> None:
        self._update(
            job_id, "status = ?, stage = ?, error = ?, finished_at = ?", JobStatus.FAILED, "failed", error, _now()
        )

    def recover(self) -> list[str]:
        """Mark failed the running jobs whose process is gone: it died (its pid is not alive, or is this
        process's pid under another start), or it has not said it was alive for STALE_SECONDS."""
        pid, _ = self.worker.split(":")
        lost = []
        with self.lock:
            rows = self.db.execute(
                "SELECT id, worker, heartbeat FROM jobs WHERE index_dir = ? AND status = ?",
                (self.index_dir, JobStatus.RUNNING),
            )
            for row in rows.fetchall():
                worker = row["worker"] or "0:"
                their_pid = worker.split(":")[0]
                dead = (
                    not their_pid.isdigit()
                    or (their_pid == pid and worker != self.worker)
                    or not _alive(int(their_pid))
                    or time.time() - (row["heartbeat"] or 0) > STALE_SECONDS
                )
                if dead and worker != self.worker:
                    lost.append(row["id"])
        for job_id in lost:
            self.fail(job_id, LOST_JOB)
        return lost
