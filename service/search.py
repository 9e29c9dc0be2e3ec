"""Search as the API and CLI see it: analyse the question, build filters (explicit or inferred), retrieve."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np

from indexer.embedders import Embedder
from indexer.gazetteer import Gazetteer
from indexer.reader import PublishedIndex
from service.analysis import AnalyzedQuestion, ProvinceScope, QuestionAnalyzer
from service.errors import InvalidRequest
from service.rerank import RerankSettings, make_reranker
from service.retrieval import FusionSettings, Hit, HybridRetriever, RetrievalMode, SearchFilters


@dataclass(frozen=True)
class ExplicitFilters:
    """Filters given in a request; each one is checked against the index."""

    province: str | None = None
    source: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    collections: frozenset[str] | None = None  # what the caller may see (its key's scope); None: everything


@dataclass
class SearchOutcome:
    analysis: AnalyzedQuestion
    hits: list[Hit]
    filters: SearchFilters
    index: PublishedIndex
    query_vector: np.ndarray | None = None
    notes: list[str] = field(default_factory=list)


class SearchService:
    """Everything a query needs from one index generation (immutable once built)."""

    def __init__(
        self,
        index: PublishedIndex,
        embedder: Embedder,
        gazetteer: Gazetteer,
        fusion: FusionSettings | None = None,
        reranker: str = "units",
        rerank: RerankSettings | None = None,
    ) -> None:
        self.index = index
        self.gazetteer = gazetteer
        self.analyzer = QuestionAnalyzer(gazetteer)
        self.retriever = HybridRetriever(index, embedder, fusion, make_reranker(reranker, index), rerank)

    def filters_for(
        self, analysis: AnalyzedQuestion, explicit: ExplicitFilters
    ) -> tuple[SearchFilters, list[ProvinceScope]]:
        scopes = list(analysis.provinces)
        provinces: tuple[str, ...] = analysis.searched_provinces
        if explicit.province:
            name = self.gazetteer.resolve(explicit.province)
            if name is None:
                raise InvalidRequest(
                    f"unknown province {explicit.province!r}: use a province name such as "
                    "'Quảng Nam', 'Kon Tum' or 'TP.HCM', or a place in one such as 'Buôn Ma Thuột'"
                )
            scopes = [self.analyzer.scope(name)]
            provinces = scopes[0].searched
        known = self.index.store.document(explicit.source) if explicit.source else None
        if known is not None and explicit.collections is not None and known.collection not in explicit.collections:
            known = None  # another collection's report does not exist for this caller
        if explicit.source and known is None:
            raise InvalidRequest(f"unknown source {explicit.source!r}: GET /v1/documents lists the indexed sources")
        if explicit.date_from and explicit.date_to and explicit.date_from > explicit.date_to:
            raise InvalidRequest("date_from is after date_to")
        date_from, date_to, keep_undated = explicit.date_from, explicit.date_to, False
        if not (date_from or date_to) and analysis.years:
            # A report about year Y cannot be older than Y; undated reports stay in.
            date_from, keep_undated = dt.date(min(analysis.years), 1, 1), True
        filters = SearchFilters(
            province=provinces,
            source=explicit.source,
            date_from=date_from,
            date_to=date_to,
            keep_undated=keep_undated,
            collections=explicit.collections,
        )
        return filters, scopes

    def search(
        self,
        question: str,
        top_k: int = 5,
        explicit: ExplicitFilters | None = None,
        mode: RetrievalMode = RetrievalMode.HYBRID,
    ) -> SearchOutcome:
        explicit = explicit or ExplicitFilters()
        analysis = self.analyzer.analyze(question)
        filters, scopes = self.filters_for(analysis, explicit)
        vector = self.retriever.embed_query(analysis, filters) if mode is not RetrievalMode.LEXICAL else None
        hits = self.retriever.search(analysis, top_k, filters, mode, vector)
        if not hits and filters.keep_undated:  # an inferred year was too strict: drop it
            filters = replace(filters, date_from=None, date_to=None, keep_undated=False)
            hits = self.retriever.search(analysis, top_k, filters, mode, vector)
        notes: list[str] = []
        for scope in scopes:
            if scope.note and any(set(h.document.provinces) - {scope.asked} for h in hits):
                notes.append(scope.note)
        return SearchOutcome(analysis, hits, filters, self.index, vector, notes)
