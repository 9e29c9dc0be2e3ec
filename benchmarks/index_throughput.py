"""Indexing throughput per stage on a slice of ../shared/eval/external/news20k.jsonl.gz (a benchmark).

    .venv/bin/python benchmarks/index_throughput.py --docs 300
    .venv/bin/python -m benchmarks.index_throughput --docs 100 --against /path/to/old/checkout --rounds 3 [--late]

Writes the slice as .txt files into a temporary corpus, runs a full indexing run with the default
embedder, and prints chunks/s and characters/s per stage, beside the raw embedder's own throughput on the
same chunks.  Target: all stages but embedding together at most 15% of the total.

`--against`: old and new in one run.  Each round indexes the same slice from scratch with another checkout
(its code and its data/models, a fresh process) and with this one (likewise), taking turns so both see the
same machine noise; prints each run's seconds and the ratio new/old.  `--late`: a third run each round, this
checkout with late answer-unit vectors (indexer/vectors.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from indexer.embedders import make_embedder
from indexer.pipeline import Indexer
from indexer.reader import open_index
from indexer.types import EmbedKind

NEWS = Path(__file__).resolve().parents[2] / "shared" / "eval" / "external" / "news20k.jsonl.gz"


def write_slice(target: Path, docs: int) -> int:
    chars = 0
    with gzip.open(NEWS, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            if i >= docs:
                break
            row = json.loads(line)
            text = f"{row['title']}\n\n{row['text']}"
            chars += len(text)
            (target / f"{row['id']}.txt").write_text(text, encoding="utf-8")
    return chars


# One timed indexing run in a fresh process of a checkout (PYTHONPATH and cwd: the checkout), printing JSON.
RUN_ONCE = """
import json, sys, time
from pathlib import Path
from indexer.embedders import make_embedder
from indexer.pipeline import Indexer
embedder = make_embedder()
embedder.load()
way = {"unit_vectors": sys.argv[3]} if len(sys.argv) > 3 else {}  # another way than the checkout's default
indexer = Indexer(embedder, progress=False, **way)
start = time.perf_counter()
summary = indexer.run(Path(sys.argv[1]), Path(sys.argv[2]))
total = time.perf_counter() - start
stages = {k: round(v, 2) for k, v in indexer.timer.seconds.items()}
print(json.dumps({"seconds": total, "chunks": summary.chunks, "stages": stages, "embedder": embedder.id}))
"""


def timed_run(checkout: Path, corpus: Path, index: Path, unit_vectors: str | None) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    out = subprocess.run(
        [sys.executable, "-c", RUN_ONCE, str(corpus), str(index), *([unit_vectors] if unit_vectors else [])],
        cwd=checkout,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def compare(old: Path, docs: int, rounds: int, late: bool) -> None:
    """Old and new (and, with `late`, new with late answer-unit vectors) taking turns, `rounds` times."""
    new = Path(__file__).resolve().parents[1]
    runs: list[tuple[str, Path, str | None]] = [("old", old, None), ("new", new, None)]
    runs += [("new-late", new, "late")] if late else []
    times: dict[str, list[float]] = {label: [] for label, _, _ in runs}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        chars = write_slice(corpus, docs)
        print(f"{docs} documents, {chars:,} characters; old = {old}, new = {new}")
        for round_ in range(rounds):
            for label, checkout, way in runs:
                result = timed_run(checkout, corpus, Path(tmp) / f"index-{label}-{round_}", way)
                times[label].append(float(str(result["seconds"])))
                print(
                    f"round {round_ + 1} {label}: {result['seconds']:.1f} s, {result['chunks']} chunks, "
                    f"stages {result['stages']}, {result['embedder']}",
                    flush=True,
                )
    for label, _, _ in runs[1:]:
        ratios = [n / o for n, o in zip(times[label], times["old"], strict=True)]
        print(
            f"end-to-end {label}/old: {', '.join(f'{r:.2f}' for r in ratios)} "
            f"(median {statistics.median(ratios):.2f}; target <= 0.5)"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--embedder", default="e5-onnx")
    parser.add_argument("--against", type=Path, help="another checkout to compare with (old and new in one run)")
    parser.add_argument("--rounds", type=int, default=1, help="with --against: old/new pairs, taking turns")
    parser.add_argument("--late", action="store_true", help="with --against: also new with late unit vectors")
    args = parser.parse_args()
    if args.against:
        compare(args.against.resolve(), args.docs, args.rounds, args.late)
        return
    with tempfile.TemporaryDirectory() as tmp:
        corpus, index_dir = Path(tmp) / "corpus", Path(tmp) / "index"
        corpus.mkdir()
        chars = write_slice(corpus, args.docs)
        embedder = make_embedder(args.embedder)
        embedder.load()
        indexer = Indexer(embedder, progress=False)
        start = time.perf_counter()
        summary = indexer.run(corpus, index_dir)
        total = time.perf_counter() - start
        chunks = [c.chunk for c in open_index(index_dir).store.all_chunks()]
        chunk_chars = sum(len(c.embed_text) for c in chunks)
        raw_start = time.perf_counter()
        for i in range(0, len(chunks), 32):
            embedder.embed([c.embed_text for c in chunks[i : i + 32]], EmbedKind.PASSAGE)
        raw = time.perf_counter() - raw_start
        tokens = None
        if hasattr(embedder, "count_tokens"):
            tokens = sum(embedder.count_tokens(c.embed_text) for c in chunks)
    print(f"{args.docs} documents, {chars:,} characters, {summary.chunks} chunks, total {total:.1f} s")
    print(f"{'stage':<18}{'seconds':>9}{'share':>8}{'chunks/s':>11}{'chars/s':>12}")
    stages = dict(indexer.timer.seconds)
    stages["other"] = max(0.0, total - sum(stages.values()))
    for name, seconds in stages.items():
        print(
            f"{name:<18}{seconds:>9.2f}{seconds / total:>8.1%}{summary.chunks / max(seconds, 1e-9):>11.0f}"
            f"{chars / max(seconds, 1e-9):>12.0f}"
        )
    not_embedding = total - stages.get("embed", 0.0)
    print(f"all stages but embedding: {not_embedding:.2f} s = {not_embedding / total:.1%} of the total (target <= 15%)")
    line = f"raw embedder on the same chunks: {raw:.1f} s, {len(chunks) / raw:.1f} chunks/s"
    line += f", {chunk_chars / raw:,.0f} chars/s"
    if tokens:
        line += f", {tokens / raw:,.0f} tokens/s"
    print(line)


if __name__ == "__main__":
    main()
