"""Bounded background work for the bots: the webhook is acknowledged at once, the answer is worked on after,
with at most `limit` answers in flight (more are refused and logged, never queued without bound)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("hoidap.bots")


class BackgroundWork:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._tasks: set[asyncio.Task[Any]] = set()

    def submit(self, work: Coroutine[Any, Any, Any], what: str) -> bool:
        if len(self._tasks) >= self.limit:
            work.close()
            log.warning("bot work refused, %d answers already in flight: %s", len(self._tasks), what)
            return False
        task = asyncio.get_running_loop().create_task(self._run(work, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return True

    @staticmethod
    async def _run(work: Coroutine[Any, Any, Any], what: str) -> None:
        try:
            await work
        except Exception:  # a failed answer must not take the service down; it is logged with its cause
            log.exception("bot work failed: %s", what)

    async def drain(self, timeout: float = 30.0) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)


class SeenIds:
    """Ids seen in the last `ttl` seconds (Slack retries carry the same event_id)."""

    def __init__(self, ttl: float = 3600.0, size: int = 10_000) -> None:
        self.ttl, self.size = ttl, size
        self._seen: dict[str, float] = {}

    def first_time(self, key: str) -> bool:
        now = asyncio.get_running_loop().time()
        if len(self._seen) > self.size:
            self._seen = {k: t for k, t in self._seen.items() if now - t < self.ttl}
        if key in self._seen and now - self._seen[key] < self.ttl:
            return False
        self._seen[key] = now
        return True
