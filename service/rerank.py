"""Reranking: a second look at the best fused passages, behind one interface.

- `units` (the default, no model): a passage is as good as its best sentence — the highest cosine between
  the question and the passage's answer units, vectors the index already holds (so it costs one small matrix
  product and one SQLite query);
- `cross-encoder:<path>`: a sentence-transformers `CrossEncoder` from a local model directory, scoring each
  (question, passage) pair (slow on CPU: measure before turning it on);
- `none`: the fused order.

Each reranker returns, for the passages it is given, its own relevance; `combine` mixes it with the fused
score, both standardised over those passages (so neither side's scale decides), by `RerankSettings.weight`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from indexer.reader import PublishedIndex
    from service.analysis import AnalyzedQuestion


@dataclass(frozen=True)
class RerankSettings:
    depth: int = 50  # fused passages the reranker sees
    weight: float = 1.0  # its standardised relevance against the standardised fused score (chosen on train, README)
    # … for a question typed without diacritics, whose vector (and so its sentences' cosines) is far less sure than
    # the folded BM25 side: standardising that flat, noisy relevance undid clear lexical matches.  Chosen on the
    # train halves asked without diacritics (retrieval_quality --folded): nDCG@10 falls with every weight above 0.
    folded_weight: float = 0.0


class Reranker(Protocol):
    name: str

    def relevance(self, question: AnalyzedQuestion, vector: np.ndarray | None, rows: list[int]) -> np.ndarray:
        """Relevance of each passage row to the question (any scale; higher is better)."""
        ...


def standardise(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.float64)
    spread = float(values.std())
    return (values - values.mean()) / spread if spread > 1e-12 else np.zeros_like(values)


def combine(fused: np.ndarray, relevance: np.ndarray, weight: float) -> np.ndarray:
    return standardise(fused) + weight * standardise(relevance)


class UnitSimilarityReranker:
    """A passage is as good as its best sentence: max cosine of its answer units to the question."""

    name = "units"

    def __init__(self, index: PublishedIndex) -> None:
        self.index = index

    def relevance(self, question: AnalyzedQuestion, vector: np.ndarray | None, rows: list[int]) -> np.ndarray:
        if vector is None:
            return np.zeros(len(rows))
        units = self.index.store.unit_rows_of_chunks(rows)
        every = sorted({u for us in units.values() for u in us})
        if not every:
            return np.zeros(len(rows))
        at = {u: i for i, u in enumerate(every)}
        similarity = np.asarray(self.index.unit_vectors[np.asarray(every, dtype=np.int64)]) @ vector
        return np.array([max((similarity[at[u]] for u in units.get(r, ())), default=0.0) for r in rows])


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder loaded from a local directory (never from a hub)."""

    name = "cross-encoder"

    def __init__(self, index: PublishedIndex, model_path: Path) -> None:
        from sentence_transformers import CrossEncoder

        self.index = index
        self.model = CrossEncoder(str(model_path), local_files_only=True)

    def relevance(self, question: AnalyzedQuestion, vector: np.ndarray | None, rows: list[int]) -> np.ndarray:
        chunks = {s.row: s.chunk for s in self.index.store.chunks(rows)}
        pairs = [(question.text, chunks[r].text) for r in rows]
        return np.asarray(self.model.predict(pairs, show_progress_bar=False), dtype=np.float64)


def parse_reranker(spec: str) -> tuple[str, Path | None]:
    """ "units", "none" or "cross-encoder:<directory>"; ValueError says what is accepted."""
    if spec in ("units", "none"):
        return spec, None
    if spec.startswith("cross-encoder:"):
        path = Path(spec.split(":", 1)[1]).expanduser()
        if not path.is_dir():
            raise ValueError(f"{spec!r}: no model directory at {path}")
        return "cross-encoder", path
    raise ValueError(f"{spec!r} is not a reranker: use 'units', 'none' or 'cross-encoder:<local model directory>'")


def make_reranker(spec: str, index: PublishedIndex) -> Reranker | None:
    kind, path = parse_reranker(spec)
    if kind == "none":
        return None
    if kind == "units":
        return UnitSimilarityReranker(index)
    assert path is not None
    return CrossEncoderReranker(index, path)
