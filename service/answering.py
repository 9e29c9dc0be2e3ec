"""Extractive answers: pick the answer unit (sentence or clause) that answers the question, take the phrase
that answers it, cite the passages, or refuse when the reports do not cover the question."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from indexer.gazetteer import Gazetteer
from indexer.store import Unit
from indexer.vietnamese import fold
from service import phrases
from service.analysis import AnalyzedQuestion, Language, QuestionKind
from service.retrieval import Hit
from service.search import SearchOutcome


@dataclass(frozen=True)
class Citation:
    source: str
    title: str
    chunk_id: str
    start: int
    end: int
    text: str
    score: float
    date: str | None = None


@dataclass(frozen=True)
class Answer:
    answer: str | None
    evidence: str | None
    citations: list[Citation]
    message: str | None = None  # why there is no answer, or a note (province merger, several reports)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Candidate:
    unit: Unit
    hit: Hit
    rank: int
    score: float
    lead: Unit | None = None  # for a list item ("a) Có tổ chức;"), the line that introduces the list

    @property
    def text(self) -> str:
        """What the answer is read from: the unit, after its list's lead line when it has one."""
        return f"{self.lead.text} {self.unit.text}" if self.lead else self.unit.text


_LIST_ITEM = re.compile(r"^(?:[a-zđ]|\d{1,2})\)\s|^[-+•]\s")


def list_lead(unit: Unit, document_text: str) -> Unit | None:
    """The line ending in ":" that introduces the list a unit is an item of ("… thì bị phạt tù từ 02 năm đến
    07 năm:" before "a) Có tổ chức;")."""
    if not _LIST_ITEM.match(unit.text):
        return None
    colon = document_text.rfind(":\n", max(0, unit.start - 3000), unit.start)
    if colon < 0:
        return None
    start = document_text.rfind("\n", 0, colon) + 1
    return Unit(-1, unit.source, start, colon + 1, document_text[start : colon + 1])


_ACRONYM = re.compile(r"\b([A-Z]{3,})s?\b")
_SOURCE_PREFIX = re.compile(r"^\s*(?:theo|according to|căn cứ(?: vào)?)\s+[^,?]{3,80},\s*", re.IGNORECASE)
_WHY = re.compile(r"\b(vi sao|tai sao|nguyen nhan|ly do|why|because|do dau)\b")
# A sentence that points back to the previous one for its cause: "Đây là nguyên nhân…", "Do đó, …".
_ANAPHOR = re.compile(
    r"^(đây|điều này|đó|việc này|những điều này|do đó|vì vậy|vì thế|bởi vậy|cho nên|this|that|"
    r"therefore)\b",
    re.IGNORECASE,
)


def question_terms(question: AnalyzedQuestion, province_words: set[str]) -> list[str]:
    """Content terms of a question: adjacent content words as pairs, a lone content word as itself."""
    runs: list[list[str]] = [[]]
    text = _SOURCE_PREFIX.sub("", question.lexical or question.text)  # "Theo Bộ luật X, …": where, not what
    for raw in phrases.raw_words(text):
        w = phrases.form(raw, question.folded)
        if phrases.is_stop(raw) or w in province_words or w.isdigit():
            runs.append([])
        else:
            runs[-1].append(w)
    terms: list[str] = []
    for run in runs:
        terms.extend([run[0]] if len(run) == 1 else [f"{a} {b}" for a, b in zip(run, run[1:], strict=False)])
    return terms


_FOCUS = re.compile(r"\b(?:bao nhieu|may|how many|how much)\s+((?:\w+\s*){1,3})")


def focus_terms(question: AnalyzedQuestion, province_words: set[str]) -> set[str]:
    """The terms right after "bao nhiêu"/"how many": the thing being counted ("máy chủ")."""
    if question.focus:
        words = [w for w in phrases.words(question.focus, question.folded) if not phrases.is_stop(w)]
        return set(words[:1]) | {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)}
    subject = re.search(r"((?:[^\W\d_]+\s+){1,4})là\s+(?:gì|ai)\b", question.text, re.IGNORECASE)
    if subject:  # "X là gì?": X is what the question is about
        words = [phrases.form(w, question.folded) for w in subject.group(1).split() if not phrases.is_stop(w.lower())]
        words = [w for w in words if w not in province_words][-3:]
        return {f"{a} {b}" for a, b in zip(words, words[1:], strict=False)} or set(words)
    folded_words = phrases.words(question.text, folded=True)
    m = _FOCUS.search(" ".join(folded_words))
    if not m:
        return set()
    first = len(" ".join(folded_words)[: m.start(1)].split())
    raw = phrases.raw_words(question.text)[first : first + len(m.group(1).split())]
    kept = [phrases.form(w, question.folded) for w in raw if not phrases.is_stop(w)]
    kept = [w for w in kept if w not in province_words]
    return set(kept[:1]) | {f"{a} {b}" for a, b in zip(kept, kept[1:], strict=False)}


def _padded(text: str, folded: bool) -> str:
    return " " + " ".join(phrases.words(text, folded)) + " "


def coverage(question: AnalyzedQuestion, text: str, province_words: set[str]) -> float:
    """Share of the question's content terms found in `text`."""
    terms = question_terms(question, province_words)
    if not terms:
        return 1.0
    haystack = _padded(text, question.folded)
    return sum(f" {t} " in haystack for t in terms) / len(terms)


def loanword_overlap(question: str, text: str, province_words: set[str]) -> float:
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


class Answerer:
    """The extractive answerer (no LLM)."""

    candidates = 8  # hits the answerer looks at
    min_coverage = 0.34  # share of the question's content terms the evidence's report must hold
    min_similarity = 0.80  # English questions: cosine of question and evidence sentence
    time_margin = 1.0  # how far below the best a newer report's sentence may rank and still answer

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    # -- entry point --------------------------------------------------------------------------------------
    def answer(self, outcome: SearchOutcome, top_k: int) -> Answer:
        q = outcome.analysis
        hits = outcome.hits
        if not hits:
            where = f" về {q.province}" if q.province else ""
            return Answer(
                None, None, [], f"Các báo cáo hiện có không có thông tin{where} (the reports do not cover this)."
            )
        store = outcome.index.store
        candidates = self._candidates(outcome, store)
        province_words = {w for p in q.searched_provinces for w in phrases.words(p, q.folded)}
        chosen = self._choose(q, candidates, province_words)
        citations = self._citations(hits, chosen, top_k)
        if chosen is None:
            return Answer(
                None, None, citations, "Các báo cáo không nêu thông tin này (the reports do not say).", outcome.notes
            )
        notes = list(outcome.notes)
        over_time = self._over_time(q, chosen, candidates, province_words)
        if over_time is not None:
            latest, latest_phrase, older = over_time
            chosen = (latest, latest_phrase)
            citations = self._citations(hits, chosen, top_k, also=older[0][0].hit)
            earlier = "; ".join(f"báo cáo ngày {c.hit.document.date} ghi {p}" for c, p in older)
            notes.append(
                f"Theo báo cáo mới nhất ({latest.hit.document.date}): {latest_phrase}; {earlier} "
                "(the reports differ over time; the latest one answers)."
            )
        candidate, phrase = chosen
        return Answer(phrase, candidate.text, citations, None, notes)

    # -- candidates -----------------------------------------------------------------------------------------
    def _candidates(self, outcome: SearchOutcome, store) -> list[Candidate]:
        q_vec = outcome.query_vector
        seen: set[int] = set()
        out: list[Candidate] = []
        for rank, hit in enumerate(outcome.hits[: self.candidates]):
            for unit in store.units_between(hit.chunk.source, hit.chunk.start, hit.chunk.end):
                if unit.row in seen:
                    continue
                seen.add(unit.row)
                sim = float(np.asarray(outcome.index.unit_vectors[unit.row]) @ q_vec) if q_vec is not None else 0.0
                out.append(Candidate(unit, hit, rank, sim, list_lead(unit, hit.document.text)))
        return out

    def _kind_fit(self, q: AnalyzedQuestion, c: Candidate) -> float:
        text = c.text
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

    def _ranked(self, q: AnalyzedQuestion, candidates: list[Candidate], province_words: set[str]) -> list[Candidate]:
        english = q.language is Language.EN
        terms = question_terms(q, province_words)
        texts = [_padded(c.unit.text, q.folded) for c in candidates]
        # Terms found in many candidate sentences say little about which one answers: weigh by rarity.
        weight = {t: math.log(1 + len(texts) / (1 + sum(f" {t} " in x for x in texts))) for t in terms}
        for t in focus_terms(q, province_words):  # what a count question counts weighs most
            if t in weight:
                weight[t] *= 3
        total_weight = sum(weight.values()) or 1.0
        q_words = set(phrases.content_words(q.lexical, q.folded)) - province_words
        focus_words = {w for t in focus_terms(q, province_words) for w in t.split()}
        years = {str(y) for y in q.years}
        top_sim = max((c.score for c in candidates), default=0.0)
        scored = []
        for c, padded in zip(candidates, texts, strict=True):
            semantic = 1.0 - (top_sim - c.score) * 6  # 0.1 of cosine below the best costs 0.6
            lexical = sum(w for t, w in weight.items() if f" {t} " in padded) / total_weight
            if english:  # lexical through the glossary's Vietnamese terms
                total = 2.0 * semantic + 2.0 * lexical + 1.5 * loanword_overlap(q.text, c.unit.text, province_words)
                total += self._kind_fit(q, c)
            else:
                total = semantic + 3.0 * lexical + 0.6 * self._kind_fit(q, c)
            if q.kind in (QuestionKind.COUNT, QuestionKind.PERCENT):
                number = phrases.best_number(
                    c.text, q.text, q.kind is QuestionKind.PERCENT, not q_words, q_words, focus_words, q.folded
                )
                total += 0.3 * min(number[1], 5.0) if number else 0.0
            if years:
                unit_years = set(re.findall(r"(?<!\d)(?:19|20)\d\d(?!\d)", c.unit.text))
                total += (1.0 if years & unit_years else -3.0) if unit_years else 0.0
                total += 0.3 if c.hit.document.date and c.hit.document.date[:4] in years else 0.0
            if c.unit.start == 0 and c.unit.text.rstrip(" .:") == c.hit.document.title:
                total -= 0.5  # the title restates the report, its body answers
            total -= 0.08 * c.rank
            scored.append(Candidate(c.unit, c.hit, c.rank, total, c.lead))
        return sorted(scored, key=lambda c: -c.score)

    def _choose(
        self, q: AnalyzedQuestion, candidates: list[Candidate], province_words: set[str]
    ) -> tuple[Candidate, str] | None:
        ranked = self._ranked(q, candidates, province_words)
        if not ranked or not self._supported(q, ranked[0], candidates, province_words):
            return None
        q_words = set(phrases.content_words(q.lexical, q.folded)) - province_words
        for candidate in ranked[:4]:
            phrase = self._phrase(q, candidate, q_words)
            if phrase:
                return candidate, phrase
        return None

    def _over_time(
        self, q: AnalyzedQuestion, chosen: tuple[Candidate, str], candidates: list[Candidate], province_words: set[str]
    ) -> tuple[Candidate, str, list[tuple[Candidate, str]]] | None:
        """When dated reports on the same province give different figures for the question, the latest answers
        and the others are cited after it, with their dates.  Returns (latest, its phrase, the others)."""
        best, phrase = chosen
        if q.kind not in (QuestionKind.COUNT, QuestionKind.PERCENT) or not best.hit.document.date:
            return None
        q_words = set(phrases.content_words(q.lexical, q.folded)) - province_words
        versions = {best.hit.document.source: (best, phrase)}
        for other in self._ranked(q, candidates, province_words)[1:8]:
            doc = other.hit.document
            if (
                doc.source in versions
                or not doc.date
                or doc.provinces[:1] != best.hit.document.provinces[:1]
                or other.score < best.score - self.time_margin
            ):
                continue
            other_phrase = self._phrase(q, other, q_words)
            if other_phrase and other_phrase != phrase:
                versions[doc.source] = (other, other_phrase)
        if len(versions) < 2:
            return None
        ordered = sorted(versions.values(), key=lambda v: v[0].hit.document.date or "", reverse=True)
        return ordered[0][0], ordered[0][1], ordered[1:]

    def _supported(self, q: AnalyzedQuestion, best: Candidate, candidates: list[Candidate], province_words) -> bool:
        """Does the evidence speak of what was asked?  (Refuse otherwise.)"""
        document = best.hit.document
        for acronym in _ACRONYM.findall(q.text):
            if acronym.lower() not in document.text.lower() and acronym.lower() not in document.title.lower():
                return False
        if q.language is Language.EN:
            sim = max((c.score for c in candidates if c.unit.row == best.unit.row), default=0.0)
            return sim >= self.min_similarity or coverage(q, document.text, province_words) >= self.min_coverage
        if coverage(q, document.text, province_words) < self.min_coverage:
            return False
        focus = focus_terms(q, province_words)
        return not focus or any(f" {t} " in _padded(best.hit.chunk.text, q.folded) for t in focus)

    # -- phrases ----------------------------------------------------------------------------------------------
    def _sentence(self, c: Candidate) -> str:
        text = c.hit.document.text
        start = max(text.rfind(". ", 0, c.unit.start) + 2, text.rfind("\n", 0, c.unit.start) + 1, 0)
        stops = [i for i in (text.find(". ", c.unit.end - 1), text.find("\n", c.unit.end)) if i >= 0]
        end = min(stops) + 1 if stops else len(text)
        return text[start:end]

    def _phrase(self, q: AnalyzedQuestion, c: Candidate, q_words: set[str]) -> str | None:
        text = c.text
        english = q.language is Language.EN
        if q.kind in (QuestionKind.COUNT, QuestionKind.PERCENT):
            found = phrases.best_number(
                text, q.text, q.kind is QuestionKind.PERCENT, not q_words, q_words, folded=q.folded
            )
            if found is None:
                return None
            n = found[0]
            phrase = phrases.count_phrase(text, n)
            return self._english(q, phrase) if english else phrase
        if q.kind is QuestionKind.DATE:  # "khi nào" is often a condition, not a date: then the sentence answers
            return phrases.date_phrase(text, q.text) or phrases.shorten(text, 300)
        if q.kind is QuestionKind.LIST:
            return phrases.list_phrase(self._sentence(c), q.lexical, q.folded) or phrases.shorten(text, 300)
        if q.kind is QuestionKind.EXPLAIN and not _WHY.search(fold(q.text).lower()):
            return phrases.shorten(text, 300)  # "như thế nào": the sentence is the answer
        if q.kind is QuestionKind.EXPLAIN:
            if _ANAPHOR.match(text):  # "Đây là nguyên nhân …": the cause is in the sentence before
                before = c.hit.document.text[: c.unit.start].rstrip()
                previous = re.split(r"(?<=[.!?])\s+|\n", before)[-1] if before else ""
                return phrases.cause_phrase(previous) or phrases.shorten(previous, 300) or None
            return phrases.cause_phrase(text) or phrases.cause_phrase(self._sentence(c)) or phrases.shorten(text, 300)
        return phrases.definition(text, q.text) or phrases.entity_phrase(text, q.text) or phrases.shorten(text, 300)

    @staticmethod
    def _english(q: AnalyzedQuestion, phrase: str) -> str:
        """ "19 điểm" -> "19 video-conference points (19 điểm)" for "How many video-conference points …?"."""
        m = re.search(r"how many ([\w\- ]+?) (?:are|is|does|do|did|were|was|have|has|had|use|in|at|of)\b", q.text, re.I)
        number = phrases.NUMBER.match(phrase)
        if not m or not number:
            return phrase
        return f"{number.group(0)} {m.group(1).strip()} ({phrase})"

    # -- citations ------------------------------------------------------------------------------------------
    def _citations(
        self, hits: list[Hit], chosen: tuple[Candidate, str] | None, top_k: int, also: Hit | None = None
    ) -> list[Citation]:
        ordered = list(hits)
        if also is not None:  # an older report the answer differs from: cited second
            ordered.remove(also)
            ordered.insert(0, also)
        if chosen is not None:
            ordered.remove(chosen[0].hit)
            ordered.insert(0, chosen[0].hit)
        out = [_cite(hit, hit.chunk.start, hit.chunk.end, hit.chunk.text) for hit in ordered[:top_k]]
        if chosen is not None:
            candidate = chosen[0]
            lead, unit = candidate.lead, candidate.unit
            if lead is not None and not any(lead.text in c.text for c in out):
                out.insert(1, _cite(candidate.hit, lead.start, lead.end, lead.text))
            if unit.text not in out[0].text:  # the unit straddles two chunks: cite the unit itself
                out.insert(0, _cite(candidate.hit, unit.start, unit.end, unit.text))
                out = out[:top_k]
        return out


def _cite(hit: Hit, start: int, end: int, text: str) -> Citation:
    """A passage of the hit's document (its chunk, or a sentence of it) as a citation."""
    return Citation(
        hit.chunk.source,
        hit.document.title,
        hit.chunk.chunk_id,
        start,
        end,
        text,
        round(hit.score, 4),
        hit.document.date,
    )
