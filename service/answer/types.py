"""What flows through the answerer: candidates (answer units of retrieved passages), the answer, citations."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from indexer.store import Unit
from service.retrieval import Hit


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
    page: int | None = None  # the page the passage is on (paged formats: PDF, scans)
    ocr: bool = False  # read from a scanned page by OCR
    table: str | None = None  # the caption of the table the passage is a row of
    document_kind: str = "news"  # what the cited document is: report, plan, decision or news (indexer/kinds.py)
    about: tuple[str, ...] = ()  # the provinces the cited document is about


class Outcome(StrEnum):
    """Why an answer is what it is (refusals name their reason)."""

    ANSWERED = "answered"
    NO_REPORT = "no_report"  # nothing retrieved: no report on the province / no passage at all
    NOT_COVERED = "not_covered"  # the reports do not speak of what was asked
    DISAGREES = "disagrees"  # the reports hold a figure of another kind than the one asked for
    LOW_CONFIDENCE = "low_confidence"  # an answer was found but its confidence is under the threshold
    NOT_A_QUESTION = "not_a_question"  # junk: no letters, no content words


@dataclass(frozen=True)
class Answer:
    answer: str | None
    evidence: str | None
    citations: list[Citation]
    message: str | None = None  # why there is no answer
    notes: list[str] = field(default_factory=list)  # e.g. province merger, reports that differ over time
    confidence: float = 0.0  # calibrated probability that the answer is right (0 for refusals without one)
    outcome: Outcome = Outcome.ANSWERED


@dataclass(frozen=True)
class Candidate:
    """An answer unit (sentence or clause) of a retrieved passage."""

    unit: Unit
    hit: Hit
    rank: int  # of the hit among the retrieved passages
    similarity: float  # cosine of the unit's vector and the question's
    lead: Unit | None = None  # for a list item ("a) Có tổ chức;"), the line that introduces the list

    @property
    def text(self) -> str:
        """What the answer is read from: the unit, after its list's lead line when it has one."""
        return f"{self.lead.text} {self.unit.text}" if self.lead else self.unit.text


@dataclass(frozen=True)
class Scored:
    candidate: Candidate
    score: float  # the scorer's score (a logit)
    probability: float  # softmax over the question's candidates


@dataclass(frozen=True)
class Phrase:
    """The answer phrase read from a candidate, and how it was read."""

    text: str
    method: str  # "number", "range", "date", "list", "cause", "definition", "entity", "span", "sentence"
    quantity: str | None = None  # for numbers: what the number counts, as written ("máy chủ")
