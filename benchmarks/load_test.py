"""A bounded load test on 127.0.0.1: concurrent clients send mixed /v1/ask and /v1/search requests for a
while, during which the index is republished; reports p50/p99, status counts and generations seen.

    .venv/bin/python -m benchmarks.load_test --seconds 60 --clients 16

Builds its own index of corpus/ in a temporary directory, serves it with `hoidap serve`, and republishes
it twice (a report added each time) during the run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.serving import ROOT, hoidap_index, hoidap_serve

QUESTIONS = [
    ("ask", "Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?", "67"),
    ("search", "điểm cầu hội nghị truyền hình", None),
    ("ask", "quang nam co bao nhieu diem cau hoi nghi truyen hinh", "19"),
    ("search", "tường lửa", None),
    ("ask", "Hà Nội có bao nhiêu điểm cầu?", None),
]


@dataclass
class LoadResult:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"ask": [], "search": []})
    statuses: Counter[int] = field(default_factory=Counter)
    generations: Counter[str] = field(default_factory=Counter)
    wrong_answers: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def run_load(base_url: str, seconds: float, clients: int, during: list[tuple[float, object]] = ()) -> LoadResult:
    """Clients loop over QUESTIONS for `seconds`, and on until every action of `during` is done plus 3 s; each
    (at, callable) of `during` runs `at` s after the start, one after the other."""
    result = LoadResult()
    lock = threading.Lock()
    start = time.monotonic()
    settled = threading.Event()

    def act() -> None:
        for at, action in sorted(during, key=lambda d: d[0]):
            time.sleep(max(0.0, start + at - time.monotonic()))
            action()  # type: ignore[operator]
        time.sleep(3)  # keep the load on a little, so the last action's effect is observed
        settled.set()

    def client(offset: int) -> None:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            i = offset
            while time.monotonic() - start < seconds or not settled.is_set():
                route, question, expected = QUESTIONS[i % len(QUESTIONS)]
                i += 1
                started = time.perf_counter()
                try:
                    response = http.post(f"/v1/{route}", json={"question": question})
                except httpx.HTTPError as exc:
                    with lock:
                        result.errors.append(repr(exc))
                    continue
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    result.statuses[response.status_code] += 1
                    if response.status_code != 200:
                        continue
                    body = response.json()
                    result.latencies[route].append(elapsed)
                    result.generations[body["query"]["index_generation"]] += 1
                    if expected is not None and expected not in (body.get("answer") or ""):
                        result.wrong_answers.append(f"{question} -> {body.get('answer')}")

    threads = [threading.Thread(target=act)] + [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))] if ordered else float("nan")


def load_during_republish(seconds: float, clients: int, republish_at: tuple[float, float], **env: str) -> LoadResult:
    """Index corpus/ into a temporary directory, serve it, run the load, and republish the index (a report
    added each time) at the given moments."""
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
        shutil.copytree(ROOT / "corpus", corpus)
        hoidap_index(corpus, index)

        def republish(n: int) -> None:
            (corpus / f"bo-sung-{n}.txt").write_text(
                f"Báo cáo bổ sung số {n} của tỉnh Khánh Hòa về hạ tầng công nghệ thông tin năm 2013.", encoding="utf-8"
            )
            hoidap_index(corpus, index)

        during = [(at, lambda n=n: republish(n)) for n, at in enumerate(republish_at, start=1)]
        with hoidap_serve(index, HOIDAP_RATE_LIMIT_PER_MINUTE="0", **env) as base:
            return run_load(base, seconds, clients, during)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    result = load_during_republish(args.seconds, args.clients, (args.seconds / 3, 2 * args.seconds / 3))
    for route, values in result.latencies.items():
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        print(f"/v1/{route:<7} n={len(values)} p50={p50:.1f} ms p99={p99:.1f} ms")
    print(
        f"statuses {dict(result.statuses)}, generations {dict(result.generations)}, "
        f"wrong answers {len(result.wrong_answers)}, transport errors {len(result.errors)}"
    )


if __name__ == "__main__":
    main()
