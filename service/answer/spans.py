"""Reading the answer phrase out of a chosen unit: the number with its unit, a date, a list, a cause, a
definition, the entity a "… nào?" asks for, or — for free-text questions — the part of the sentence that the
question does not already say (its question word stands where that part goes)."""

from __future__ import annotations

import re
from typing import Protocol

from indexer.vietnamese import fold
from service import phrases
from service.analysis import AnalyzedQuestion, Language, QuestionKind
from service.answer.numbers import NumberReader
from service.answer.parameters import SpanSettings
from service.answer.terms import QuestionTerms
from service.answer.types import Candidate, Phrase

_WORD = re.compile(r"[^\W_]+(?:[.,/][0-9]+)*%?")
_WHY = re.compile(r"\b(vi sao|tai sao|nguyen nhan|ly do|why|because|do dau|vi dau)\b")
# A sentence that points back to the previous one for its cause: "Đây là nguyên nhân…", "Do đó, …".
_ANAPHOR = re.compile(
    r"^(đây|điều này|đó|việc này|những điều này|do đó|vì vậy|vì thế|bởi vậy|cho nên|this|that|"
    r"therefore)\b",
    re.IGNORECASE,
)


class SpanExtractor(Protocol):
    def phrase(self, q: AnalyzedQuestion, terms: QuestionTerms, candidate: Candidate) -> Phrase | None:
        """The answer phrase in the candidate, or None when the candidate holds none for this question."""
        ...


def sentence_of(c: Candidate) -> str:
    """The whole sentence a unit (maybe a clause) belongs to."""
    text = c.hit.document.text
    start = max(text.rfind(". ", 0, c.unit.start) + 2, text.rfind("\n", 0, c.unit.start) + 1, 0)
    stops = [i for i in (text.find(". ", c.unit.end - 1), text.find("\n", c.unit.end)) if i >= 0]
    end = min(stops) + 1 if stops else len(text)
    return text[start:end]


def trimmed_span(text: str, terms: QuestionTerms, settings: SpanSettings) -> tuple[int, int] | None:
    """The part of `text` the question does not already say.  Vietnamese keeps the question word where the
    answer goes: with it first ("Ai là Phó giám đốc …?") the answer comes before the question's own words
    ("Ông Lê Đức Thịnh, Phó giám đốc …"); with it last ("… được xác định là gì?") after them.  A cut is
    made where dropping the words before (or after) it gains most: the question's words gain, new words
    cost.  None when nothing new is left."""
    tokens = list(_WORD.finditer(text))
    if not tokens:
        return None
    question = set(terms.words)
    gains: list[float] = []
    new_content: list[bool] = []
    for m in tokens:
        raw = m.group(0).lower()
        w = phrases.form(raw, terms.folded)
        if w in question:
            gains.append(terms.weight(w))
            new_content.append(False)
        elif phrases.is_stop(raw, english=False):
            gains.append(-settings.function_cost)
            new_content.append(False)
        else:
            gains.append(-settings.unmatched_cost)
            new_content.append(True)
    n = len(tokens)
    at = terms.wh.at
    if at <= settings.front and any(g > 0 for g in gains):
        first = next(i for i, g in enumerate(gains) if g > 0)  # the answer stands before the question's words
        if any(new_content[:first]):
            return tokens[0].start(), tokens[first - 1].end()
    best_s, best_gain, running = 0, 0.0, 0.0
    for s in range(1, n + 1):
        running += gains[s - 1]
        if running > best_gain:
            best_s, best_gain = s, running
    best_e = n
    if at < settings.back:  # the question word in the middle: its right-hand words may follow the answer
        best_gain, running = 0.0, 0.0
        for e in range(n - 1, best_s - 1, -1):
            running += gains[e]
            if running > best_gain:
                best_e, best_gain = e, running
    if best_e <= best_s or not any(new_content[best_s:best_e]):
        return None
    return tokens[best_s].start(), tokens[best_e - 1].end()


class RuleSpans:
    """The phrase readers of service/phrases.py, chosen by question kind."""

    def __init__(self, numbers: NumberReader, settings: SpanSettings) -> None:
        self.numbers = numbers
        self.settings = settings

    def _free_text(self, text: str, terms: QuestionTerms) -> Phrase:
        """A clause of the sentence: the part the question does not say, or the whole sentence."""
        span = trimmed_span(text, terms, self.settings)
        if span is not None and terms.wh.kind in self.settings.span_kinds:
            piece = text[span[0] : span[1]].strip(" ,;:")
            if len(piece.split()) >= 2:
                return Phrase(phrases.shorten(piece, self.settings.max_phrase), "span")
        return Phrase(phrases.shorten(text, self.settings.max_phrase), "sentence")

    def phrase(self, q: AnalyzedQuestion, terms: QuestionTerms, c: Candidate) -> Phrase | None:
        text = c.text
        if q.kind in (QuestionKind.COUNT, QuestionKind.PERCENT):
            found = self.numbers.best(text, q, terms)
            if found is None:
                return None
            quantity = phrases.unit_words_after(text, found.mention.end)
            value = phrases.count_phrase(text, found.mention)
            if q.language is Language.EN:
                value = english_count(q, value)
            return Phrase(value, "number", quantity or None)
        if q.kind is QuestionKind.DATE:  # "khi nào" is often a condition, not a date: then the clause answers
            date = phrases.date_phrase(text, q.text)
            return Phrase(date, "date") if date else self._free_text(text, terms)
        if q.kind is QuestionKind.LIST:
            listed = phrases.list_phrase(sentence_of(c), q.lexical, q.folded)
            return Phrase(listed, "list") if listed else self._free_text(text, terms)
        if q.kind is QuestionKind.EXPLAIN and _WHY.search(fold(q.text).lower()):
            if _ANAPHOR.match(text):  # "Đây là nguyên nhân …": the cause is in the sentence before
                before = c.hit.document.text[: c.unit.start].rstrip()
                previous = re.split(r"(?<=[.!?])\s+|\n", before)[-1] if before else ""
                earlier = phrases.cause_phrase(previous) or phrases.shorten(previous, self.settings.max_phrase)
                return Phrase(earlier, "cause") if earlier else None
            cause = phrases.cause_phrase(text) or phrases.cause_phrase(sentence_of(c))
            return Phrase(cause, "cause") if cause else self._free_text(text, terms)
        if q.kind is QuestionKind.EXPLAIN:
            return self._free_text(text, terms)
        definition = phrases.definition(text, q.text)
        if definition:
            return Phrase(definition, "definition")
        entity = phrases.entity_phrase(text, q.text)
        if entity:
            return Phrase(entity, "entity")
        return self._free_text(text, terms)


def english_count(q: AnalyzedQuestion, phrase: str) -> str:
    """ "19 điểm" -> "19 video-conference points (19 điểm)" for "How many video-conference points …?"."""
    m = re.search(r"how many ([\w\- ]+?) (?:are|is|does|do|did|were|was|have|has|had|use|in|at|of)\b", q.text, re.I)
    number = phrases.NUMBER.match(phrase)
    if not m or not number:
        return phrase
    return f"{number.group(0)} {m.group(1).strip()} ({phrase})"
