"""Hybrid retrieval: dense (FAISS over the embedder's vectors) and BM25 (accented or folded), fused, with
province / source / date filters applied before ranking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from indexer.embedders import Embedder
from indexer.reader import PublishedIndex
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


def _standardise(scores: np.ndarray, rows: np.ndarray, own: np.ndarray) -> np.ndarray:
    """Scores of the candidate rows as standard scores of one side's own best results."""
    reference = scores[own].astype(np.float64)
    spread = float(reference.std())
    values = scores[rows].astype(np.float64)
    return (values - reference.mean()) / spread if spread > 1e-12 else np.where(values > 0, 1.0, 0.0)


def _normalise(scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Scores of the candidate rows scaled to [0, 1] by the best candidate (0 stays 0)."""
    values = scores[rows].astype(np.float64)
    top = float(values.max()) if len(values) else 0.0
    floor = float(values.min()) if len(values) else 0.0
    if top <= floor:
        return np.where(values > 0, 1.0, 0.0)
    return (values - floor) / (top - floor)


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
        store = index.store
        self._doc_of_row = np.asarray(store.doc_of_row, dtype=np.int64)
        self._docs = {i: store.document_of_row(int(r)) for i, r in self._first_rows().items()}

    def _first_rows(self) -> dict[int, int]:
        first: dict[int, int] = {}
        for row, doc in enumerate(self._doc_of_row.tolist()):
            first.setdefault(doc, row)
        return first

    # -- filters --------------------------------------------------------------------------------------
    def document_mask(self, filters: SearchFilters) -> np.ndarray | None:
        """Which documents pass the filters (None: all of them)."""
        if not (filters.province or filters.source or filters.date_from or filters.date_to) and (
            filters.collections is None
        ):
            return None
        allowed = np.zeros(max(self._docs, default=-1) + 1, dtype=bool)
        wanted = set(filters.province)
        for i, doc in self._docs.items():
            if filters.collections is not None and doc.collection not in filters.collections:
                continue
            if wanted and not wanted.intersection(doc.provinces):
                continue
            if filters.source and doc.source != filters.source:
                continue
            if filters.date_from or filters.date_to:
                if doc.date is None:
                    if not filters.keep_undated:
                        continue
                else:
                    date = dt.date.fromisoformat(doc.date)
                    if (filters.date_from and date < filters.date_from) or (filters.date_to and date > filters.date_to):
                        continue
            allowed[i] = True
        return allowed

    def row_mask(self, filters: SearchFilters) -> np.ndarray | None:
        documents = self.document_mask(filters)
        return None if documents is None else documents[self._doc_of_row]

    # -- scoring ----------------------------------------------------------------------------------------
    def embed_query(self, question: AnalyzedQuestion) -> np.ndarray:
        return self.embedder.embed([question.text], EmbedKind.QUERY)[0]

    def dense_scores(self, query: np.ndarray, mask: np.ndarray | None, depth: int) -> dict[int, float]:
        n = len(self._doc_of_row)
        if mask is not None and mask.sum() <= max(2000, n // 5):
            rows = np.flatnonzero(mask)
            scores = np.asarray(self.index.vectors[rows]) @ query
            order = np.argsort(-scores)[:depth]
            return {int(rows[i]): float(scores[i]) for i in order}
        want = min(n, depth if mask is None else depth * 4)
        scores, rows = self.index.dense.search(query[None, :].astype(np.float32), want)
        out = {int(r): float(s) for s, r in zip(scores[0], rows[0], strict=True) if r >= 0}
        if mask is not None:
            out = {r: s for r, s in out.items() if mask[r]}
        return dict(list(out.items())[:depth])

    def lexical_scores(self, question: AnalyzedQuestion, mask: np.ndarray | None) -> np.ndarray:
        scores = self.index.lexical.scores(question.lexical or question.text, folded=question.folded)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        return scores

    def search(
        self,
        question: AnalyzedQuestion,
        k: int,
        filters: SearchFilters | None = None,
        mode: RetrievalMode = RetrievalMode.HYBRID,
        query_vector: np.ndarray | None = None,
    ) -> list[Hit]:
        mask = self.row_mask(filters or SearchFilters())
        if mask is not None and not mask.any():
            return []
        depth = max(self.settings.depth, k)
        dense: dict[int, float] = {}
        lexical = np.zeros(len(self._doc_of_row), dtype=np.float32)
        if mode is not RetrievalMode.LEXICAL:
            vector = query_vector if query_vector is not None else self.embed_query(question)
            dense = self.dense_scores(vector, mask, depth)
        if mode is not RetrievalMode.DENSE:
            lexical = self.lexical_scores(question, mask)
        lexical_top = [int(r) for r in np.argsort(-lexical)[:depth] if lexical[r] > 0]
        if mode is RetrievalMode.DENSE:
            fused = dense
        elif mode is RetrievalMode.LEXICAL:
            fused = {r: float(lexical[r]) for r in lexical_top}
        else:
            fused = self._fuse(dense, lexical, lexical_top)
            if self.reranker is not None and fused:
                fused = self._rerank(question, vector, fused)
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

    def _rerank(
        self, question: AnalyzedQuestion, vector: np.ndarray | None, fused: dict[int, float]
    ) -> dict[int, float]:
        """The reranker's order for the best `depth` fused passages, scaled to [0.5, 1] above the rest (whose
        fused scores, in [0, 1], are scaled below 0.5)."""
        assert self.reranker is not None
        top = sorted(fused, key=lambda r: -fused[r])[: self.rerank_settings.depth]
        relevance = self.reranker.relevance(question, vector, top)
        mixed = combine(np.array([fused[r] for r in top]), relevance, self.rerank_settings.weight)
        scaled = _normalise(mixed, np.arange(len(top)))
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
        dense_all = np.zeros(len(self._doc_of_row), dtype=np.float64)
        if dense:
            floor = min(dense.values())
            for r, v in dense.items():
                dense_all[r] = v
            dense_all[rows] = np.where(dense_all[rows] == 0, floor, dense_all[rows])
        if s.fusion is Fusion.ZSCORE:
            d = _standardise(dense_all, rows, np.fromiter(dense, dtype=np.int64)) if dense else np.zeros(len(rows))
            lex = _standardise(lexical, rows, np.asarray(lexical_top)) if lexical_top else np.zeros(len(rows))
            combined = _normalise(s.dense_weight * d + (1 - s.dense_weight) * lex, np.arange(len(rows)))
        else:
            d = _normalise(dense_all, rows) if dense else np.zeros(len(rows))
            lex = _normalise(lexical, rows) if lexical_top else np.zeros(len(rows))
            combined = s.dense_weight * d + (1 - s.dense_weight) * lex
        return {int(r): float(v) for r, v in zip(rows, combined, strict=True)}
