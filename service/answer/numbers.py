"""Which number of a sentence answers a count or percent question, and what kind of quantity it is."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from indexer.vietnamese import fold_word
from service import phrases
from service.analysis import AnalyzedQuestion, QuestionKind
from service.answer.parameters import NumberWeights
from service.answer.terms import QuestionTerms, UnitClass, unit_class_of


@dataclass(frozen=True)
class FoundNumber:
    mention: phrases.NumberMention
    near: float  # how well its neighbourhood matches the question
    unit: UnitClass | None  # the kind of quantity its unit word says


def number_unit(text: str, mention: phrases.NumberMention) -> UnitClass | None:
    if mention.percent:
        return UnitClass.PERCENT
    glued = mention.text[len(mention.text.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")) :]
    return unit_class_of(glued or text[mention.end : mention.end + 24])


@functools.lru_cache(maxsize=256)  # asked of one question for every candidate
def _word_after_quantity(question: str, folded: bool) -> str | None:
    """The word after "bao nhiêu"/"mấy": what is counted or its unit ("bao nhiêu ngày", "mấy máy chủ")."""
    raw = phrases.raw_words(question)
    for i, w in enumerate(raw[:-1]):
        plain = fold_word(w)
        if plain == "may" and (folded or w == "mấy") or (plain == "nhieu" and i and fold_word(raw[i - 1]) == "bao"):
            return phrases.form(raw[i + 1], folded)
    return None


class NumberReader:
    def __init__(self, weights: NumberWeights) -> None:
        self.weights = weights

    def best(self, text: str, q: AnalyzedQuestion, terms: QuestionTerms) -> FoundNumber | None:
        """The number of `text` that answers the question (None when only years or the question's own
        numbers are there)."""
        w = self.weights
        want_percent = q.kind is QuestionKind.PERCENT
        asked = {n.text for n in phrases.numbers_in(q.text)}
        q_words = set(terms.words)
        counted_word = _word_after_quantity(q.text, terms.folded)
        best: FoundNumber | None = None
        best_score = float("-inf")
        for i, n in enumerate(phrases.numbers_in(text)):
            near = (
                0.0
                if not q_words
                else phrases.proximity_overlap(text, n.start, n.end, q_words, terms.focus_words, q.folded, w.proximity)
            )
            unit = number_unit(text, n)
            score = near
            if n.percent:
                score += w.percent_wanted if want_percent else w.percent_unwanted
            if terms.unit is not None and terms.unit is not UnitClass.PERCENT and unit is not None:
                score += w.unit_agrees if unit is terms.unit else w.unit_disagrees
            after = phrases.unit_words_after(text, n.end, limit=1).lower()
            if counted_word and after and phrases.form(after, terms.folded) == counted_word:
                score += w.counted_word
            score += w.year if n.year else 0.0
            score += w.asked if n.text in asked else 0.0
            score += w.date_part if n.date_part else 0.0
            score += w.parenthesised if n.in_parentheses else 0.0
            score += w.reference if n.reference else 0.0
            score += w.order * i  # earlier first, all else equal
            if score > best_score:
                best, best_score = FoundNumber(n, near, unit), score
        if best is None or best.mention.year or best.mention.text in asked:
            return None
        return best

    @staticmethod
    def unit_agreement(text: str, wanted: UnitClass) -> float:
        """+1 when a number of the wanted kind is in the text, -1 when numbers are there but none of it."""
        units = [number_unit(text, n) for n in phrases.numbers_in(text) if not n.year]
        if not units:
            return 0.0
        return 1.0 if wanted in units else -1.0
