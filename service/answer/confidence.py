"""Confidence: the probability that an answer is right, from a logistic model over answer-level evidence.

Fitted by benchmarks/fit_answerer.py on questions with known answers and on the same questions asked with
their gold report removed (where every answer is wrong), so that a threshold on it trades answers given
against wrong answers given (the risk–coverage table in the README)."""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from service import phrases
from service.analysis import AnalyzedQuestion, Language, QuestionKind
from service.answer.features import INDEX
from service.answer.parameters import ConfidenceWeights
from service.answer.terms import QuestionTerms, coverage, padded, word_coverage
from service.answer.types import Phrase, Scored

CONFIDENCE_FEATURES: tuple[str, ...] = (
    "probability",  # the scorer's softmax probability of the chosen unit
    "margin",  # its score minus the next candidate's from another sentence
    "similarity",  # cosine of the chosen unit and the question
    "top_dense",  # cosine of the best retrieved passage and the question
    "words",  # share of the question's content words in the chosen unit (rarity-weighted)
    "context_words",  # the same with its neighbouring units
    "document_terms",  # share of the question's word pairs in the chosen unit's report
    "document_words",  # share of its content words in that report
    "unseen",  # the question's content words that no passage of the index holds
    "missing_rarity",  # the rarest question word its report lacks (0 when it has them all)
    "missing_context",  # the same for the chosen unit and its neighbours
    "document_triples",  # share of the question's runs of three content words found in the report
    "unit_terms",  # share of the question's word pairs in the chosen unit
    "numbers_present",  # share of the numbers the question states that the report holds (1 when none)
    "retrieval_margin",  # the best passage's fused score minus the best from another report
    "sides_agree",  # the best dense and the best BM25 passage come from the same report
    "focus",  # the counted thing is in the unit
    "unit_agrees",  # a number of the asked kind is in the unit
    "wh_before",
    "wh_after",
    "kind_count",
    "kind_percent",
    "kind_date",
    "kind_list",
    "kind_explain",
    "kind_text",
    "english",
    "folded",
    "method_number",
    "method_span",
    "method_sentence",
    "phrase_length",  # log characters of the answer phrase
    "question_words",  # log number of the question's content words
    "rank",  # of the chosen unit's passage
)


def _triples(terms: QuestionTerms, text: str) -> float:
    """Share of the question's runs of three adjacent content words that the text holds."""
    triples = [" ".join(run[i : i + 3]) for run in terms.runs for i in range(len(run) - 2)]
    if not triples:
        return coverage(terms, text)
    haystack = padded(text, terms.folded)
    return sum(f" {t} " in haystack for t in triples) / len(triples)


class Calibrator(Protocol):
    def probability(self, evidence: np.ndarray) -> float: ...


class LogisticCalibrator:
    def __init__(self, weights: ConfidenceWeights) -> None:
        unknown = set(weights.weights) - set(CONFIDENCE_FEATURES)
        if unknown:
            raise ValueError(f"confidence weights name unknown features: {sorted(unknown)}")
        self.vector = np.array([weights.weights.get(n, 0.0) for n in CONFIDENCE_FEATURES], dtype=np.float64)
        self.bias = weights.bias

    def probability(self, evidence: np.ndarray) -> float:
        z = float(evidence @ self.vector) + self.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def evidence(
    q: AnalyzedQuestion,
    terms: QuestionTerms,
    ranked: list[Scored],
    chosen: Scored,
    phrase: Phrase,
    candidate_features: np.ndarray,
    row: int,
    top_dense: float,
) -> np.ndarray:
    """The answer-level features, in CONFIDENCE_FEATURES order."""
    c = chosen.candidate
    f = candidate_features[row]
    other = next((s for s in ranked if s is not chosen), None)
    document_words = set(phrases.words(c.hit.document.text, q.folded))
    context = set(phrases.words(c.text, q.folded))
    for s in ranked:  # the units next to the chosen one, in its passage
        n = s.candidate
        if n.hit is c.hit and abs(n.unit.start - c.unit.start) < 600:
            context |= set(phrases.words(n.unit.text, q.folded))
    asked = [n.text for n in phrases.numbers_in(q.text) if not n.year]
    hits = [h for h in {id(s.candidate.hit): s.candidate.hit for s in ranked}.values()]
    hits.sort(key=lambda h: -h.score)
    top = hits[0]
    runner_up = next((h.score for h in hits if h.document.source != top.document.source), 0.0)
    best_dense = max(hits, key=lambda h: h.dense)
    best_lexical = max(hits, key=lambda h: h.lexical)
    values = {
        "numbers_present": sum(n in c.hit.document.text for n in asked) / len(asked) if asked else 1.0,
        "retrieval_margin": top.score - runner_up,
        "sides_agree": best_dense.document.source == best_lexical.document.source,
        "unseen": len(terms.unseen),
        "missing_rarity": max((terms.weight(w) for w in terms.words if w not in document_words), default=0.0),
        "missing_context": max((terms.weight(w) for w in terms.words if w not in context), default=0.0),
        "document_triples": _triples(terms, c.hit.document.text),
        "unit_terms": coverage(terms, c.text),
        "probability": chosen.probability,
        "margin": chosen.score - other.score if other is not None else 5.0,
        "similarity": c.similarity,
        "top_dense": top_dense,
        "words": f[INDEX["words"]],
        "context_words": f[INDEX["context_words"]],
        "document_terms": coverage(terms, c.hit.document.text),
        "document_words": word_coverage(terms, c.hit.document.text),
        "focus": f[INDEX["focus"]],
        "unit_agrees": f[INDEX["unit_agrees"]],
        "wh_before": f[INDEX["wh_before"]],
        "wh_after": f[INDEX["wh_after"]],
        "kind_count": q.kind is QuestionKind.COUNT,
        "kind_percent": q.kind is QuestionKind.PERCENT,
        "kind_date": q.kind is QuestionKind.DATE,
        "kind_list": q.kind is QuestionKind.LIST,
        "kind_explain": q.kind is QuestionKind.EXPLAIN,
        "kind_text": q.kind is QuestionKind.TEXT,
        "english": q.language is Language.EN,
        "folded": q.folded,
        "method_number": phrase.method == "number",
        "method_span": phrase.method == "span",
        "method_sentence": phrase.method == "sentence",
        "phrase_length": math.log(max(len(phrase.text), 1)),
        "question_words": math.log(1 + len(terms.words)),
        "rank": c.rank,
    }
    return np.array([float(values[n]) for n in CONFIDENCE_FEATURES], dtype=np.float64)
