"""Query latency over HTTP: /v1/search and /v1/ask p50/p99 against a real uvicorn on 127.0.0.1.

    .venv/bin/python benchmarks/query_latency.py [--index-dir data/index] [--questions FILE.jsonl] [--rounds 5]

Starts `hoidap serve` on a free port, sends every question (default: ../shared/eval/seed_questions.jsonl)
`rounds` times to each endpoint, one at a time, and prints p50/p99 and the ask/search ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

SEED = Path(__file__).resolve().parents[2] / "shared" / "eval" / "seed_questions.jsonl"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", default="data/index")
    parser.add_argument("--questions", type=Path, default=SEED)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]
    port = free_port()
    env = dict(os.environ, HOIDAP_INDEX_DIR=args.index_dir, HOIDAP_PORT=str(port))
    server = subprocess.Popen(
        [sys.executable, "-m", "service", "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            for _ in range(300):
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            else:
                sys.exit("the service did not become ready")
            for q in questions[:3]:  # warm-up
                client.post("/v1/ask", json={"question": q})
            timings: dict[str, list[float]] = {"search": [], "ask": []}
            for _ in range(args.rounds):
                for q in questions:
                    for route in ("search", "ask"):
                        start = time.perf_counter()
                        response = client.post(f"/v1/{route}", json={"question": q})
                        timings[route].append((time.perf_counter() - start) * 1000)
                        response.raise_for_status()
    finally:
        server.terminate()
        server.wait(10)
    for route, values in timings.items():
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        print(f"/v1/{route:<7} n={len(values)} p50={p50:.1f} ms  p99={p99:.1f} ms")
    print(f"ask/search p50 ratio: {statistics.median(timings['ask']) / statistics.median(timings['search']):.2f}")


if __name__ == "__main__":
    main()
