"""Runs indexing jobs in the serving process: a worker thread that claims queued jobs (one at a time across
all the service's processes, service/jobs.py) and runs the same incremental, atomic `Indexer.run` as
`hoidap index` over the job's collection folder, with the embedder and gazetteer the engine already loaded.

A thread rather than a subprocess: the model is already in memory (a subprocess would load a second copy,
~1.5 s and a few hundred MB a job), progress is written straight to the job's record, and a crash loses
nothing a subprocess would keep — the publish is atomic either way and the job's record says it failed."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from indexer.errors import IndexerError, IndexLocked
from indexer.pipeline import Indexer
from service.engine import EngineHolder
from service.jobs import HEARTBEAT_SECONDS, Job, JobStore
from service.settings import Settings

log = logging.getLogger("hoidap.jobs")

POLL_SECONDS = 1.0  # how often an idle runner looks for a job another process queued
LOCKED_RETRY_SECONDS = 2.0  # a job that found the index locked is tried again after this
PROGRESS_EVERY_SECONDS = 0.25  # progress is written at most this often (and at every new stage)


class JobRunner:
    def __init__(self, store: JobStore, holder: EngineHolder, settings: Settings) -> None:
        self.store, self.holder, self.settings = store, holder, settings
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="hoidap-jobs", daemon=True)

    def start(self) -> None:
        for job_id in self.store.recover():
            log.warning("job %s was running when the service stopped: marked failed", job_id)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(30)

    def wake(self) -> None:
        """A job was queued: look now rather than at the next poll."""
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.store.recover()
                job = self.store.claim()
            except Exception:  # the database is busy or unwell: try again at the next poll
                log.exception("could not claim a job")
                job = None
            if job is None:
                self._wake.wait(POLL_SECONDS)
                self._wake.clear()
                continue
            self.run(job)

    def run(self, job: Job) -> None:
        beating = threading.Event()
        heart = threading.Thread(target=self._beat, args=(job.id, beating), daemon=True)
        heart.start()
        last_stage, last_at = [""], [0.0]

        def progress(stage: str, fraction: float) -> None:
            now = time.monotonic()
            if stage != last_stage[0] or now - last_at[0] >= PROGRESS_EVERY_SECONDS:
                last_stage[0], last_at[0] = stage, now
                self.store.progress(job.id, stage, fraction)

        indexer = Indexer(
            self.holder.embedder,
            gazetteer=self.holder.gazetteer,
            max_file_bytes=self.settings.max_file_mb * 1024 * 1024,
            progress=False,
            on_progress=progress,
            unit_vectors=self.settings.unit_vectors,
        )
        try:
            Path(job.folder).mkdir(parents=True, exist_ok=True)  # a collection emptied by its last delete
            summary = indexer.run(
                Path(job.folder),
                self.settings.index_dir,
                rebuild=job.rebuild,
                collection=job.collection,
                allow_empty=True,
            )
        except IndexLocked as exc:
            self.store.requeue(job.id, f"waiting: {exc}")
            self._stop.wait(LOCKED_RETRY_SECONDS)
            return
        except (IndexerError, ValueError, OSError) as exc:
            self.store.fail(job.id, str(exc))
            return
        except Exception as exc:  # a bug must not kill the runner; the job says what happened
            log.exception("job %s failed", job.id)
            self.store.fail(job.id, f"unexpected error ({exc.__class__.__name__}: {exc})")
            return
        finally:
            beating.set()
        self.holder.refresh()  # this process answers from the new generation at once; others within seconds
        self.store.finish(job.id, summary)
        log.info("job %s done: %s", job.id, summary.generation)

    def _beat(self, job_id: str, done: threading.Event) -> None:
        while not done.wait(HEARTBEAT_SECONDS):
            try:
                self.store.heartbeat(job_id)
            except Exception:  # a busy database: the next beat will do
                log.warning("could not record job %s's heartbeat", job_id)
