"""Helpers for tests that need servers on 127.0.0.1: an ASGI app in a thread (stand-ins for third-party
APIs) and `hoidap serve` as a real process."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@contextlib.contextmanager
def hoidap_serve(index_dir: Path, **env: str) -> Iterator[str]:
    """`hoidap serve` over `index_dir` as a real process; yields its base URL once /readyz says ready."""
    port = free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HOIDAP_")}
    environment.update(HOIDAP_INDEX_DIR=str(index_dir), **env)
    server = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--port", str(port)],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None:
                raise RuntimeError("hoidap serve exited")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(10)
