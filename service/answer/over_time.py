"""Reports that disagree over time: when dated reports on the same province give different figures for the
same counted thing, the latest answers and the others are cited after it with their dates.

"The same" is judged on meaning, not wording: the figure's counted thing agrees with the question's (and with
the chosen figure's), its sentence is about as close to the question as the chosen one, and its report is
about the same province — "12 điểm cầu hội nghị truyền hình" (2019) and "mở rộng … lên 151 điểm cầu" (2021)
are two versions of one figure."""

from __future__ import annotations

from dataclasses import dataclass

from service import phrases
from service.analysis import AnalyzedQuestion, QuestionKind
from service.answer.parameters import Thresholds
from service.answer.spans import SpanExtractor
from service.answer.terms import QuestionTerms
from service.answer.types import Phrase, Scored
from service.answer.verification import Verifier


@dataclass(frozen=True)
class Version:
    scored: Scored
    phrase: Phrase

    @property
    def date(self) -> str:
        return self.scored.candidate.hit.document.date or ""


def _same_thing(a: Phrase, b: Phrase, folded: bool) -> bool:
    """Two figures count the same thing when their unit words share their head ("điểm" / "điểm cầu")."""
    qa, qb = phrases.words(a.quantity or "", folded), phrases.words(b.quantity or "", folded)
    return not qa or not qb or qa[0] == qb[0]


def versions(
    q: AnalyzedQuestion,
    terms: QuestionTerms,
    chosen: Version,
    ranked: list[Scored],
    spans: SpanExtractor,
    verifier: Verifier,
    thresholds: Thresholds,
) -> list[Version]:
    """The chosen figure and its versions in other dated reports on the same province, latest first (just
    the chosen one when there are none)."""
    best = chosen.scored.candidate
    if q.kind not in (QuestionKind.COUNT, QuestionKind.PERCENT) or not best.hit.document.date:
        return [chosen]
    found = {best.hit.document.source: chosen}
    for other in ranked:
        c = other.candidate
        doc = c.hit.document
        if (
            doc.source in found
            or not doc.date
            or doc.provinces[:1] != best.hit.document.provinces[:1]
            or c.similarity < best.similarity - thresholds.over_time_similarity
            or other.score < chosen.scored.score - thresholds.over_time_margin
        ):
            continue
        phrase = spans.phrase(q, terms, c)
        if (
            phrase is None
            or phrase.method != "number"
            or phrase.text == chosen.phrase.text
            or not _same_thing(phrase, chosen.phrase, q.folded)
            or verifier.check(q, terms, c, phrase) is not None
        ):
            continue
        found[doc.source] = Version(other, phrase)
    return sorted(found.values(), key=lambda v: v.date, reverse=True)
