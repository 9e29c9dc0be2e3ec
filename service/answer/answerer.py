"""The extractive answerer, as stages: a table cell the question names (table_cells), else candidates →
features → scoring → phrase (span) → verification → confidence, then the over-time rule and citations.  Each
stage is replaceable behind its interface; every number that tunes them lives in service/answer/parameters.py."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from indexer.gazetteer import Gazetteer
from service import phrases
from service.analysis import AnalyzedQuestion
from service.answer import candidates as candidate_stage
from service.answer.citations import citations
from service.answer.confidence import LogisticCalibrator, evidence
from service.answer.features import features
from service.answer.numbers import NumberReader
from service.answer.over_time import Version, versions
from service.answer.parameters import AnswerParameters
from service.answer.scoring import LinearScorer, Scorer
from service.answer.spans import RuleSpans, SpanExtractor
from service.answer.table_cells import Cell, TableCells, YearNotCovered
from service.answer.terms import QuestionTerms, question_terms
from service.answer.types import Answer, Candidate, Outcome, Scored
from service.answer.verification import Coverage, Disagreement, Verifier, about_asked_provinces
from service.search import SearchOutcome

NOT_SAID = "Các báo cáo không nêu thông tin này (the reports do not say)."


def _states_a_year(answer: Answer, years: tuple[int, ...]) -> bool:
    """Whether an answer's evidence names one of the asked years."""
    return answer.answer is not None and any(str(y) in (answer.evidence or "") for y in years)


@dataclass
class Trace:
    """Everything the answerer decided for one question (for the fitting script and for debugging)."""

    answer: Answer
    terms: QuestionTerms | None = None
    candidates: list[Candidate] = field(default_factory=list)
    features: np.ndarray | None = None
    ranked: list[Scored] = field(default_factory=list)
    chosen: Version | None = None
    chosen_row: int = -1
    evidence: np.ndarray | None = None  # the confidence model's input for the chosen answer
    disagreement: Disagreement | None = None


class Answerer:
    def __init__(
        self,
        gazetteer: Gazetteer,
        parameters: AnswerParameters | None = None,
        min_confidence: float | None = None,
        scorer: Scorer | None = None,
        spans: SpanExtractor | None = None,
    ) -> None:
        self.gazetteer = gazetteer
        self.parameters = p = parameters or AnswerParameters.load()
        self.min_confidence = p.thresholds.min_confidence if min_confidence is None else min_confidence
        self.numbers = NumberReader(p.numbers)
        self.scorer = scorer or LinearScorer(p.scorer)
        self.spans = spans or RuleSpans(self.numbers, p.spans)
        self.verifier = Verifier(p.thresholds)
        self.calibrator = LogisticCalibrator(p.confidence)
        self.cells = TableCells(p.table_cells)

    @property
    def candidate_hits(self) -> int:
        return self.parameters.thresholds.candidate_hits

    def answer(self, outcome: SearchOutcome, top_k: int) -> Answer:
        return self.trace(outcome, top_k).answer

    @staticmethod
    def province_words(q: AnalyzedQuestion) -> frozenset[str]:
        return frozenset(w for p in q.searched_provinces for w in phrases.words(p, q.folded))

    def terms(self, outcome: SearchOutcome) -> QuestionTerms:
        q = outcome.analysis
        province_words = self.province_words(q)
        probe = question_terms(q, province_words)
        rarity = outcome.index.lexical.rarity(list(probe.words), q.folded) if probe.words else {}
        unseen = frozenset(
            w for w, r in rarity.items() if r >= max(rarity.values()) and not outcome.index.lexical.known(w, q.folded)
        )
        mean = sum(rarity.values()) / len(rarity) if rarity else 1.0
        weights = {w: r / mean for w, r in rarity.items()} if mean else None
        return question_terms(q, province_words, weights, unseen)

    def trace(self, outcome: SearchOutcome, top_k: int) -> Trace:
        q = outcome.analysis
        hits = outcome.hits
        if not hits:
            where = f" về {q.province}" if q.province else ""
            message = f"Các báo cáo hiện có không có thông tin{where} (the reports do not cover this)."
            return Trace(Answer(None, None, [], message, outcome=Outcome.NO_REPORT))
        cell = self.cells.find(q, outcome, self.province_words(q))
        if isinstance(cell, Cell):
            return Trace(self._from_table(cell, outcome, top_k))
        trace = self._from_text(outcome, top_k)
        if isinstance(cell, YearNotCovered) and not (
            _states_a_year(trace.answer, q.years)
            and cell.also_said_by(trace.answer.evidence or "", self.parameters.table_cells.min_row_match)
        ):
            # A table holds the row and column asked for but not the year, and no sentence about them gives it.
            cited = citations(hits, top_k)
            trace.answer = Answer(None, None, cited, cell.message(), outcome.notes, outcome=Outcome.NOT_COVERED)
        return trace

    def _from_text(self, outcome: SearchOutcome, top_k: int) -> Trace:
        q = outcome.analysis
        hits = outcome.hits
        terms = self.terms(outcome)
        found = [
            c
            for c in candidate_stage.collect(outcome, self.candidate_hits)
            if about_asked_provinces(q, c, self.gazetteer)
        ]
        matrix = features(q, terms, found, self.numbers, self.parameters.spans)
        ranked = self.scorer.rank(found, matrix)
        trace = Trace(Answer(None, None, []), terms, found, matrix, ranked)
        cited = citations(hits, top_k)
        covered = self.verifier.covered(q, terms, ranked[0]) if ranked else Coverage.NOT_COVERED
        if covered is not Coverage.COVERED:
            held = self._held_instead(q, terms, ranked) if covered is Coverage.FOCUS_MISSING else None
            kind = Outcome.DISAGREES if held else Outcome.NOT_COVERED
            trace.disagreement = held
            trace.answer = self._refusal(held, cited, hits, top_k, outcome.notes, kind)
            return trace
        chosen = self._choose(q, terms, ranked, trace)
        if chosen is None:
            kind = Outcome.DISAGREES if trace.disagreement else Outcome.NOT_COVERED
            trace.answer = self._refusal(trace.disagreement, cited, hits, top_k, outcome.notes, kind)
            return trace
        row = next(i for i, c in enumerate(found) if c is chosen.scored.candidate)
        trace.chosen, trace.chosen_row = chosen, row
        top_dense = max((h.dense for h in hits[: self.candidate_hits]), default=0.0)
        trace.evidence = evidence(q, terms, ranked, chosen.scored, chosen.phrase, matrix, row, top_dense)
        confidence = round(self.calibrator.probability(trace.evidence), 3)
        if confidence < self.min_confidence:
            message = (
                f"Không đủ tin cậy để trả lời (độ tin cậy {confidence:.2f} < {self.min_confidence:.2f}); "
                f"câu gần nhất trong báo cáo: “{phrases.shorten(chosen.phrase.text, 120)}” "
                "(not confident enough to answer)."
            )
            trace.answer = Answer(None, None, cited, message, outcome.notes, confidence, Outcome.LOW_CONFIDENCE)
            return trace
        trace.answer = self._answer(q, terms, ranked, chosen, hits, top_k, outcome.notes, confidence)
        return trace

    def _from_table(self, cell: Cell, outcome: SearchOutcome, top_k: int) -> Answer:
        """The answer a table cell gives, cited at its row (with the table and page)."""
        cited = citations(outcome.hits, top_k)
        confidence = round(self.parameters.table_cells.confidence * cell.match, 3)
        own = cell.citation(outcome)
        rest = [c for c in cited if c.chunk_id != own.chunk_id][: max(0, top_k - 1)]
        if confidence < self.min_confidence:
            message = (
                f"Không đủ tin cậy để trả lời (độ tin cậy {confidence:.2f} < {self.min_confidence:.2f}); "
                f"ô gần nhất trong bảng: “{cell.evidence}” (not confident enough to answer)."
            )
            return Answer(None, None, [own, *rest], message, outcome.notes, confidence, Outcome.LOW_CONFIDENCE)
        return Answer(cell.answer, cell.evidence, [own, *rest], None, outcome.notes, confidence, Outcome.ANSWERED)

    def _choose(self, q: AnalyzedQuestion, terms: QuestionTerms, ranked: list[Scored], trace: Trace) -> Version | None:
        for scored in ranked[: self.parameters.thresholds.phrase_tries]:
            phrase = self.spans.phrase(q, terms, scored.candidate)
            if phrase is None:
                continue
            disagreement = self.verifier.check(q, terms, scored.candidate, phrase)
            if disagreement is not None:
                trace.disagreement = trace.disagreement or disagreement
                continue
            return Version(scored, phrase)
        return None

    @staticmethod
    def _refusal(
        held: Disagreement | None, cited: list, hits: list, top_k: int, notes: list[str], kind: Outcome
    ) -> Answer:
        """A refusal; one that says what the reports hold instead cites (and quotes) where they hold it."""
        if held is None or held.candidate is None:
            return Answer(None, None, cited, held.message() if held else NOT_SAID, notes, outcome=kind)
        where = held.candidate
        return Answer(None, where.text, citations(hits, top_k, where), held.message(), notes, outcome=kind)

    def _held_instead(self, q: AnalyzedQuestion, terms: QuestionTerms, ranked: list[Scored]) -> Disagreement | None:
        """For a count whose counted thing the reports lack: a figure of a thing of the same kind they hold in its
        place ("máy chủ" for "máy in"), to say so."""
        heads = {c[0] for c in terms.counted}
        for scored in ranked[: self.parameters.thresholds.phrase_tries]:
            phrase = self.spans.phrase(q, terms, scored.candidate)
            if phrase is None or phrase.method != "number":
                continue
            held = phrases.words(phrase.quantity or "", q.folded)
            if held and held[0] in heads:
                counted = ", ".join(" ".join(c) for c in terms.counted)
                return Disagreement(counted, phrase.text, "counted", scored.candidate)
        return None

    def _answer(
        self,
        q: AnalyzedQuestion,
        terms: QuestionTerms,
        ranked: list[Scored],
        chosen: Version,
        hits: list,
        top_k: int,
        notes: list[str],
        confidence: float,
    ) -> Answer:
        notes = list(notes)
        found = versions(q, terms, chosen, ranked, self.spans, self.verifier, self.parameters.thresholds)
        latest = found[0]
        also = None
        if len(found) > 1:
            older = found[1:]
            also = older[0].scored.candidate.hit
            if also is latest.scored.candidate.hit:
                also = None
            earlier = "; ".join(f"báo cáo ngày {v.date} ghi {v.phrase.text}" for v in older)
            notes.append(
                f"Theo báo cáo mới nhất ({latest.date}): {latest.phrase.text}; {earlier} "
                "(the reports differ over time; the latest one answers)."
            )
        candidate = latest.scored.candidate
        return Answer(
            latest.phrase.text,
            candidate.text,
            citations(hits, top_k, candidate, also),
            None,
            notes,
            confidence,
            Outcome.ANSWERED,
        )
