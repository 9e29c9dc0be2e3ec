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
_CLAUSE_END = re.compile(r"[,;:.!?]\s|[;:.!?]$")
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


def _kinds(
    text: str, terms: QuestionTerms, settings: SpanSettings
) -> tuple[list[re.Match[str]], list[str], list[float]]:
    """The sentence's words, each marked "q" (a word of the question), "f" (a function word) or "n" (new
    content), with what cutting it gains: a question word its rarity, the others a cost."""
    tokens = list(_WORD.finditer(text))
    question = set(terms.words)
    kinds: list[str] = []
    gains: list[float] = []
    for m in tokens:
        raw = m.group(0).lower()
        w = phrases.form(raw, terms.folded)
        if w in question:
            kinds.append("q")
            gains.append(terms.weight(w))
        elif phrases.is_stop(raw, english=False):
            kinds.append("f")
            gains.append(-settings.function_cost)
        else:
            kinds.append("n")
            gains.append(-settings.unmatched_cost)
    return tokens, kinds, gains


def _finish(
    text: str, tokens: list[re.Match[str]], kinds: list[str], start: int, terms: QuestionTerms, settings: SpanSettings
) -> tuple[int, int] | None:
    """From the first new word at `start`: keep the word before it when it is a function word or the word
    right before the question word ("là một loại …", "làm trái cây …", "do khối u …" — a cut too early costs
    less than one too late); with the question word before the end, cut the clauses after the last new
    word."""
    before = phrases.form(tokens[start - 1].group(0).lower(), terms.folded) if start > 0 else None
    if before is not None and (kinds[start - 1] == "f" or before in terms.wh.lead[-1:]):
        start -= 1
    end_char = len(text)
    if terms.wh.at < settings.back:
        last = max(i for i, k in enumerate(kinds) if k == "n")
        stop = _CLAUSE_END.search(text, tokens[last].end())
        end_char = stop.start() if stop else len(text)
    if end_char - tokens[start].start() < 4:
        return None
    return tokens[start].start(), end_char


def clause_span(text: str, terms: QuestionTerms, settings: SpanSettings) -> tuple[int, int] | None:
    """The sentence from its first new word: only the question's own words are cut, never a new one
    ("Đại diện Bộ Y tế cho biết | các tổ y tế đã được bố trí …").  None when nothing new is left."""
    tokens, kinds, _ = _kinds(text, terms, settings)
    if "n" not in kinds:
        return None
    if terms.wh.at <= settings.front and "q" in kinds:
        first = kinds.index("q")  # the question word first: the answer stands before the question's words
        if kinds[:first].count("n") >= 2:
            return tokens[0].start(), tokens[first - 1].end()
    return _finish(text, tokens, kinds, kinds.index("n"), terms, settings)


def _echo(gains: list[float], kinds: list[str]) -> tuple[int, int] | None:
    """The stretch of a sentence that restates the question: where the question's words outweigh new ones
    most (maximum-sum run of the gains), or None when no question word is there."""
    best, best_span = 0.0, None
    running, start = 0.0, 0
    for i, g in enumerate(gains):
        if running <= 0:
            running, start = 0.0, i
        running += g
        if running > best and kinds[i] == "q":
            best, best_span = running, (start, i + 1)
    if best_span is None:
        return None
    a, b = best_span
    while a < b and kinds[a] != "q":
        a += 1
    return a, b


def phrase_span(text: str, terms: QuestionTerms, settings: SpanSettings) -> tuple[int, int] | None:
    """The words in the question word's place around the stretch that restates the question: before it when
    the question word comes first ("Ai là Phó giám đốc …?" -> "Ông Lê Đức Thịnh, | Phó giám đốc …"), after
    it otherwise or when it is followed by "là" ("… tác động tới chất lượng tinh trùng là | nhiệt độ").
    None when nothing new is there."""
    tokens, kinds, gains = _kinds(text, terms, settings)
    echo = _echo(gains, kinds)
    if echo is None or "n" not in kinds:
        return None
    a, b = echo
    after = kinds[b:]
    copula = b < len(tokens) and tokens[b].group(0).lower() == "là" and "n" in after
    if terms.wh.at <= settings.front and not copula:
        if kinds[:a].count("n") < 2:
            return None
        return tokens[0].start(), tokens[a - 1].end()
    if "n" not in after:
        return None
    return _finish(text, tokens, kinds, b + after.index("n"), terms, settings)


_PIVOT = re.compile(r"\s(thì|là)\s", re.IGNORECASE)
_SEGMENT_END = re.compile(r"[;:]\s|\.\s|[.;:]$")  # a list item is read after its introduction's ":"
_CONDITION = re.compile(r"\b(khi nao|luc nao|truong hop nao|dieu kien (gi|nao)|when|in what case)\b")


def asks_condition(q: AnalyzedQuestion) -> bool:
    """ "… khi nào?", "… trong trường hợp nào?": the answer is a rule's condition, never its consequence."""
    return bool(_CONDITION.search(fold(q.text).lower()))


def sides_span(
    text: str, terms: QuestionTerms, settings: SpanSettings, condition: bool = False
) -> tuple[int, int] | None:
    """Vietnamese states a rule as "<condition> thì <consequence>" and a definition as "<term> là <meaning>":
    when the question's words sit on one side of such a pivot, the answer is the other side ("Trường hợp
    nhiều người cùng cộng tác … thì | mỗi người được nhận một phần …" for "Trả thưởng như thế nào nếu …?";
    "Chiếm hữu ngay tình | là việc chiếm hữu mà …" for "… được gọi là gì?"). None when no pivot splits
    the question's words that clearly.  A question asking for a condition (`condition`) is answered only
    by what stands before "thì"; "là" only names the term before it (what follows "là" is too often a
    comment — "… là rất nguy hiểm" — and a definition's meaning is phrases.definition's)."""
    tokens, kinds, gains = _kinds(text, terms, settings)
    asked = sum(terms.weight(w) for w in set(terms.words))
    best: tuple[float, tuple[int, int]] | None = None
    start = 0
    for end_match in [*_SEGMENT_END.finditer(text), None]:
        end = end_match.start() if end_match else len(text)
        for pivot in _PIVOT.finditer(text, start, end):
            sides = ((start, pivot.start()), (pivot.end(), end))
            weight = [0.0, 0.0]
            new = [0, 0]
            for m, kind, gain in zip(tokens, kinds, gains, strict=True):
                for i, (a, b) in enumerate(sides):
                    if a <= m.start() < b:
                        weight[i] += gain if kind == "q" else 0.0
                        new[i] += kind == "n"
            total = weight[0] + weight[1]
            for echo, other in ((0, 1), (1, 0)):
                copula = pivot.group(1).lower() == "là"
                if (condition or copula) and other != 0 or condition and copula:
                    continue  # after "là" is definition()'s; a condition stands before "thì"
                answer = text[sides[other][0] : sides[other][1]].strip(" ,")
                if copula and (_ANAPHOR.match(answer) or re.search(r"\b(này|đó|đây)$", answer, re.IGNORECASE)):
                    continue  # "Kết quả này là …" names nothing
                clear = total > 0 and weight[echo] / total >= settings.side_share
                enough = clear and weight[echo] >= settings.side_cover * asked and new[other] >= 2
                if enough and (best is None or weight[echo] > best[0]):
                    best = (weight[echo], sides[other])
        if end_match is None:
            break
        start = end_match.end()
    return best[1] if best else None


SPANS = {"clause": clause_span, "phrase": phrase_span}


class RuleSpans:
    """The phrase readers of service/phrases.py, chosen by question kind."""

    def __init__(self, numbers: NumberReader, settings: SpanSettings) -> None:
        self.numbers = numbers
        self.settings = settings

    def _free_text(self, text: str, q: AnalyzedQuestion, terms: QuestionTerms) -> Phrase:
        """For a free-text question, as its question word says (SpanSettings.span_modes): the clause from the
        first new word, the phrase in the question word's place, or the whole sentence."""
        mode = self.settings.span_modes.get(terms.wh.kind.value)
        span = sides_span(text, terms, self.settings, asks_condition(q))
        if span is None and mode in SPANS:
            span = SPANS[mode](text, terms, self.settings)
        if span is not None:
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
            return Phrase(date, "date") if date else self._free_text(text, q, terms)
        if q.kind is QuestionKind.LIST:
            listed = phrases.list_phrase(sentence_of(c), q.lexical, q.folded)
            return Phrase(listed, "list") if listed else self._free_text(text, q, terms)
        if q.kind is QuestionKind.EXPLAIN and _WHY.search(fold(q.text).lower()):
            if _ANAPHOR.match(text):  # "Đây là nguyên nhân …": the cause is in the sentence before
                before = c.hit.document.text[: c.unit.start].rstrip()
                previous = re.split(r"(?<=[.!?])\s+|\n", before)[-1] if before else ""
                earlier = phrases.cause_phrase(previous) or phrases.shorten(previous, self.settings.max_phrase)
                return Phrase(earlier, "cause") if earlier else None
            cause = phrases.cause_phrase(text) or phrases.cause_phrase(sentence_of(c))
            return Phrase(cause, "cause") if cause else self._free_text(text, q, terms)
        if q.kind is QuestionKind.EXPLAIN:
            return self._free_text(text, q, terms)
        definition = phrases.definition(text, q.text)
        if definition:
            return Phrase(definition, "definition")
        entity = phrases.entity_phrase(text, q.text)
        if entity:
            return Phrase(entity, "entity")
        return self._free_text(text, q, terms)


def english_count(q: AnalyzedQuestion, phrase: str) -> str:
    """ "19 điểm" -> "19 video-conference points (19 điểm)" for "How many video-conference points …?"."""
    m = re.search(r"how many ([\w\- ]+?) (?:are|is|does|do|did|were|was|have|has|had|use|in|at|of)\b", q.text, re.I)
    number = phrases.NUMBER.match(phrase)
    if not m or not number:
        return phrase
    return f"{number.group(0)} {m.group(1).strip()} ({phrase})"
