"""Fit the answerer's weights and thresholds (service/data/answer_parameters.json) on a stated training split.

    .venv/bin/python -m benchmarks.fit_answerer [--sets alqac vinewsqa] [--write]

Training data: the `train` half of ALQAC and of ViNewsQA-dev (benchmarks/eval_sets.py: sha1 of the question
id even), each question also typed without diacritics (the same question, folded), asked (a) against the
full index — answerable — and (b) against an index without its gold report — where any answer is wrong.
The seed questions and the `test` halves are never used here.

1. Scorer: a conditional logit over each question's candidate units (features: service/answer/features.py),
   positive = a unit of the gold report that holds the gold answer; L2-regularised towards the hand-set
   weights (what the training sets cannot tell — report dates, English — stays hand-set), each set weighing
   equally;
   fitted with the units of 8 and of 12 retrieved passages, the better kept.
2. Span policy: per question word (gì, ai, ở đâu, như thế nào, …), whether a free-text answer is the clause
   from the sentence's first new word, the phrase in the question word's place, or the whole sentence: the
   choice with most answers right at 300 characters plus half those right at 80 (score.py's `answerable` and
   `short`) on the training questions.
3. Confidence: logistic regression of "this answer is right" (score.py's judgement; every answer in (b) is
   wrong) on answer-level evidence (service/answer/confidence.py), each set weighing equally.
4. Threshold: the highest confidence threshold (in steps of 0.05) that refuses no more answerable training
   questions than FALSE_REFUSAL_BUDGET allows (none: "no more false refusals than today"); the table of
   every step (share of (b) refused against answerable questions newly refused) is printed, so a department
   that prefers refusals can pick its own HOIDAP_MIN_CONFIDENCE from it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize

from benchmarks.eval_sets import WORK, prepare, question_split, removal_runs, scorer
from indexer.vietnamese import fold
from service.answer.answerer import Answerer, Trace
from service.answer.confidence import CONFIDENCE_FEATURES
from service.answer.features import FEATURES
from service.answer.parameters import PARAMETERS_FILE, AnswerParameters, ConfidenceWeights, ScorerWeights
from service.answer.spans import SPANS

FALSE_REFUSAL_BUDGET = 0.0  # share of answerable training questions a default threshold may newly refuse
SHORT_WEIGHT = 0.5  # an answer right within 80 characters counts half again one right within 300
CANDIDATE_HITS = (8, 12)  # retrieved passages whose units are candidates: each tried
FIXED = ("english", "english_similarity_gap")  # no English questions to fit them on: kept as hand-set


@dataclass
class Asked:
    set_name: str
    question: dict[str, Any]
    removed: bool
    outcome: Any  # SearchOutcome


def _reply(trace: Trace) -> dict[str, Any]:
    a = trace.answer
    return {"answer": a.answer, "citations": [{"source": c.source} for c in a.citations]}


def collect(set_names: list[str], embedder: Any, gazetteer: Any, work: Path = WORK) -> list[Asked]:
    from indexer.reader import open_index
    from service.search import SearchService

    asked: list[Asked] = []
    for name in set_names:
        evalset = prepare(name, embedder, work, progress=False)
        train = [q for q in evalset.questions if question_split(str(q["id"])) == "train"]
        train = train + [{**q, "id": f"{q['id']}-folded", "question": fold(q["question"])} for q in train]
        runs = [(evalset.index, train, False)]
        for index, questions in removal_runs(evalset, embedder, progress=False):
            ids = {q["id"] for q in questions}
            runs.append((index, [q for q in train if q["id"].removesuffix("-folded") in ids], True))
        for index, questions, removed in runs:
            service = SearchService(open_index(index, embedder.id), embedder, gazetteer)
            for q in questions:
                asked.append(Asked(name, q, removed, service.search(q["question"], max(CANDIDATE_HITS))))
        print(f"{name}: {len(train)} training questions asked", file=sys.stderr, flush=True)
    return asked


def traces(asked: list[Asked], answerer: Answerer) -> list[Trace]:
    return [answerer.trace(a.outcome, 5) for a in asked]


def set_weights(asked: list[Asked]) -> np.ndarray:
    """Each set weighs as much as the others, whatever its size."""
    counts: dict[str, int] = {}
    for a in asked:
        counts[a.set_name] = counts.get(a.set_name, 0) + 1
    return np.array([len(asked) / (len(counts) * counts[a.set_name]) for a in asked])


# -- 1. scorer --------------------------------------------------------------------------------------------
def fit_scorer(asked: list[Asked], found: list[Trace], l2: float = 0.05) -> dict[str, float]:
    """Conditional logit over each question's candidates, on standardised features, L2-regularised towards the
    hand-set weights: a feature the training questions say little about (report dates, provinces, English —
    the training sets have none) keeps its hand-set weight; the weights are returned in the features' units."""
    score = scorer()
    weights = set_weights(asked)
    groups = []
    for a, t, w in zip(asked, found, weights, strict=True):
        if a.removed or t.features is None or not t.candidates:
            continue
        gold = a.question["answers"][0]
        positive = np.array(
            [c.hit.document.source == a.question["source"] and score.gold_in(gold, c.text) for c in t.candidates]
        )
        if positive.any() and not positive.all():
            groups.append((t.features, positive, w))
    hand = ScorerWeights().weights
    free = [i for i, n in enumerate(FEATURES) if n not in FIXED]
    stacked = np.vstack([x[:, free] for x, _, _ in groups])
    std = stacked.std(axis=0)
    std[std < 1e-9] = 1.0
    prior = np.array([hand.get(FEATURES[i], 0.0) for i in free]) * std  # the hand weights, standardised
    scaled = [(x[:, free] / std, positive, w) for x, positive, w in groups]  # a shift cancels within a question
    total_weight = sum(w for _, _, w in scaled)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros(len(free))
        for x, positive, w in scaled:
            s = x @ theta
            p = np.exp(s - s.max())
            z, zp = p.sum(), p[positive].sum()
            total -= w * (np.log(zp) - np.log(z))
            grad -= w * (x[positive].T @ (p[positive] / zp) - x.T @ (p / z))
        gap = theta - prior
        return total / total_weight + l2 * float(gap @ gap), grad / total_weight + 2 * l2 * gap

    result = minimize(loss, prior.copy(), jac=True, method="L-BFGS-B")
    raw = result.x / std
    fitted = {FEATURES[i]: round(float(v), 4) for i, v in zip(free, raw, strict=True)}
    return {**fitted, **{n: hand[n] for n in FIXED if n in hand}}


# -- 2. span policy ---------------------------------------------------------------------------------------
def judge(asked: list[Asked], found: list[Trace]) -> tuple[int, int]:
    """(right at 300 characters, right at 80) over the answerable questions."""
    score = scorer()
    right = short = 0
    for a, t in zip(asked, found, strict=True):
        if a.removed:
            continue
        right += score.judge(a.question, _reply(t))[0]
        short += score.judge(a.question, _reply(t), score.SHORT_ANSWER_CHARS)[0]
    return right, short


def choose_span_modes(asked: list[Asked], parameters: AnswerParameters, gazetteer: Any) -> dict[str, str]:
    """Per question word, the span mode (or the whole sentence) with most answers right at 300 characters
    plus SHORT_WEIGHT × those right at 80; the modes of different question words do not interact."""
    answerable = [a for a in asked if not a.removed]
    by_kind: dict[str, list[Asked]] = {}
    for a, t in zip(answerable, traces(answerable, Answerer(gazetteer, parameters, min_confidence=0.0)), strict=True):
        if t.terms is not None:
            by_kind.setdefault(t.terms.wh.kind.value, []).append(a)
    modes: dict[str, str] = {}
    for kind, subset in sorted(by_kind.items()):
        results = {}
        for mode in (None, *SPANS):
            span_modes = {kind: mode} if mode else {}
            trial = replace(parameters, spans=replace(parameters.spans, span_modes=span_modes))
            right, short = judge(subset, traces(subset, Answerer(gazetteer, trial, min_confidence=0.0)))
            results[mode] = right + SHORT_WEIGHT * short
            print(
                f"  {kind} ({len(subset)} questions) {mode or 'sentence'}: {right} right, {short} short",
                file=sys.stderr,
                flush=True,
            )
        best = max(results, key=lambda m: (results[m], m is None))
        if best is not None:
            modes[kind] = best
    return modes


# -- 3. confidence ----------------------------------------------------------------------------------------
def fit_confidence(asked: list[Asked], found: list[Trace], l2: float = 0.01) -> tuple[dict[str, float], float]:
    score = scorer()
    rows, labels, weights = [], [], []
    for a, t, w in zip(asked, found, set_weights(asked), strict=True):
        if t.evidence is None:
            continue  # refused before an answer was chosen: no confidence to calibrate
        right = False if a.removed else score.judge(a.question, _reply(t))[0]
        rows.append(t.evidence)
        labels.append(float(right))
        weights.append(w)
    x, y, w = np.array(rows), np.array(labels), np.array(weights)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = (x - mean) / std

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        logits = z @ theta[1:] + theta[0]
        p = 1 / (1 + np.exp(-np.clip(logits, -30, 30)))
        eps = 1e-9
        total = -np.sum(w * (y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))) / w.sum()
        g = (w * (p - y)) / w.sum()
        grad = np.concatenate([[g.sum()], z.T @ g])
        total += l2 * float(theta[1:] @ theta[1:])
        grad[1:] += 2 * l2 * theta[1:]
        return total, grad

    result = minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B")
    coef = result.x[1:] / std  # back to raw feature units
    bias = result.x[0] - float((result.x[1:] * mean / std).sum())
    return {n: round(float(c), 5) for n, c in zip(CONFIDENCE_FEATURES, coef, strict=True)}, round(float(bias), 5)


def choose_threshold(asked: list[Asked], found: list[Trace]) -> tuple[float, list[dict[str, float]]]:
    score = scorer()
    table = []
    chosen = None
    for step in range(0, 20):
        t = step / 20
        removed = [tr for a, tr in zip(asked, found, strict=True) if a.removed]
        refused = sum(tr.answer.answer is None or tr.answer.confidence < t for tr in removed) / max(1, len(removed))
        kept = [(a, tr) for a, tr in zip(asked, found, strict=True) if not a.removed]
        false_refusals = sum(tr.answer.answer is not None and tr.answer.confidence < t for _, tr in kept)
        wrong_kept = sum(
            tr.answer.answer is not None and tr.answer.confidence >= t and not score.judge(a.question, _reply(tr))[0]
            for a, tr in kept
        )
        table.append(
            {
                "threshold": t,
                "removed_refused": round(refused, 3),
                "newly_refused": false_refusals,
                "wrong_answers_left": wrong_kept,
            }
        )
        if false_refusals <= FALSE_REFUSAL_BUDGET * len(kept):
            chosen = t
    return (chosen if chosen is not None else 0.0), table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=["alqac", "vinewsqa"], choices=["alqac", "vinewsqa"])
    parser.add_argument("--write", action="store_true", help=f"write {PARAMETERS_FILE}")
    parser.add_argument("--work", type=Path, default=WORK, help="where the sets and their indexes are kept")
    args = parser.parse_args()
    from indexer.embedders import make_embedder
    from indexer.gazetteer import Gazetteer

    started = time.time()
    embedder = make_embedder()
    embedder.load()
    gazetteer = Gazetteer.load()
    asked = collect(args.sets, embedder, gazetteer, args.work)
    parameters = AnswerParameters()  # the hand-set starting point

    best: tuple[float, AnswerParameters] | None = None
    for hits in CANDIDATE_HITS:  # 1. the scorer, for each number of candidate passages
        trial = replace(parameters, thresholds=replace(parameters.thresholds, candidate_hits=hits))
        found = traces(asked, Answerer(gazetteer, trial, min_confidence=0.0))
        print(f"{hits} passages, hand weights: right (300, 80)", judge(asked, found), file=sys.stderr, flush=True)
        trial = replace(trial, scorer=ScorerWeights(fit_scorer(asked, found)))
        right, short = judge(asked, traces(asked, Answerer(gazetteer, trial, min_confidence=0.0)))
        print(f"{hits} passages, fitted: right (300, 80)", (right, short), file=sys.stderr, flush=True)
        if best is None or right + SHORT_WEIGHT * short > best[0]:
            best = (right + SHORT_WEIGHT * short, trial)
    assert best is not None
    parameters = best[1]
    print("scorer:", json.dumps(parameters.scorer.weights), file=sys.stderr, flush=True)
    span_modes = choose_span_modes(asked, parameters, gazetteer)
    parameters = replace(parameters, spans=replace(parameters.spans, span_modes=span_modes))
    found = traces(asked, Answerer(gazetteer, parameters, min_confidence=0.0))
    print("answers right (300, 80) fitted:", judge(asked, found), file=sys.stderr, flush=True)
    confidence, bias = fit_confidence(asked, found)
    parameters = replace(parameters, confidence=ConfidenceWeights(confidence, bias))
    found = traces(asked, Answerer(gazetteer, parameters, min_confidence=0.0))
    threshold, table = choose_threshold(asked, found)
    for row in table:
        print("  ", json.dumps(row), file=sys.stderr)
    parameters = replace(
        parameters,
        thresholds=replace(parameters.thresholds, min_confidence=threshold),
        provenance={
            "fitted": True,
            "date": dt.date.today().isoformat(),
            "command": "python -m benchmarks.fit_answerer --write",
            "training": "train half (sha1(id) even) of " + ", ".join(args.sets) + "; each question also folded; "
            "asked against the full index and against an index without its gold report",
            "questions": len(asked),
            "seconds": round(time.time() - started),
        },
    )
    print(parameters.to_json())
    if args.write:
        PARAMETERS_FILE.write_text(parameters.to_json() + "\n", encoding="utf-8")
        print(f"wrote {PARAMETERS_FILE}", file=sys.stderr)


if __name__ == "__main__":
    main()
