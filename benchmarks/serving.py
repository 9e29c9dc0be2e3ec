"""`hoidap serve` as a real process on 127.0.0.1, for benchmarks and tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def hoidap_serve(
    index_dir: Path,
    output: Path | None = None,
    ready_seconds: float = 60,
    args: Sequence[str] = (),
    stop_seconds: float = 10,
    **env: str,
) -> Iterator[str]:
    """`hoidap serve [args]` over `index_dir`; yields its base URL once /readyz says ready.  HOIDAP_* variables
    in `env` are passed as they are (HOIDAP_HOST / HOIDAP_PORT too); the server's output goes to `output`;
    `stop_seconds`: how long it may take to stop after SIGTERM."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("HOIDAP_")}
    environment.update(HOIDAP_INDEX_DIR=str(index_dir), **env)
    port = int(env["HOIDAP_PORT"]) if "HOIDAP_PORT" in env else free_port()
    command = [sys.executable, "-m", "service", "serve", *args]
    command += [] if "HOIDAP_PORT" in env else ["--port", str(port)]
    sink = open(output, "wb") if output else subprocess.DEVNULL  # noqa: SIM115 (closed below)
    server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=sink, stderr=subprocess.STDOUT)
    base = f"http://{env.get('HOIDAP_HOST', '127.0.0.1')}:{port}"
    try:
        deadline = time.monotonic() + ready_seconds
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None:
                raise RuntimeError("hoidap serve exited")
            if time.monotonic() > deadline:
                raise RuntimeError(f"hoidap serve was not ready within {ready_seconds:.0f} s")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(stop_seconds)
        if output:
            sink.close()  # type: ignore[union-attr]


def hoidap_index(corpus: Path, index: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "service", "index", str(corpus), "--index-dir", str(index), "-q"],
        check=True,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
