"""Retrieval quality on the external sets with the official scorer (../shared/eval/retrieval_score.py).

    .venv/bin/python -m benchmarks.retrieval_quality alqac vimedaqa vinewsqa [--split train|test|all]
        [--dense-weights 0.4 0.5 0.6] [--rerank-weights 0.0 0.6 1.0] [--rerank-depths 50]
        [--chunk-size 900 --chunk-overlap 150] [--folded [--folded-rerank-weights 0 0.3 1.0]]

For each set: materialises it (../shared/eval/materialize.py) into /tmp/hoidap-eval/<set>, builds the index
with the default embedder (incremental, so a second run reuses it), searches every question with top-k 100
and prints, side by side in one run, dense / BM25 / RRF / min–max weighted / hoidap (z-score fusion, then
the zero-model `units` reranker at each weight; weight 0 = no reranking): the scorer's nDCG@10 / Recall@10 /
MRR@10 / Recall@100.  `--split` keeps the questions of one half (benchmarks/eval_sets.py: sha1 of the id
even = train): fusion and reranking weights are chosen on `train` and reported on `test` (see README).
Each question is embedded once per set.  `--folded` asks every question without its diacritics (as typed
without a Vietnamese keyboard), reranked at the folded weight (`--folded-rerank-weights` compares several).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.eval_sets import question_split
from indexer.chunking import Chunker, ChunkerSettings
from indexer.embedders import make_embedder
from indexer.gazetteer import Gazetteer
from indexer.pipeline import Indexer
from indexer.reader import open_index
from indexer.types import EmbedKind
from indexer.vietnamese import fold
from service.rerank import RerankSettings
from service.retrieval import Fusion, FusionSettings, RetrievalMode
from service.search import SearchService

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
SETS = {"alqac": "vire_alqac", "vimedaqa": "vire_vimedaqa", "vinewsqa": "vinewsqa_dev"}


class QueryCache:
    """The embedder, remembering query vectors (each question is searched in many variants)."""

    def __init__(self, embedder: Any) -> None:
        self.embedder = embedder
        self.cache: dict[str, np.ndarray] = {}

    @property
    def id(self) -> str:
        return str(self.embedder.id)

    @property
    def dim(self) -> int:
        return int(self.embedder.dim)

    def load(self) -> None:
        self.embedder.load()

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray:
        if kind is not EmbedKind.QUERY:
            return np.asarray(self.embedder.embed(texts, kind))
        missing = [t for t in texts if t not in self.cache]
        if missing:
            for t, v in zip(missing, self.embedder.embed(missing, kind), strict=True):
                self.cache[t] = v
        return np.stack([self.cache[t] for t in texts])


def prepare(name: str, work: Path, embedder: Any, chunks: ChunkerSettings | None = None) -> tuple[Path, Path]:
    """The set's folder and its index (another index per chunk size and overlap than the default)."""
    target = work / name
    if not (target / "questions.jsonl").exists():
        subprocess.run(
            [sys.executable, str(EVAL / "materialize.py"), str(EVAL / "external" / SETS[name]), str(target)], check=True
        )
    chunks = chunks or ChunkerSettings()
    default = chunks == ChunkerSettings()
    index = target / ("index" if default else f"index-c{chunks.size}-o{chunks.overlap}")
    Indexer(embedder, Chunker(chunks), progress=True).run(target / "corpus", index)
    return target, index


def score(questions: list[dict], qrels: Path, service: SearchService, mode: RetrievalMode, out: Path) -> dict:
    with out.open("w", encoding="utf-8") as f:
        for q in questions:
            hits = service.search(q["question"], 100, mode=mode).hits
            results = [{"source": h.document.source, "chunk_id": h.chunk.chunk_id, "score": h.score} for h in hits]
            f.write(json.dumps({"id": q["id"], "results": results}, ensure_ascii=False) + "\n")
    scored = subprocess.run(
        [sys.executable, str(EVAL / "retrieval_score.py"), str(qrels), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(scored.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", choices=sorted(SETS))
    parser.add_argument("--work", type=Path, default=Path("/tmp/hoidap-eval"))
    parser.add_argument("--split", choices=["train", "test", "all"], default="all")
    parser.add_argument("--dense-weights", nargs="+", type=float, default=[FusionSettings().dense_weight])
    parser.add_argument("--rerank-weights", nargs="+", type=float, default=[0.0, RerankSettings().weight])
    parser.add_argument("--rerank-depths", nargs="+", type=int, default=[RerankSettings().depth])
    parser.add_argument("--embedder", default="e5-onnx", help="embedder spec (one index per embedder and --work)")
    parser.add_argument("--chunk-size", type=int, default=ChunkerSettings().size, help="characters per passage")
    parser.add_argument("--chunk-overlap", type=int, default=ChunkerSettings().overlap)
    parser.add_argument("--folded", action="store_true", help="ask each question without its diacritics")
    parser.add_argument(
        "--folded-rerank-weights", nargs="+", type=float, help="with --folded: the reranker's weights to compare"
    )
    args = parser.parse_args()
    chunks = ChunkerSettings(size=args.chunk_size, overlap=args.chunk_overlap)
    embedder = QueryCache(make_embedder(args.embedder))
    embedder.load()
    gazetteer = Gazetteer.load()
    for name in args.sets:
        target, index_dir = prepare(name, args.work, embedder.embedder, chunks)  # indexed as the CLI would
        index = open_index(index_dir, embedder.id)
        questions = [json.loads(line) for line in (target / "questions.jsonl").read_text().splitlines() if line]
        questions = [q for q in questions if args.split == "all" or question_split(str(q["id"])) == args.split]
        if args.folded:
            questions = [{**q, "question": fold(q["question"])} for q in questions]
        kept = {str(q["id"]) for q in questions}
        with tempfile.TemporaryDirectory() as tmp:
            qrels = Path(tmp) / "qrels.jsonl"
            lines = (target / "qrels.jsonl").read_text(encoding="utf-8").splitlines()
            qrels.write_text("\n".join(x for x in lines if x and str(json.loads(x)["query_id"]) in kept) + "\n")
            variants: list[tuple[str, RetrievalMode, FusionSettings | None, float, int]] = [
                ("dense", RetrievalMode.DENSE, None, 0.0, 0),
                ("bm25", RetrievalMode.LEXICAL, None, 0.0, 0),
                ("rrf", RetrievalMode.HYBRID, FusionSettings(fusion=Fusion.RRF), 0.0, 0),
                ("weighted-0.5", RetrievalMode.HYBRID, FusionSettings(fusion=Fusion.WEIGHTED), 0.0, 0),
            ]
            weights = args.rerank_weights
            if args.folded:  # a folded question is reranked at the folded weight
                weights = args.folded_rerank_weights or sorted({0.0, RerankSettings().folded_weight})
            for w in args.dense_weights:
                for g in weights:
                    for depth in args.rerank_depths if g else [0]:
                        label = f"zscore-{w}" + (f"+units-{g}@{depth}" if g else "")
                        variants.append((label, RetrievalMode.HYBRID, FusionSettings(dense_weight=w), g, depth))
            for label, mode, fusion, weight, depth in variants:
                reranker, rerank = ("units", RerankSettings(depth, weight, weight)) if weight else ("none", None)
                service = SearchService(index, embedder, gazetteer, fusion, reranker, rerank)
                figures = score(questions, qrels, service, mode, Path(tmp) / "results.jsonl")
                chunking = f"c{chunks.size}-o{chunks.overlap}"
                print(name, args.split, chunking, label, json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
