"""Retrieval quality on the external sets with the official scorer (../shared/eval/retrieval_score.py).

    .venv/bin/python benchmarks/retrieval_quality.py alqac vimedaqa [--modes dense lexical hybrid]

For each set: materialises it (../shared/eval/materialize.py) into /tmp/hoidap-eval/<set>, builds the index
with the default embedder (incremental, so a second run reuses it), searches every question with top-k 100
in each mode and fusion, and prints the scorer's nDCG@10 / Recall@10 / MRR@10 / Recall@100.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from indexer.embedders import make_embedder
from indexer.gazetteer import Gazetteer
from indexer.pipeline import Indexer
from indexer.reader import open_index
from service.retrieval import Fusion, FusionSettings, RetrievalMode
from service.search import SearchService

EVAL = Path(__file__).resolve().parents[2] / "shared" / "eval"
SETS = {"alqac": "vire_alqac", "vimedaqa": "vire_vimedaqa"}


def prepare(name: str, work: Path, embedder) -> Path:
    target = work / name
    if not (target / "questions.jsonl").exists():
        subprocess.run(
            [sys.executable, str(EVAL / "materialize.py"), str(EVAL / "external" / SETS[name]), str(target)], check=True
        )
    Indexer(embedder, progress=True).run(target / "corpus", target / "index")
    return target


def score(target: Path, service: SearchService, mode: RetrievalMode, label: str) -> dict:
    questions = [json.loads(line) for line in (target / "questions.jsonl").read_text().splitlines() if line]
    out = target / f"results-{label}.jsonl"
    with out.open("w", encoding="utf-8") as f:
        for q in questions:
            hits = service.search(q["question"], 100, mode=mode).hits
            results = [{"source": h.document.source, "chunk_id": h.chunk.chunk_id, "score": h.score} for h in hits]
            f.write(json.dumps({"id": q["id"], "results": results}, ensure_ascii=False) + "\n")
    scored = subprocess.run(
        [sys.executable, str(EVAL / "retrieval_score.py"), str(target / "qrels.jsonl"), str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(scored.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sets", nargs="+", choices=sorted(SETS))
    parser.add_argument("--work", type=Path, default=Path("/tmp/hoidap-eval"))
    parser.add_argument("--modes", nargs="+", default=["dense", "lexical", "hybrid"])
    parser.add_argument("--fusions", nargs="+", default=["rrf", "weighted"])
    parser.add_argument("--weights", nargs="+", type=float, default=[0.5])
    parser.add_argument("--embedder", default="e5-onnx", help="embedder spec (one index per embedder and --work)")
    args = parser.parse_args()
    embedder = make_embedder(args.embedder)
    embedder.load()
    gazetteer = Gazetteer.load()
    for name in args.sets:
        target = prepare(name, args.work, embedder)
        index = open_index(target / "index", embedder.id)
        for mode_name in args.modes:
            mode = RetrievalMode(mode_name)
            variants = [(f, w) for f in args.fusions for w in (args.weights if f == "weighted" else [0.0])]
            for fusion, weight in variants if mode is RetrievalMode.HYBRID else [("-", 0.0)]:
                settings = FusionSettings(fusion=Fusion(fusion), dense_weight=weight) if fusion != "-" else None
                service = SearchService(index, embedder, gazetteer, settings)
                label = f"{mode_name}-{fusion}-{weight}"
                print(name, label, json.dumps(score(target, service, mode, label)), flush=True)


if __name__ == "__main__":
    main()
