"""What fusion and reranking cost per search, in one process, variants interleaved question by question:

    .venv/bin/python -m benchmarks.search_latency [alqac|vimedaqa|vinewsqa] [--rounds 3]

Variants: min–max weighted fusion without reranking (before z-score fusion), z-score fusion, z-score fusion
with the `units` reranker (the default). Query vectors are computed once beforehand, so the figures are the
retrieval itself (BM25, FAISS, fusion, reranking, chunk lookup); p50/p99 in ms and each variant's p50 as a
ratio of the first. Needs the set's index from benchmarks/retrieval_quality.py.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks.query_latency import percentile
from benchmarks.retrieval_quality import QueryCache
from indexer.embedders import make_embedder
from indexer.gazetteer import Gazetteer
from indexer.reader import open_index
from indexer.types import EmbedKind
from service.retrieval import Fusion, FusionSettings
from service.search import SearchService


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("set", nargs="?", default="alqac")
    parser.add_argument("--work", type=Path, default=Path("/tmp/hoidap-eval"))
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    embedder = QueryCache(make_embedder())
    embedder.load()
    target = args.work / args.set
    index = open_index(target / "index", embedder.id)
    gazetteer = Gazetteer.load()
    questions = [json.loads(x)["question"] for x in (target / "questions.jsonl").read_text().splitlines() if x]
    variants = {
        "weighted, no rerank": SearchService(
            index, embedder, gazetteer, FusionSettings(fusion=Fusion.WEIGHTED), "none"
        ),
        "zscore, no rerank": SearchService(index, embedder, gazetteer, FusionSettings(), "none"),
        "zscore + units (default)": SearchService(index, embedder, gazetteer),
    }
    analyzer = next(iter(variants.values())).analyzer
    embedder.embed([analyzer.analyze(q).text for q in questions], EmbedKind.QUERY)  # warm the vector cache
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for q in questions:
            for name, service in variants.items():
                started = time.perf_counter()
                service.search(q, 5)
                times[name].append(1000 * (time.perf_counter() - started))
    first = None
    for name, values in times.items():
        p50 = percentile(values, 0.5)
        first = first or p50
        print(
            f"{args.set} {name}: p50 {p50:.2f} ms, p99 {percentile(values, 0.99):.2f} ms, "
            f"p50 ratio {p50 / first:.2f} ({len(values)} searches)"
        )


if __name__ == "__main__":
    main()
