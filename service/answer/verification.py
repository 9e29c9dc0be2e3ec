"""Verification: does the chosen answer speak of what was asked?  The reports must hold the question's terms
(else: not covered), and a figure must be of the counted thing, the unit and the year the question asks for
(else: refused with what the reports do hold); a candidate must come from a document about the province asked
(or name it itself)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum

from indexer.gazetteer import Gazetteer
from service import phrases
from service.analysis import AnalyzedQuestion, Language, QuestionKind
from service.answer.numbers import number_unit
from service.answer.parameters import Thresholds
from service.answer.terms import QuestionTerms, UnitClass, coverage, padded, says_any
from service.answer.types import Candidate, Phrase, Scored

_ACRONYM = re.compile(r"\b([A-Z]{3,})s?\b")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
UNIT_NAMES = {
    UnitClass.MONEY: "số tiền",
    UnitClass.PERCENT: "tỷ lệ phần trăm",
    UnitClass.DURATION: "thời gian",
    UnitClass.AGE: "độ tuổi",
    UnitClass.LENGTH: "độ dài",
    UnitClass.AREA: "diện tích",
    UnitClass.WEIGHT: "khối lượng",
    UnitClass.PEOPLE: "số người",
}


class Coverage(Enum):
    COVERED = "covered"
    NOT_COVERED = "not_covered"  # the report does not hold the question's terms
    FOCUS_MISSING = "focus_missing"  # it does, but not what the question is about ("máy in")


@dataclass(frozen=True)
class Disagreement:
    """Why a phrase does not answer the question, and what the report holds instead."""

    asked: str  # what the question asks for ("máy in", "năm 2020", "số tiền")
    held: str  # what the report gives ("từ 1 đến 2 máy chủ")
    aspect: str  # "counted" | "unit" | "year"
    candidate: Candidate | None = None  # where the report gives it (cited first)

    def message(self) -> str:
        if self.aspect == "year":
            return (
                f"Các báo cáo không có số liệu cho {self.asked}; có: {self.held} "
                f"(the reports have no figure for {self.asked})."
            )
        return (
            f"Các báo cáo không nói về {self.asked}; có: {self.held} "
            f"(the reports do not give {self.asked}; they give: {self.held})."
        )


class Verifier:
    def __init__(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds

    def covered(self, q: AnalyzedQuestion, terms: QuestionTerms, best: Scored) -> Coverage:
        """Does the best candidate's report speak of what was asked at all?"""
        c = best.candidate
        document = c.hit.document
        for acronym in _ACRONYM.findall(q.text):
            if acronym.lower() not in document.text.lower() and acronym.lower() not in document.title.lower():
                return Coverage.NOT_COVERED
        if q.language is Language.EN:  # matched through the glossary: no known term, no lexical evidence
            if not terms.groups or coverage(terms, document.text) < self.thresholds.min_coverage:
                return Coverage.NOT_COVERED
            if terms.topic and not says_any(terms.topic, padded(c.hit.chunk.text, q.folded)):
                return Coverage.FOCUS_MISSING  # "What is the population of …": no passage says dân số
            return Coverage.COVERED
        # the counted thing as a whole ("máy in"), not its head word alone ("máy")
        focus = [t for t in terms.focus if " " in t] or list(terms.focus)
        focus_here = not focus or any(f" {t} " in padded(c.hit.chunk.text, q.folded) for t in focus)
        if coverage(terms, document.text) < self.thresholds.min_coverage:
            rest = replace(terms, terms=tuple(t for t in terms.terms if t not in terms.focus))
            if focus_here or (rest.terms and coverage(rest, document.text) < self.thresholds.min_coverage):
                return Coverage.NOT_COVERED
            return Coverage.FOCUS_MISSING  # all but the counted thing is there
        return Coverage.COVERED if focus_here else Coverage.FOCUS_MISSING

    def check(self, q: AnalyzedQuestion, terms: QuestionTerms, c: Candidate, phrase: Phrase) -> Disagreement | None:
        """A disagreement between what the question asks for and what the phrase is, or None."""
        if q.kind not in (QuestionKind.COUNT, QuestionKind.PERCENT) or phrase.method != "number":
            return None
        text = c.text
        years = {str(y) for y in q.years}
        if years:
            unit_years = set(_YEAR.findall(text)) - _stated_numbers(phrase.text)
            if unit_years and not years & unit_years:
                return Disagreement(
                    f"năm {', '.join(sorted(years))}", f"{phrase.text} ({_year_list(unit_years)})", "year"
                )
        if terms.counted and not any(counted_agrees(text, phrase, counted, terms.folded) for counted in terms.counted):
            return Disagreement(", ".join(" ".join(w) for w in terms.counted), phrase.text, "counted", c)
        if q.kind is QuestionKind.COUNT and terms.unit is not UnitClass.PERCENT and "%" in phrase.text:
            return Disagreement(
                f"số {' '.join(terms.counted[0])}" if terms.counted else "số lượng", phrase.text, "unit"
            )
        if terms.unit is not None and terms.unit is not UnitClass.PERCENT:
            mention = next((n for n in phrases.numbers_in(phrase.text) if not n.year), None)
            held = number_unit(phrase.text, mention) if mention else None
            if held is not None and held is not terms.unit:
                return Disagreement(UNIT_NAMES.get(terms.unit, terms.unit.value), phrase.text, "unit", c)
        return None


def about_asked_provinces(q: AnalyzedQuestion, c: Candidate, gazetteer: Gazetteer) -> bool:
    """May a candidate answer for the provinces the question asks about?  Its document must be about one of them
    (indexer/gazetteer.py `subjects`), or its own sentence name one: a news item that names Quảng Nam in passing
    does not answer a question about Quảng Nam, a national list's line "Quảng Nam: 19 điểm cầu" does."""
    wanted = set(q.searched_provinces)
    if not wanted or wanted.intersection(c.hit.document.about):
        return True
    return any(m.province in wanted for m in gazetteer.mentions(c.text))


def _stated_numbers(text: str) -> set[str]:
    return set(_YEAR.findall(text))


def _year_list(years: set[str]) -> str:
    return "năm " + ", ".join(sorted(years))


def counted_agrees(text: str, phrase: Phrase, counted: tuple[str, ...], folded: bool) -> bool:
    """Is the number's counted thing the question's?  "19 điểm" counts "điểm cầu"; "2 máy chủ" does not count
    "máy in".  The counted words may also stand before the number ("số máy tính là 412") or elsewhere in its
    sentence ("… có kết nối internet: 51 đơn vị")."""
    counted = counted[:2]
    quantity = phrases.words(phrase.quantity or "", folded)
    if quantity and quantity[0] == counted[0]:
        # the same head noun: a different modifier is another thing ("máy chủ" vs "máy in")
        return len(counted) < 2 or len(quantity) < 2 or quantity[1] == counted[1] or counted[1] in quantity
    sentence = set(phrases.words(text, folded))
    return all(w in sentence for w in counted)
