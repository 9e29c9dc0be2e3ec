"""Features of each candidate unit for the scorer, as named columns.  Each one says how well a unit fits the
question on one axis; the scorer's weights (fitted, service/data/answer_parameters.json) combine them."""

from __future__ import annotations

import math
import re

import numpy as np

from service import phrases
from service.analysis import AnalyzedQuestion, Language, QuestionKind
from service.answer.numbers import NumberReader
from service.answer.parameters import SpanSettings
from service.answer.spans import phrase_span
from service.answer.terms import QuestionTerms, WhKind, padded
from service.answer.types import Candidate

FEATURES: tuple[str, ...] = (
    "similarity",  # cosine of unit and question
    "similarity_gap",  # that cosine minus the best candidate's
    "terms",  # share of the question's word pairs in the unit, pairs rare among the candidates weighing more
    "words",  # share of the question's content words in the unit, weighted by corpus rarity
    "context_words",  # the same over the unit and its neighbours
    "focus",  # the counted thing of a count question is in the unit
    "kind_fit",  # the unit holds what the question kind needs (a number, a percentage, a date, a list…)
    "number",  # count/percent: how well the best number's neighbourhood matches the question
    "unit_agrees",  # the question wants money/years/people…: a number of that kind is in the unit (+1) or not (-1)
    "year_match",  # a year of the question is in the unit (or it names none and its report is dated so)
    "year_mismatch",  # the unit names years, none of them the question's
    "doc_year",  # the report is dated in a year the question names
    "title",  # the unit is the report's title
    "rank",  # rank of the passage among the retrieved ones (0 = best)
    "hit_score",  # the passage's fused retrieval score relative to the best
    "hit_lexical",  # the passage's BM25 score relative to the best
    "hit_dense",  # cosine of the unit's passage and the question
    "neighbour_similarity",  # the best cosine of the units next to it (the answer often follows the match)
    "slot",  # new words where the question word stands (a sentence that only restates the question has none)
    "wh_type",  # holds what the question word asks for: a name (ai, … nào), a place, a cause, a time, a number
    "acronym_missing",  # an acronym of the question ("LAN", "HIV") that the unit and its neighbours lack
    "top_document",  # the unit is in the best passage's document
    "document_hits",  # share of the retrieved passages from the unit's document
    "defines",  # "X là gì?" and the unit says "X là …"
    "novelty",  # share of the unit's content words that the question does not have (an answer adds something)
    "missing_rarity",  # the rarest question word that neither the unit nor its neighbours hold
    "wh_before",  # share of the content words just before the question word found in the unit
    "wh_after",  # share of the content words just after the question word found in the unit
    "length",  # log of the unit's length in characters
    "english",  # English question: shared loanwords ("PC", "LAN", "internet")
    "english_similarity_gap",  # similarity_gap for English questions (matched through a glossary only)
)
INDEX = {name: i for i, name in enumerate(FEATURES)}
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_DEFINITION = re.compile(r"\blà\s+(?:gì|ai)\b|\bla (?:gi|ai)\b|\bđược hiểu (?:là|như)\b", re.IGNORECASE)


def loanword_overlap(question: str, text: str, province_words: frozenset[str]) -> float:
    """English question vs Vietnamese text: shared Latin-script words ("PC", "LAN", "internet", "virut")."""
    q_tokens = {t.lower().rstrip("s") for t in re.findall(r"[A-Za-z]{2,}", question)}
    q_tokens -= phrases.STOP | province_words
    if not q_tokens:
        return 0.0
    found = 0
    for token in {t.lower() for t in re.findall(r"\b[A-Za-z]{2,}\b", text)}:
        if token in q_tokens or (len(token) >= 5 and any(token[:4] in q for q in q_tokens)):
            found += 1
    return min(1.0, found / 2)


def kind_fit(q: AnalyzedQuestion, text: str) -> float:
    numbers = [n for n in phrases.numbers_in(text) if not n.year]
    if q.kind is QuestionKind.COUNT:
        return 1.0 if any(not n.percent and not n.date_part for n in numbers) else -1.0
    if q.kind is QuestionKind.PERCENT:
        return 1.0 if any(n.percent for n in numbers) else (0.3 if numbers else -1.0)
    if q.kind is QuestionKind.DATE:
        return 1.0 if phrases.date_phrase(text, q.text) else -1.0
    if q.kind is QuestionKind.LIST:
        return 1.0 if phrases.list_phrase(text, q.lexical, q.folded) else 0.0
    if q.kind is QuestionKind.EXPLAIN:
        return 0.5 if phrases.cause_phrase(text) else 0.0
    return 0.0


def _share(words: tuple[str, ...], present: set[str], terms: QuestionTerms) -> float:
    if not words:
        return 0.0
    total = sum(terms.weight(w) for w in words)
    return sum(terms.weight(w) for w in words if w in present) / total if total else 0.0


_ACRONYM = re.compile(r"\b[A-ZĐ]{2,}[0-9]*\b")
_NAME = re.compile(r"(?:\b[A-ZĐ][^\W\d_]+(?:\s+|$)){2,}")
_PLACE = re.compile(r"\b(?:tại|ở|trên|trong|ngoài)\s+[^\W\d_]", re.IGNORECASE)
_CAUSE_MARK = re.compile(r"\b(?:do|vì|bởi|nên|khiến|dẫn đến|gây ra|nguyên nhân|lý do|nhờ)\b", re.IGNORECASE)
_TIME = re.compile(r"\d{1,2}/\d{1,2}|\b(?:ngày|tháng|năm|tuần|sáng|chiều|tối|đêm|trưa|quý)\s+\d|\b(?:19|20)\d\d\b")


def wh_type(kind: WhKind, text: str, question: str) -> float:
    """1 when the unit holds the kind of thing the question word asks for, beyond what the question says."""
    if kind in (WhKind.WHO, WhKind.WHICH):
        names = [m.group(0).strip() for m in _NAME.finditer(text)]
        return 1.0 if any(n not in question for n in names) else 0.0
    if kind is WhKind.WHERE:
        return 1.0 if _PLACE.search(text) else 0.0
    if kind is WhKind.WHY:
        return 1.0 if _CAUSE_MARK.search(text) else 0.0
    if kind is WhKind.WHEN:
        return 1.0 if _TIME.search(text) else 0.0
    if kind is WhKind.QUANTITY:
        return 1.0 if any(not n.year for n in phrases.numbers_in(text)) else 0.0
    return 0.0


def features(
    q: AnalyzedQuestion,
    terms: QuestionTerms,
    candidates: list[Candidate],
    numbers: NumberReader,
    spans: SpanSettings,
) -> np.ndarray:
    """One row per candidate, one column per name in FEATURES."""
    x = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
    if not candidates:
        return x
    english = q.language is Language.EN
    texts = [padded(c.text, q.folded) for c in candidates]  # a list item is read with its lead line
    # Pairs found in many candidate units say little about which one answers: weigh them by rarity among them.
    pair_weight = {t: math.log(1 + len(texts) / (1 + sum(f" {t} " in x for x in texts))) for t in terms.terms}
    for t in terms.focus:  # what a count question counts weighs most
        if t in pair_weight:
            pair_weight[t] *= 3
    total_pair = sum(pair_weight.values()) or 1.0
    top_sim = max(c.similarity for c in candidates)
    years = {str(y) for y in q.years}
    top_hit = candidates[0].hit
    best_lexical = max((c.hit.lexical for c in candidates), default=0.0) or 1.0
    best_score = max((c.hit.score for c in candidates), default=0.0) or 1.0
    per_document: dict[str, int] = {}
    for hit in {c.hit.row: c.hit for c in candidates}.values():
        per_document[hit.document.source] = per_document.get(hit.document.source, 0) + 1
    n_hits = max(1, sum(per_document.values()))
    word_sets = [set(phrases.words(c.text, q.folded)) for c in candidates]
    question_words = set(terms.words)
    defining = q.kind is QuestionKind.TEXT and bool(_DEFINITION.search(q.text))
    counting = q.kind in (QuestionKind.COUNT, QuestionKind.PERCENT)
    acronyms = set(_ACRONYM.findall(q.text))
    for i, (c, text) in enumerate(zip(candidates, texts, strict=True)):
        row = x[i]
        row[INDEX["similarity"]] = c.similarity
        row[INDEX["similarity_gap"]] = c.similarity - top_sim
        row[INDEX["terms"]] = sum(w for t, w in pair_weight.items() if f" {t} " in text) / total_pair
        row[INDEX["words"]] = _share(terms.words, word_sets[i], terms)
        context = set(word_sets[i])
        context_upper = c.text
        for j in (i - 1, i + 1):  # neighbours in the same passage
            if 0 <= j < len(candidates) and candidates[j].hit.row == c.hit.row:
                context |= word_sets[j]
                context_upper += " " + candidates[j].unit.text
        row[INDEX["context_words"]] = _share(terms.words, context, terms)
        missing = [terms.weight(w) for w in terms.words if w not in context]
        row[INDEX["missing_rarity"]] = max(missing, default=0.0)
        own = [w for w in phrases.content_words(c.unit.text, q.folded) if not w.isdigit()]
        row[INDEX["novelty"]] = sum(w not in question_words for w in own) / len(own) if own else 0.0
        if defining:
            row[INDEX["defines"]] = 1.0 if phrases.definition(c.unit.text, q.text) else 0.0
        row[INDEX["focus"]] = 1.0 if any(f" {t} " in text for t in terms.focus) else 0.0
        row[INDEX["kind_fit"]] = kind_fit(q, c.text)
        if counting:
            found = numbers.best(c.text, q, terms)
            row[INDEX["number"]] = min(found.near, 5.0) if found else 0.0
            if terms.unit is not None:
                row[INDEX["unit_agrees"]] = numbers.unit_agreement(c.text, terms.unit)
        if years:
            unit_years = set(_YEAR.findall(c.unit.text))
            date = c.hit.document.date
            dated_as_asked = date is not None and date[:4] in years
            # A figure that names no year speaks of its report's year: the unit's own years first, else the date.
            row[INDEX["year_match"]] = 1.0 if years & unit_years or (not unit_years and dated_as_asked) else 0.0
            row[INDEX["year_mismatch"]] = 1.0 if unit_years and not years & unit_years else 0.0
            row[INDEX["doc_year"]] = 1.0 if dated_as_asked else 0.0
        is_title = c.unit.start == 0 and c.unit.text.rstrip(" .:") == c.hit.document.title
        row[INDEX["title"]] = 1.0 if is_title else 0.0
        row[INDEX["rank"]] = c.rank
        row[INDEX["hit_score"]] = c.hit.score / best_score
        row[INDEX["hit_lexical"]] = c.hit.lexical / best_lexical
        row[INDEX["hit_dense"]] = c.hit.dense
        neighbours = [
            candidates[j].similarity
            for j in (i - 1, i + 1)
            if 0 <= j < len(candidates) and candidates[j].hit.row == c.hit.row
        ]
        row[INDEX["neighbour_similarity"]] = max(neighbours, default=c.similarity) - top_sim
        slot = phrase_span(c.unit.text, terms, spans)
        row[INDEX["slot"]] = math.log1p(len(c.unit.text[slot[0] : slot[1]].split())) if slot else 0.0
        row[INDEX["wh_type"]] = wh_type(terms.wh.kind, c.unit.text, q.text)
        row[INDEX["acronym_missing"]] = 1.0 if any(a not in context_upper for a in acronyms) else 0.0
        row[INDEX["top_document"]] = 1.0 if c.hit.document.source == top_hit.document.source else 0.0
        row[INDEX["document_hits"]] = per_document.get(c.hit.document.source, 0) / n_hits
        row[INDEX["wh_before"]] = _share(terms.wh.before, word_sets[i], terms)
        row[INDEX["wh_after"]] = _share(terms.wh.after, word_sets[i], terms)
        row[INDEX["length"]] = math.log(max(len(c.unit.text), 10))
        if english:
            row[INDEX["english"]] = loanword_overlap(q.text, c.unit.text, terms.province_words)
            row[INDEX["english_similarity_gap"]] = c.similarity - top_sim
    return x
