"""The seed questions with news articles as distractors (issue 17, quality at scale):

    .venv/bin/python -m benchmarks.distractors --docs 1000 [--min-confidence X] [--show 3]

Writes the seed reports (corpus/) and the first N articles of ../shared/eval/external/news20k.jsonl.gz (one
.txt a file under news/, the title as its first line, as the .txt loader reads a title) into
/tmp/hoidap-eval/distractors/n<N>/corpus, indexes it with the default embedder (incremental: an index that
exists is reused, and a new N starts from a copy of the largest smaller one, so only the new articles are
embedded), asks the 36 seed questions the way benchmarks/answer_quality.py does, scores them with
../shared/eval/score.py and prints its figures, how many of the first three citations are news articles, and
for each wrong answer the question, the answer and the top sources.  Index under the shared lock:
`flock /tmp/hoidap-bench.lock ...` (1,000 articles take several minutes of both cores).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
from pathlib import Path
from typing import Any

from benchmarks.answer_quality import Row, _answerer_for, ask_all, at_threshold
from benchmarks.eval_sets import EVAL, ROOT, WORK, load_jsonl, scorer

NEWS = EVAL / "external" / "news20k.jsonl.gz"
NEWS_FOLDER = "news"  # sources of the distractors start with it


def write_corpus(target: Path, docs: int) -> int:
    """The seed reports and the first `docs` articles (files already there are kept); returns the articles."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted((ROOT / "corpus").iterdir()):
        if path.is_file() and not (target / path.name).exists():
            shutil.copy2(path, target / path.name)
    news = target / NEWS_FOLDER
    news.mkdir(exist_ok=True)
    written = 0
    with gzip.open(NEWS, "rt", encoding="utf-8") as f:
        for line in f:
            if written >= docs:
                break
            row = json.loads(line)
            path = news / f"{row['id']}.txt"
            if not path.exists():
                path.write_text(f"{row['title']}\n\n{row['text']}\n", encoding="utf-8")
            written += 1
    return written


def build(docs: int, embedder: Any, work: Path) -> Path:
    """The index of the seed reports plus `docs` articles, built once (from a smaller one when there is one)."""
    from indexer.pipeline import Indexer

    base = work / f"n{docs}"
    write_corpus(base / "corpus", docs)
    index = base / "index"
    if not index.exists():
        smaller = sorted(
            (int(p.name[1:]), p / "index") for p in work.glob("n*") if p.name[1:].isdigit() and (p / "index").exists()
        )
        seeds = [path for n, path in smaller if n < docs]
        if seeds:
            shutil.copytree(seeds[-1], index, symlinks=True)
    Indexer(embedder, progress=True).run(base / "corpus", index)
    return index


def describe(rows: list[Row], threshold: float) -> dict[str, Any]:
    score = scorer()
    questions = [r.question for r in rows]
    replies = [at_threshold(r, threshold) | {"id": r.question["id"]} for r in rows]
    figures, failures = score.score(questions, replies)
    top3 = [c["source"] for r in replies for c in (r.get("citations") or [])[:3]]
    figures["news_in_top3_citations"] = sum(s.startswith(NEWS_FOLDER + "/") for s in top3)
    figures["citations_in_top3"] = len(top3)
    return {"figures": figures, "failures": failures, "replies": {r["id"]: r for r in replies}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=1000, help="news articles added to the seed reports")
    parser.add_argument("--min-confidence", type=float, default=None, help="default: the fitted threshold")
    parser.add_argument("--show", type=int, default=3, help="sources shown for each wrong answer")
    parser.add_argument("--work", type=Path, default=WORK / "distractors")
    args = parser.parse_args()
    from indexer.embedders import make_embedder
    from indexer.gazetteer import Gazetteer
    from service.answer.parameters import AnswerParameters

    threshold = args.min_confidence
    if threshold is None:
        threshold = AnswerParameters.load().thresholds.min_confidence
    embedder = make_embedder()
    embedder.load()
    gazetteer = Gazetteer.load()
    index = build(args.docs, embedder, args.work)
    engine = _answerer_for(index, embedder, gazetteer, threshold)
    questions = load_jsonl(EVAL / "seed_questions.jsonl")
    rows = ask_all(engine, questions, removed=False)
    result = describe(rows, threshold)
    with (args.work / f"n{args.docs}" / "answers.jsonl").open("w", encoding="utf-8") as f:
        for reply in result["replies"].values():
            f.write(json.dumps(reply, ensure_ascii=False) + "\n")
    print(f"index: {index} ({len(engine.index.store.documents())} documents, {len(engine.index.store)} chunks)")
    for failure in result["failures"]:
        reply = result["replies"][failure["id"]]
        print(f"MISS {failure['id']}: {failure['question']}")
        print(f"     -> {reply.get('answer')!r} ({reply.get('outcome')}, confidence {reply.get('confidence')})")
        for c in (reply.get("citations") or [])[: args.show]:
            text = " ".join(str(c.get("text", "")).split())[:140]
            print(f"        {c['source']} ({c.get('score')}): {text}")
    print(json.dumps({"docs": args.docs, "min_confidence": threshold, **result["figures"]}, ensure_ascii=False))


if __name__ == "__main__":
    main()
