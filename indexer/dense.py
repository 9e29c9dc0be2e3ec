"""The dense side: vectors on disk (vectors.npy, the source of truth reused by incremental runs) and a
FAISS inner-product index over them (dense.faiss), chosen by size (`choose_dense`) and recorded in the
manifest: exact (flat) up to `EXACT_UP_TO` vectors, HNSW beyond.

Measured here (`benchmarks/scale_index.py`, README "Speed"): exact search costs ~6.5 ms a query at 100k
vectors on one thread and grows linearly; HNSW (M 32, efSearch 128) ~1 ms with recall@10 0.985 at 100k, but
takes ~30 s to build at 100k and 6 min at 1M, and its recall at 1M is not yet shown (README).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

VECTORS_NAME = "vectors.npy"
UNIT_VECTORS_NAME = "unit_vectors.npy"
# Answer units (five or six a passage) are the largest part of a big index: their vectors are kept in half
# precision (cosines move by < 1e-3; only the units of a query's hits are ever read)
UNIT_VECTOR_DTYPE = np.float16
FAISS_NAME = "dense.faiss"

EXACT_UP_TO = 150_000  # exact search below this many passages: ~10 ms a query on one core at the limit
HNSW_M = 32  # graph degree
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128  # recall@10 0.986 on 42,858 real embeddings (benchmarks/ann_recall.py); 0.35 at 1M on noisy copies
# A filter (province, year, collection) that keeps at most this many passages is searched exactly: FAISS's
# flat search over the kept rows alone (an HNSW index's own flat storage; measured at 1M passages with 48,580
# kept: 12-31 ms once its pages are cached, the same best 10 as numpy).  A wider filter walks the HNSW graph
# with the left-out rows skipped, efSearch over the share kept (a fifth kept: five times as far), up to the cap:
# there the graph's neighbours of good rows are mostly left-out rows.
EXACT_FILTERED_UP_TO = 100_000
HNSW_EF_SEARCH_FILTERED_MAX = 1024


@dataclass(frozen=True)
class DenseChoice:
    """Which FAISS index a generation holds, with its parameters (the manifest's `dense`)."""

    kind: str  # "flat" | "hnsw"
    m: int = 0
    ef_construction: int = 0
    ef_search: int = 0

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_manifest(cls, recorded: dict[str, object], count: int) -> DenseChoice:
        """The recorded choice; a generation from before choices were recorded chose by its size."""
        if not recorded:
            return choose_dense(count)
        return cls(
            kind=str(recorded["kind"]),
            m=int(recorded.get("m", 0)),  # type: ignore[call-overload]
            ef_construction=int(recorded.get("ef_construction", 0)),  # type: ignore[call-overload]
            ef_search=int(recorded.get("ef_search", 0)),  # type: ignore[call-overload]
        )


def choose_dense(count: int) -> DenseChoice:
    if count < EXACT_UP_TO:
        return DenseChoice("flat")
    return DenseChoice("hnsw", HNSW_M, HNSW_EF_CONSTRUCTION, HNSW_EF_SEARCH)


def build_faiss(vectors: np.ndarray, choice: DenseChoice | None = None) -> Any:
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    choice = choice or choose_dense(len(vectors))
    dim = vectors.shape[1]
    index: Any
    if choice.kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, choice.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = choice.ef_construction
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


def write_dense(directory: Path, vectors: np.ndarray, unit_vectors: np.ndarray) -> DenseChoice:
    import faiss

    np.save(directory / VECTORS_NAME, np.ascontiguousarray(vectors, dtype=np.float32))
    np.save(directory / UNIT_VECTORS_NAME, np.ascontiguousarray(unit_vectors, dtype=UNIT_VECTOR_DTYPE))
    choice = choose_dense(len(vectors))
    faiss.write_index(build_faiss(vectors, choice), str(directory / FAISS_NAME))
    return choice


def read_vectors(directory: Path, name: str = VECTORS_NAME) -> np.ndarray:
    return np.load(directory / name, mmap_mode="r")


def search_dense(
    index: Any, query: np.ndarray, k: int, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The best `k` rows by inner product with `query` and their scores, best first, among the rows `mask`
    keeps (None: all).  Never post-filters: a filter that keeps few rows still gets its best `k` (at a million
    passages, filtering the unfiltered top 400 lost most of them)."""
    import faiss

    query = np.ascontiguousarray(query, dtype=np.float32).reshape(1, -1)
    params: Any = None
    bits = None
    if mask is not None:
        kept = int(np.count_nonzero(mask))
        if kept == 0:
            return np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.int64)
        bits = np.packbits(mask.astype(bool, copy=False), bitorder="little")  # alive until the search returns
        selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bits))
        if not hasattr(index, "hnsw"):
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        elif kept <= EXACT_FILTERED_UP_TO:
            index = faiss.downcast_index(index.storage)
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        else:
            ef = min(HNSW_EF_SEARCH_FILTERED_MAX, max(index.hnsw.efSearch, k) * len(mask) / kept)
            params = faiss.SearchParametersHNSW(sel=selector, efSearch=int(ef))  # type: ignore[attr-defined]
        k = min(k, kept)
    scores, rows = index.search(query, min(k, index.ntotal), params=params)
    del bits
    keep = rows[0] >= 0
    return scores[0][keep], rows[0][keep]


def read_faiss(directory: Path, choice: DenseChoice) -> Any:
    import faiss

    # memory-mapped (the flat codes of both kinds): `serve --workers N` processes share one copy of the vectors
    # through the page cache instead of each reading its own (measured: 350 MB of private memory → 25 MB for
    # 200k vectors in HNSW; search time unchanged once the pages are cached)
    index = faiss.read_index(str(directory / FAISS_NAME), faiss.IO_FLAG_MMAP_IFC)
    with open(directory / FAISS_NAME, "rb") as f:  # the kernel reads it ahead now, not a page fault at a time
        os.posix_fadvise(f.fileno(), 0, 0, os.POSIX_FADV_WILLNEED)  # during the first queries (cold: seconds)
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = choice.ef_search or HNSW_EF_SEARCH
    return index
