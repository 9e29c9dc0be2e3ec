"""Helpers for tests that need servers on 127.0.0.1: an ASGI app in a thread (stand-ins for third-party
APIs) and `hoidap serve` as a real process."""

from __future__ import annotations

import threading
import time
from typing import Any

import uvicorn

from benchmarks.serving import free_port, hoidap_serve

__all__ = ["ThreadedServer", "free_port", "hoidap_serve"]


class ThreadedServer:
    """An ASGI app served by uvicorn in a daemon thread; use as a context manager."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)
