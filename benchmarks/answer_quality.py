"""Answer quality with the official scorer (../shared/eval/score.py), in one run:

    .venv/bin/python -m benchmarks.answer_quality seed alqac vinewsqa [--min-confidence X]

For each set: every question against the full index (score.py's figures on the whole set and on its
`test` half — the `train` half is what benchmarks/fit_answerer.py fits on), then every answerable question
against an index without its gold report (share refused), and the risk–coverage table: for each confidence
threshold, the share of questions answered and the share of given answers that are wrong, over both runs.
Per-question results go to /tmp/hoidap-eval/<set>/answers-*.jsonl.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.eval_sets import WORK, EvalSet, prepare, question_split, removal_runs, scorer, seed_set

THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


@dataclass
class Row:
    question: dict[str, Any]
    reply: dict[str, Any]
    removed: bool  # asked with the gold report removed (must be refused)

    @property
    def confidence(self) -> float:
        return float(self.reply.get("confidence") or 0.0)


PARAMETERS: Any = None  # --parameters: another parameters file (experiments); None = the fitted one


def _answerer_for(index: Path, embedder: Any, gazetteer: Any, min_confidence: float) -> Any:
    from indexer.reader import open_index
    from service.answer import Answerer
    from service.engine import Engine
    from service.search import SearchService

    published = open_index(index, embedder.id)
    answerer = Answerer(gazetteer, PARAMETERS, min_confidence=0.0)
    return Engine(published, SearchService(published, embedder, gazetteer), answerer)


def ask_all(engine: Any, questions: list[dict[str, Any]], removed: bool) -> list[Row]:
    from service.api.models import AskResponse

    rows = []
    for q in questions:
        answer, outcome = engine.ask(q["question"], 5)
        reply = AskResponse.of(answer, outcome, 0.0).model_dump(mode="json")
        rows.append(Row(q, reply, removed))
    return rows


def at_threshold(row: Row, threshold: float) -> dict[str, Any]:
    """The reply as it would be with HOIDAP_MIN_CONFIDENCE = threshold."""
    if row.reply["answer"] is not None and row.confidence < threshold:
        return {**row.reply, "answer": None}
    return row.reply


def figures(rows: list[Row], threshold: float) -> dict[str, Any]:
    score = scorer()
    questions = [r.question | {"id": str(i)} for i, r in enumerate(rows)]
    replies = [at_threshold(r, threshold) | {"id": str(i)} for i, r in enumerate(rows)]
    result, _ = score.score(questions, replies)
    return result


def risk_coverage(full: list[Row], removed: list[Row]) -> list[dict[str, Any]]:
    score = scorer()
    table = []
    for t in THRESHOLDS:
        answered = wrong = 0
        for row in full + removed:
            reply = at_threshold(row, t)
            if reply["answer"] is None:
                continue
            answered += 1
            question = row.question if not row.removed else {**row.question, "answerable": False}
            wrong += not score.judge(question, reply)[0]
        refused_removed = sum(at_threshold(r, t)["answer"] is None for r in removed)
        false_refusals = sum(at_threshold(r, t)["answer"] is None for r in full if r.question.get("answerable", True))
        table.append(
            {
                "threshold": t,
                "coverage": round(answered / max(1, len(full) + len(removed)), 3),
                "risk": round(wrong / max(1, answered), 3),
                "answers": figures(full, t).get("answerable"),
                "false_refusals": false_refusals,
                "removed_refused": round(refused_removed / max(1, len(removed)), 3),
            }
        )
    return table


def run_set(evalset: EvalSet, embedder: Any, gazetteer: Any, min_confidence: float) -> dict[str, Any]:
    engine = _answerer_for(evalset.index, embedder, gazetteer, min_confidence)
    full = ask_all(engine, evalset.questions, removed=False)
    removed: list[Row] = []
    for index, questions in removal_runs(evalset, embedder, progress=False):
        removed += ask_all(_answerer_for(index, embedder, gazetteer, min_confidence), questions, removed=True)
    for label, rows in (("full", full), ("removed", removed)):
        with (evalset.directory / f"answers-{label}.jsonl").open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps({"id": r.question["id"], **r.reply}, ensure_ascii=False) + "\n")
    test = [r for r in full if question_split(str(r.question["id"])) == "test"] if evalset.name != "seed" else full
    test_removed = [r for r in removed if evalset.name == "seed" or question_split(str(r.question["id"])) == "test"]
    refused = sum(at_threshold(r, min_confidence)["answer"] is None for r in removed) / max(1, len(removed))
    refused_test = sum(at_threshold(r, min_confidence)["answer"] is None for r in test_removed) / max(
        1, len(test_removed)
    )
    return {
        "set": evalset.name,
        "min_confidence": min_confidence,
        "all": figures(full, min_confidence),
        "test": figures(test, min_confidence),
        "removed_refused": round(refused, 3),
        "removed_refused_test": round(refused_test, 3),
        "removed_questions": len(removed),
        "risk_coverage": risk_coverage(test, test_removed),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sets", nargs="+", choices=["seed", "alqac", "vinewsqa"])
    parser.add_argument("--min-confidence", type=float, default=None, help="default: the fitted threshold")
    parser.add_argument("--table", action="store_true", help="print the risk–coverage table")
    parser.add_argument("--parameters", type=Path, help="a parameters file other than the fitted one")
    parser.add_argument("--work", type=Path, default=WORK, help="where the sets and their indexes are kept")
    args = parser.parse_args()
    from indexer.embedders import make_embedder
    from indexer.gazetteer import Gazetteer
    from service.answer.parameters import AnswerParameters

    global PARAMETERS
    PARAMETERS = AnswerParameters.load(args.parameters) if args.parameters else AnswerParameters.load()
    threshold = args.min_confidence
    if threshold is None:
        threshold = PARAMETERS.thresholds.min_confidence
    embedder = make_embedder()
    embedder.load()
    gazetteer = Gazetteer.load()
    for name in args.sets:
        evalset = (
            seed_set(embedder, args.work, progress=False)
            if name == "seed"
            else prepare(name, embedder, args.work, progress=False)
        )
        result = run_set(evalset, embedder, gazetteer, threshold)
        table = result.pop("risk_coverage")
        print(json.dumps(result, ensure_ascii=False), flush=True)
        if args.table:
            for line in table:
                print("   ", json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
