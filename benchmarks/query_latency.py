"""Query latency over HTTP: /v1/search and /v1/ask p50/p99 against a real uvicorn on 127.0.0.1.

    .venv/bin/python -m benchmarks.query_latency [--index-dir data/index] [--questions FILE.jsonl] [--rounds 5]
        [--reranker units|none]

Starts `hoidap serve` on a free port, sends every question (default: ../shared/eval/seed_questions.jsonl)
`rounds` times to each endpoint, one at a time, and prints p50/p99 and the ask/search ratio.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import httpx

from benchmarks.serving import hoidap_serve

SEED = Path(__file__).resolve().parents[2] / "shared" / "eval" / "seed_questions.jsonl"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index-dir", type=Path, default=Path("data/index"))
    parser.add_argument("--questions", type=Path, default=SEED)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--reranker", default="units", help="HOIDAP_RERANKER for the server (units, none, …)")
    args = parser.parse_args()
    questions = [json.loads(line)["question"] for line in args.questions.read_text().splitlines() if line.strip()]
    timings: dict[str, list[float]] = {"search": [], "ask": []}
    # no rate limit: one client sends every question `rounds` times
    serving = hoidap_serve(args.index_dir.resolve(), HOIDAP_RATE_LIMIT_PER_MINUTE="0", HOIDAP_RERANKER=args.reranker)
    with serving as base, httpx.Client(base_url=base, timeout=30) as client:
        for q in questions[:3]:  # warm-up
            client.post("/v1/ask", json={"question": q})
        for _ in range(args.rounds):
            for q in questions:
                for route in ("search", "ask"):
                    start = time.perf_counter()
                    response = client.post(f"/v1/{route}", json={"question": q})
                    timings[route].append((time.perf_counter() - start) * 1000)
                    response.raise_for_status()
    for route, values in timings.items():
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        print(f"/v1/{route:<7} n={len(values)} p50={p50:.1f} ms  p99={p99:.1f} ms")
    print(f"ask/search p50 ratio: {statistics.median(timings['ask']) / statistics.median(timings['search']):.2f}")


if __name__ == "__main__":
    main()
