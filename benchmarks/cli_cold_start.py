"""Cold start of `hoidap ask`: the wall time of one question from the shell, process start to exit.

    .venv/bin/python -m benchmarks.cli_cold_start [--runs 10] [--index-dir data/index] [--source DIR]

Runs `python -m service ask QUESTION --index-dir …` as a new process `runs` times (one warm-up run first, so
the files are in the page cache as they are on a machine in use) and prints the median and the minimum.
`--source` runs another checkout's code with the same interpreter, to compare with an older version
(e.g. `git worktree add /tmp/before main`).  Times depend on how busy the machine is: the minimum is the
figure least disturbed by other work.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTION = "Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?"


def run_once(source: Path, index_dir: Path, models_dir: Path, question: str) -> float:
    command = [sys.executable, "-m", "service", "ask", question, "--index-dir", str(index_dir)]
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(source), "HOIDAP_MODELS_DIR": str(models_dir)}
    start = time.perf_counter()
    done = subprocess.run(command, cwd=source, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"hoidap ask failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--index-dir", type=Path, default=ROOT / "data" / "index")
    parser.add_argument("--models-dir", type=Path, default=ROOT / "data" / "models")
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout whose code runs (default: this)")
    parser.add_argument("--question", default=QUESTION)
    args = parser.parse_args()
    if not (args.index_dir / "CURRENT").exists():
        raise SystemExit(f"no index at {args.index_dir}: run `make index` (or `hoidap index corpus`) first")
    index_dir, models_dir, source = args.index_dir.resolve(), args.models_dir.resolve(), args.source.resolve()
    run_once(source, index_dir, models_dir, args.question)  # warm-up: files into the page cache
    times = [run_once(source, index_dir, models_dir, args.question) for _ in range(args.runs)]
    print(f"hoidap ask, cold process, {args.runs} runs ({source}):")
    print(f"  median {statistics.median(times):.2f} s, min {min(times):.2f} s, max {max(times):.2f} s")


if __name__ == "__main__":
    main()
