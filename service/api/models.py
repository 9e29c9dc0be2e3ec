"""Request and response models of the HTTP API (the contract in ../shared/DESIGN.md); the CLI's --json
output uses the same models."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from indexer.types import check_collection
from service.answer import Answer
from service.limits import MAX_QUESTION_CHARS, TOP_K_DEFAULT, TOP_K_MAX, TOP_K_MIN
from service.retrieval import Hit, RetrievalMode
from service.search import ExplicitFilters, SearchOutcome


class Filters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    province: str | None = Field(None, description="A province (pre- or post-2025 name, short forms accepted)")
    source: str | None = Field(None, description="A document source id, as GET /v1/documents lists them")
    date_from: dt.date | None = Field(None, description="Reports dated on or after (YYYY-MM-DD)")
    date_to: dt.date | None = Field(None, description="Reports dated on or before (YYYY-MM-DD)")
    collections: list[str] | None = Field(
        None,
        description="Only these collections (within the key's own: a request narrows its key's scope, never widens it)",
        examples=[["so-tai-chinh"]],
    )

    @field_validator("collections")
    @classmethod
    def _collection_names(cls, value: list[str] | None) -> list[str] | None:
        return collection_names(value)

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _written_date(cls, value: object) -> object:
        """A date as the schema says, "YYYY-MM-DD": not a number of seconds (pydantic would read 0 as 1970)."""
        if value is not None and not isinstance(value, str | dt.date):
            raise ValueError("a date is written YYYY-MM-DD")
        return value

    def explicit(self, collections: frozenset[str] | None) -> ExplicitFilters:
        """The filters, searching `collections` (what the caller may see of what it asked for)."""
        return ExplicitFilters(self.province, self.source, self.date_from, self.date_to, collections)


def collection_names(value: list[str] | None) -> list[str] | None:
    """A request's `collections`: at least one, each a collection name."""
    if value is None:
        return None
    if not value:
        raise ValueError("give at least one collection, or leave `collections` out to search all the key sees")
    return [check_collection(name) for name in value]


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(
        ..., min_length=1, max_length=MAX_QUESTION_CHARS, examples=["Quảng Nam có bao nhiêu điểm cầu?"]
    )
    top_k: int = Field(TOP_K_DEFAULT, ge=TOP_K_MIN, le=TOP_K_MAX, description="How many passages to cite")
    filters: Filters | None = None

    @field_validator("question")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question must not be empty")
        return value


class SearchRequest(AskRequest):
    top_k: int = Field(TOP_K_DEFAULT, ge=TOP_K_MIN, le=TOP_K_MAX, description="How many passages to return")
    mode: RetrievalMode = RetrievalMode.HYBRID


class Citation(BaseModel):
    source: str
    title: str
    date: str | None = None
    chunk_id: str
    start: int = Field(description="Offset into the document's normalised text")
    end: int
    text: str
    score: float
    page: int | None = Field(None, description="The page the passage is on (PDF and scanned files)")
    ocr: bool = Field(False, description="The passage was read from a scanned page by OCR")
    table: str | None = Field(None, description="The caption of the table the passage is a row of")
    document_kind: Literal["report", "plan", "decision", "news"] = Field(
        "news", description="What the cited document is, from its heading and title"
    )
    about: list[str] = Field([], description="The provinces the cited document is about, not those it only names")


class QueryInfo(BaseModel):
    language: Literal["vi", "vi-nodiac", "en"]
    province: str | None = None
    provinces_searched: list[str] = []
    kind: Literal["count", "percent", "date", "list", "explain", "text"]
    years: list[int] = []
    filters: dict[str, object] = {}
    index_generation: str = Field("", description="The index generation that answered")

    @classmethod
    def of(cls, outcome: SearchOutcome) -> QueryInfo:
        a, f = outcome.analysis, outcome.filters
        applied: dict[str, object] = {}
        if f.province:
            applied["province"] = list(f.province)
        if f.source:
            applied["source"] = f.source
        if f.date_from:
            applied["date_from"] = f.date_from.isoformat()
        if f.date_to:
            applied["date_to"] = f.date_to.isoformat()
        if f.collections is not None:
            applied["collections"] = sorted(f.collections)
        return cls(
            language=a.language.value,
            province=a.province,
            provinces_searched=list(f.province),
            kind=a.kind.value,
            years=list(a.years),
            filters=applied,
            index_generation=outcome.index.generation,
        )


class AskResponse(BaseModel):
    answer: str | None = Field(description="A short answer phrase, or null when the reports do not answer it")
    evidence: str | None = Field(None, description="The sentence the answer was taken from")
    citations: list[Citation]
    confidence: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Calibrated probability that the answer is right; answers under HOIDAP_MIN_CONFIDENCE are "
        "refused (0 for refusals made before an answer was found)",
    )
    outcome: Literal["answered", "no_report", "not_covered", "disagrees", "low_confidence", "not_a_question"] = Field(
        "answered",
        description="answered, or why not: no report on it, not covered, another kind of figure, "
        "low confidence, not a question",
    )
    message: str | None = Field(None, description="Why there is no answer")
    notes: list[str] = []
    query: QueryInfo
    took_ms: float

    @classmethod
    def of(cls, answer: Answer, outcome: SearchOutcome, took_ms: float) -> AskResponse:
        return cls(
            answer=answer.answer,
            evidence=answer.evidence,
            citations=[Citation(**c.__dict__) for c in answer.citations],
            confidence=answer.confidence,
            outcome=answer.outcome.value,
            message=answer.message,
            notes=answer.notes,
            query=QueryInfo.of(outcome),
            took_ms=round(took_ms, 2),
        )


def answer_of(body: dict[str, object]) -> Answer:
    """The Answer an AskResponse body (JSON) describes: for formatting what a remote service answered."""
    from service.answer import Citation as AnswerCitation
    from service.answer import Outcome

    reply = AskResponse.model_validate(body)
    return Answer(
        reply.answer,
        reply.evidence,
        [AnswerCitation(**(c.model_dump() | {"about": tuple(c.about)})) for c in reply.citations],
        reply.message,
        reply.notes,
        reply.confidence,
        Outcome(reply.outcome),
    )


class SearchResult(BaseModel):
    source: str
    title: str
    date: str | None = None
    chunk_id: str
    start: int
    end: int
    text: str
    score: float

    @classmethod
    def of(cls, hit: Hit) -> SearchResult:
        c = hit.chunk
        return cls(
            source=c.source,
            title=hit.document.title,
            date=hit.document.date,
            chunk_id=c.chunk_id,
            start=c.start,
            end=c.end,
            text=c.text,
            score=round(hit.score, 4),
        )


class SearchResponse(BaseModel):
    results: list[SearchResult]
    notes: list[str] = []
    query: QueryInfo
    took_ms: float

    @classmethod
    def of(cls, outcome: SearchOutcome, took_ms: float) -> SearchResponse:
        return cls(
            results=[SearchResult.of(h) for h in outcome.hits],
            notes=outcome.notes,
            query=QueryInfo.of(outcome),
            took_ms=round(took_ms, 2),
        )


class DocumentInfo(BaseModel):
    source: str
    collection: str
    title: str
    date: str | None
    provinces: list[str]
    format: str
    chars: int


class DocumentText(DocumentInfo):
    text: str


class DocumentsResponse(BaseModel):
    documents: list[DocumentInfo] = Field(description="One page, by collection and source")
    generation: str
    total: int = Field(description="Documents in all pages")
    offset: int
    next_offset: int | None = Field(description="`offset` of the next page; null on the last one")


class CollectionInfo(BaseModel):
    name: str
    documents: int


class CollectionsResponse(BaseModel):
    collections: list[CollectionInfo] = Field(description="The index's collections this key sees")
    generation: str


class ErrorBody(BaseModel):
    code: str
    message: str
    type: str = Field(description="OpenAI-style error type, e.g. invalid_request_error")
    param: str | None = Field(None, description="The request field at fault, when there is one")


class ErrorResponse(BaseModel):
    error: ErrorBody


ERROR_DESCRIPTIONS = {
    400: "The body cannot be read: not UTF-8, or not JSON (the message says where)",
    401: "An API key is required (keys configured) or the key is not valid; see WWW-Authenticate",
    403: "The key may not do this (e.g. change documents of a collection it may only read)",
    404: "Not found",
    409: "Not possible as things are (the message says what to do first)",
    413: "The body is over HOIDAP_MAX_BODY_BYTES (announced or sent chunked); uploads: over HOIDAP_MAX_UPLOAD_MB, "
    "or a file over HOIDAP_MAX_FILE_MB",
    415: "A file of a type that cannot be indexed (the message lists the accepted ones), or not multipart",
    422: "The request is readable but not valid: the message says what to fix",
    429: "Rate limit reached; see Retry-After",
    503: "No index loaded yet, or the answer took longer than the time budget",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI `responses` for the errors a route can answer, all in the one error shape."""
    return {s: {"model": ErrorResponse, "description": ERROR_DESCRIPTIONS[s]} for s in statuses}
