"""Recall of the approximate dense index on real embeddings (issue 17: recall@10 against exact ≥ 0.98).

    .venv/bin/python -m benchmarks.ann_recall [--queries 600] [--ef 64 128 256]

benchmarks/scale_index.py measures recall on copies of real vectors with noise added, whose clusters of
near-identical copies defeat a graph.  This one uses only real, distinct embeddings: every passage vector
and answer-unit vector of the indexes the evaluation benchmarks built under /tmp/hoidap-eval (ALQAC,
ViMedAQA, ViNewsQA-dev, the seed reports and, when present, the seed reports with news20k distractors;
build them with `benchmarks.retrieval_quality` / `benchmarks.distractors` first), duplicates removed.  It
builds the HNSW index `indexer.dense` builds above `EXACT_UP_TO` (same M and efConstruction), embeds the
sets' questions as queries and prints recall@10 and @100 against exact search at each efSearch, unfiltered
and through `search_dense` with a filter that keeps a random tenth and a random half of the vectors (the
filtered path a province or year question takes at scale: the graph walked with the other rows skipped, as
it is above `EXACT_FILTERED_UP_TO` kept rows; below it the search is exact anyway).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import indexer.dense
from indexer.dense import HNSW_EF_SEARCH, DenseChoice, build_faiss, choose_dense, search_dense
from indexer.layout import IndexLayout

EVAL = Path("/tmp/hoidap-eval")
INDEXES = ("alqac", "vimedaqa", "vinewsqa", "seed", "distractors/n1000")
QUESTION_SETS = ("alqac", "vimedaqa", "vinewsqa")


def real_vectors() -> np.ndarray:
    parts = []
    for name in INDEXES:
        layout = IndexLayout(EVAL / name / "index")
        current = layout.current_name()
        if current is None:
            print(f"  (no index at {layout.root}: left out)")
            continue
        directory = layout.root / current
        for file in ("vectors.npy", "unit_vectors.npy"):
            part = np.load(directory / file).astype(np.float32)
            parts.append(part)
            print(f"  {name}/{file}: {len(part):,}")
    vectors = np.unique(np.concatenate(parts), axis=0)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def questions(limit: int) -> list[str]:
    out: list[str] = []
    for name in QUESTION_SETS:
        path = EVAL / name / "questions.jsonl"
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        out += [r.get("question") or r.get("text") or "" for r in rows[: limit // len(QUESTION_SETS)]]
    return [q for q in out if q]


def recall(found: np.ndarray, exact: np.ndarray, k: int) -> float:
    return float(
        np.mean([len(set(f[:k].tolist()) & set(e[:k].tolist())) / k for f, e in zip(found, exact, strict=True)])
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--ef", type=int, nargs="+", default=[64, HNSW_EF_SEARCH, 256])
    args = parser.parse_args()
    import faiss

    from indexer.embedders import make_embedder
    from indexer.types import EmbedKind
    from service.settings import Settings

    faiss.omp_set_num_threads(1)
    indexer.dense.EXACT_FILTERED_UP_TO = 0  # every filtered HNSW search through the graph (see the docstring)
    print("real vectors:")
    vectors = real_vectors()
    print(f"  {len(vectors):,} distinct")
    settings = Settings()
    embedder = make_embedder(settings.embedder, settings.embed_threads, settings.models_dir)
    embedder.load()
    queries = embedder.embed(questions(args.queries), EmbedKind.QUERY).astype(np.float32)
    hnsw_choice = choose_dense(10**9)
    start = time.perf_counter()
    hnsw = build_faiss(vectors, hnsw_choice)
    built = time.perf_counter() - start
    print(f"HNSW (M {hnsw_choice.m}, efConstruction {hnsw_choice.ef_construction}) built in {built:.0f} s")
    flat = build_faiss(vectors, DenseChoice("flat"))
    rng = np.random.default_rng(0)
    masks = {"none": None, "a tenth kept": rng.random(len(vectors)) < 0.1, "half kept": rng.random(len(vectors)) < 0.5}
    print(f"{len(queries)} queries; recall against exact search")
    print(f"  {'filter':<14}{'efSearch':>9}{'recall@10':>11}{'recall@100':>12}{'ms/query':>10}")
    for label, mask in masks.items():
        exact = np.stack([search_dense(flat, q, 100, mask)[1] for q in queries])
        for ef in args.ef:
            hnsw.hnsw.efSearch = ef
            start = time.perf_counter()
            found = [search_dense(hnsw, q, 100, mask)[1] for q in queries]
            ms = (time.perf_counter() - start) * 1000 / len(queries)
            padded = np.stack([np.pad(f, (0, 100 - len(f)), constant_values=-1) for f in found])
            print(
                f"  {label:<14}{ef:>9}{recall(padded, exact, 10):>11.3f}{recall(padded, exact, 100):>12.3f}{ms:>10.2f}"
            )


if __name__ == "__main__":
    main()
