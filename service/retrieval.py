"""Hybrid retrieval: dense (FAISS over the embedder's vectors) and BM25 (accented or folded), fused, with
province / source / date filters applied before ranking."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from indexer.dense import search_dense
from indexer.embedders import Embedder
from indexer.kinds import DocumentKind
from indexer.reader import PublishedIndex
from indexer.store import DocumentInfo
from indexer.types import Chunk, Document, EmbedKind
from service.analysis import AnalyzedQuestion
from service.rerank import Reranker, RerankSettings, combine


class RetrievalMode(StrEnum):
    HYBRID = "hybrid"
    DENSE = "dense"
    LEXICAL = "lexical"


class Fusion(StrEnum):
    RRF = "rrf"
    WEIGHTED = "weighted"  # each side min–max scaled over the candidates
    ZSCORE = "zscore"  # each side standardised over its own best `depth` results


@dataclass(frozen=True)
class SearchFilters:
    province: tuple[str, ...] = ()  # canonical former units; a document about any of them passes
    source: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    keep_undated: bool = False  # inferred date bounds let undated reports through; explicit ones do not
    collections: frozenset[str] | None = None  # None: every collection (the caller may see them all)


@dataclass(frozen=True)
class Hit:
    row: int
    chunk: Chunk
    document: Document
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class FusionSettings:
    """Standardising each side over its own best results adapts the fusion to the query: a side whose best
    passages stand far above the rest of its own list (it is sure) outweighs one whose scores are flat."""

    fusion: Fusion = Fusion.ZSCORE
    dense_weight: float = 0.5
    rrf_k: int = 60
    depth: int = 100  # candidates taken from each side
    # What a document is about, as priors for a question about a province: factors on its passages' hybrid scores
    # (the reranked ones lie in [0.5, 1])
    named_in_passing: float = 0.6  # a passage whose document names an asked province but is not about it
    # a news item's passage (a report on the province over news about it); not for other questions: on ALQAC
    # three statute articles titled "Kiểm tra …" read as reports and cost nDCG 0.2
    news_prior: float = 0.95
    unnamed_query: bool = True  # with a province filter, both sides match the question without the province's name


def top_rows(scores: np.ndarray, k: int) -> list[int]:
    """The rows of the `k` highest positive scores, best first, without sorting them all."""
    candidates = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    candidates = candidates[scores[candidates] > 0]
    return [int(r) for r in candidates[np.argsort(-scores[candidates], kind="stable")]]


def _standardise(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """`values` as standard scores of one side's own best results (`reference`)."""
    reference = reference.astype(np.float64)
    spread = float(reference.std())
    return (values - reference.mean()) / spread if spread > 1e-12 else np.where(values > 0, 1.0, 0.0)


def _normalise(values: np.ndarray) -> np.ndarray:
    """`values` scaled to [0, 1] by the best of them (0 stays 0)."""
    values = values.astype(np.float64)
    top = float(values.max()) if len(values) else 0.0
    floor = float(values.min()) if len(values) else 0.0
    if top <= floor:
        return np.where(values > 0, 1.0, 0.0)
    return (values - floor) / (top - floor)


class DocumentCatalog:
    """What the filters and priors look at, for every document, as arrays: a filter costs a few vector
    operations, not a loop over the documents (a million-passage index holds hundreds of thousands of them),
    and a prior is looked up for the candidates only."""

    def __init__(self, infos: dict[int, DocumentInfo]) -> None:
        self.size = max(infos, default=-1) + 1
        names = sorted({i.collection for i in infos.values()})
        self._collection_code = {name: code for code, name in enumerate(names)}
        self._collection = np.zeros(self.size, dtype=np.int32)
        self._date = np.zeros(self.size, dtype=np.int32)  # date ordinal; 0: undated
        self._news = np.zeros(self.size, dtype=bool)  # a store that did not keep kinds has none
        by_province: dict[str, list[int]] = {}
        by_subject: dict[str, list[int]] = {}
        self._doc_id: dict[str, int] = {}
        for doc_id, info in infos.items():
            self._collection[doc_id] = self._collection_code[info.collection]
            if info.date:
                self._date[doc_id] = dt.date.fromisoformat(info.date).toordinal()
            for province in info.provinces:
                by_province.setdefault(province, []).append(doc_id)
            for province in info.about:
                by_subject.setdefault(province, []).append(doc_id)
            self._news[doc_id] = info.kind is DocumentKind.NEWS
            self._doc_id[info.source] = doc_id
        self._province = {p: np.asarray(ids, dtype=np.int64) for p, ids in by_province.items()}
        self._about = {p: np.sort(np.asarray(ids, dtype=np.int64)) for p, ids in by_subject.items()}

    def about(self, doc_ids: np.ndarray, provinces: Sequence[str]) -> np.ndarray:
        """Whether each of `doc_ids` is about any of `provinces` (sorted id arrays searched, nothing per
        document of the index)."""
        out = np.zeros(len(doc_ids), dtype=bool)
        for province in provinces:
            ids = self._about.get(province)
            if ids is not None and len(ids):
                at = np.minimum(np.searchsorted(ids, doc_ids), len(ids) - 1)
                out |= ids[at] == doc_ids
        return out

    def news(self, doc_ids: np.ndarray) -> np.ndarray:
        """Whether each of `doc_ids` is a news item (indexer/kinds.py)."""
        return self._news[doc_ids]

    def mask(self, filters: SearchFilters) -> np.ndarray | None:
        if not (filters.province or filters.source or filters.date_from or filters.date_to) and (
            filters.collections is None
        ):
            return None
        allowed = np.ones(self.size, dtype=bool)
        if filters.collections is not None:
            codes = [self._collection_code[c] for c in filters.collections if c in self._collection_code]
            allowed &= np.isin(self._collection, np.asarray(codes, dtype=np.int32))
        if filters.province:
            named = np.zeros(self.size, dtype=bool)
            for province in filters.province:
                if province in self._province:
                    named[self._province[province]] = True
            allowed &= named
        if filters.source:
            only = np.zeros(self.size, dtype=bool)
            if filters.source in self._doc_id:
                only[self._doc_id[filters.source]] = True
            allowed &= only
        if filters.date_from or filters.date_to:
            dated = self._date > 0
            within = dated.copy()
            if filters.date_from:
                within &= self._date >= filters.date_from.toordinal()
            if filters.date_to:
                within &= self._date <= filters.date_to.toordinal()
            allowed &= within | (~dated & filters.keep_undated)
        return allowed


class HybridRetriever:
    def __init__(
        self,
        index: PublishedIndex,
        embedder: Embedder,
        settings: FusionSettings | None = None,
        reranker: Reranker | None = None,
        rerank: RerankSettings | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings or FusionSettings()
        self.reranker = reranker
        self.rerank_settings = rerank or RerankSettings()
        self._doc_of_row = index.store.doc_of_row
        self._catalog = DocumentCatalog(index.store.infos())

    # -- filters --------------------------------------------------------------------------------------
    def document_mask(self, filters: SearchFilters) -> np.ndarray | None:
        """Which documents pass the filters (None: all of them)."""
        return self._catalog.mask(filters)

    def row_mask(self, filters: SearchFilters) -> np.ndarray | None:
        documents = self.document_mask(filters)
        return None if documents is None else documents[self._doc_of_row]

    # -- scoring ----------------------------------------------------------------------------------------
    def _unnamed(self, filters: SearchFilters | None) -> bool:
        """Are the provinces a filter already, so that both sides match the question without their names?"""
        return filters is not None and bool(filters.province) and self.settings.unnamed_query

    def embed_query(self, question: AnalyzedQuestion, filters: SearchFilters | None = None) -> np.ndarray:
        text = question.unnamed if self._unnamed(filters) and question.unnamed else question.text
        return self.embedder.embed([text], EmbedKind.QUERY)[0]

    def dense_scores(self, query: np.ndarray, mask: np.ndarray | None, depth: int) -> dict[int, float]:
        scores, rows = search_dense(self.index.dense, query, depth, mask)
        return {int(r): float(s) for s, r in zip(scores, rows, strict=True)}

    def lexical_scores(
        self,
        question: AnalyzedQuestion,
        mask: np.ndarray | None,
        dense_rows: Sequence[int] = (),
        filters: SearchFilters | None = None,
    ) -> np.ndarray:
        query = question.lexical or question.text
        if self._unnamed(filters) and question.lexical_unnamed:
            query = question.lexical_unnamed
        return self.index.lexical.scores(query, question.folded, mask, dense_rows)

    def search(
        self,
        question: AnalyzedQuestion,
        k: int,
        filters: SearchFilters | None = None,
        mode: RetrievalMode = RetrievalMode.HYBRID,
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        filters = filters or SearchFilters()
        mask = self.row_mask(filters)
        if mask is not None and not mask.any():
            return []
        depth = max(self.settings.depth, k)
        dense: dict[int, float] = {}
        lexical = np.zeros(len(self._doc_of_row), dtype=np.float32)
        if mode is not RetrievalMode.LEXICAL:
            vector = query_vector if query_vector is not None else self.embed_query(question, filters)
            dense = self.dense_scores(vector, mask, depth)
        if mode is not RetrievalMode.DENSE:
            lexical = self.lexical_scores(question, mask, list(dense), filters)
        lexical_top = top_rows(lexical, depth)
        if mode is RetrievalMode.DENSE:
            fused = dense
        elif mode is RetrievalMode.LEXICAL:
            fused = {r: float(lexical[r]) for r in lexical_top}
        else:
            fused = self._fuse(dense, lexical, lexical_top)
            if self.reranker is not None and fused:
                fused = self._rerank(question, vector, fused)
            fused = self.priors(fused, filters.province)
        best = sorted(fused, key=lambda r: -fused[r])[:k]
        stored = {s.row: s.chunk for s in self.index.store.chunks(best)}
        return [
            Hit(
                row=r,
                chunk=stored[r],
                document=self.index.store.document_of_row(r),
                score=float(fused[r]),
                dense=float(dense.get(r, 0.0)),
                lexical=float(lexical[r]),
            )
            for r in best
        ]

    def priors(self, scores: dict[int, float], provinces: tuple[str, ...]) -> dict[int, float]:
        """Hybrid scores times the priors of what each passage's document is about, for a question about a
        province: a document that names it in passing ranks below one about it, and a news item slightly below a
        report, plan or decision (arrays over the candidates only)."""
        if not provinces or not scores:
            return scores
        s = self.settings
        rows = np.fromiter(scores, dtype=np.int64, count=len(scores))
        docs = self._doc_of_row[rows].astype(np.int64)
        factors = np.where(self._catalog.about(docs, provinces), 1.0, s.named_in_passing)
        factors *= np.where(self._catalog.news(docs), s.news_prior, 1.0)
        return {r: score * float(f) for (r, score), f in zip(scores.items(), factors, strict=True)}

    def _rerank(
        self, question: AnalyzedQuestion, vector: np.ndarray | None, fused: dict[int, float]
    ) -> dict[int, float]:
        """The reranker's order for the best `depth` fused passages, scaled to [0.5, 1] above the rest (whose
        fused scores, in [0, 1], are scaled below 0.5)."""
        assert self.reranker is not None
        top = sorted(fused, key=lambda r: -fused[r])[: self.rerank_settings.depth]
        relevance = self.reranker.relevance(question, vector, top)
        settings = self.rerank_settings
        weight = settings.folded_weight if question.folded else settings.weight
        mixed = combine(np.array([fused[r] for r in top]), relevance, weight)
        scaled = _normalise(mixed)
        out = {r: 0.49 * fused[r] for r in fused}  # below the reranked ones, in their fused order
        out.update({r: 0.5 + 0.5 * float(v) for r, v in zip(top, scaled, strict=True)})
        return out

    def _fuse(self, dense: dict[int, float], lexical: np.ndarray, lexical_top: list[int]) -> dict[int, float]:
        s = self.settings
        if s.fusion is Fusion.RRF:
            fused: dict[int, float] = {}
            for rank, row in enumerate(sorted(dense, key=lambda r: -dense[r])):
                fused[row] = fused.get(row, 0.0) + 1.0 / (s.rrf_k + rank + 1)
            for rank, row in enumerate(lexical_top):
                fused[row] = fused.get(row, 0.0) + 1.0 / (s.rrf_k + rank + 1)
            return fused
        rows = np.asarray(sorted(set(dense) | set(lexical_top)), dtype=np.int64)
        if not len(rows):
            return {}
        # passages only BM25 found get the dense side's worst score in its list (arrays over the candidates
        # only: nothing here grows with the index)
        floor = min(dense.values()) if dense else 0.0
        dense_values = np.array([dense.get(int(r), floor) for r in rows], dtype=np.float64)
        lexical_values = lexical[rows].astype(np.float64)
        if s.fusion is Fusion.ZSCORE:
            reference = np.fromiter(dense.values(), dtype=np.float64, count=len(dense))
            d = _standardise(dense_values, reference) if dense else np.zeros(len(rows))
            lex = _standardise(lexical_values, lexical[lexical_top]) if lexical_top else np.zeros(len(rows))
            combined = _normalise(s.dense_weight * d + (1 - s.dense_weight) * lex)
        else:
            d = _normalise(dense_values) if dense else np.zeros(len(rows))
            lex = _normalise(lexical_values) if lexical_top else np.zeros(len(rows))
            combined = s.dense_weight * d + (1 - s.dense_weight) * lex
        return {int(r): float(v) for r, v in zip(rows, combined, strict=True)}
