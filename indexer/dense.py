"""The dense side: vectors on disk (vectors.npy, the source of truth reused by incremental runs) and a
FAISS inner-product index over them (dense.faiss).  Flat (exact) up to `HNSW_FROM` vectors, HNSW beyond."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

VECTORS_NAME = "vectors.npy"
UNIT_VECTORS_NAME = "unit_vectors.npy"
FAISS_NAME = "dense.faiss"
HNSW_FROM = 200_000


def build_faiss(vectors: np.ndarray) -> Any:
    import faiss

    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    dim = vectors.shape[1]
    index: Any
    if len(vectors) >= HNSW_FROM:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


def write_dense(directory: Path, vectors: np.ndarray, unit_vectors: np.ndarray) -> None:
    import faiss

    np.save(directory / VECTORS_NAME, np.ascontiguousarray(vectors, dtype=np.float32))
    np.save(directory / UNIT_VECTORS_NAME, np.ascontiguousarray(unit_vectors, dtype=np.float32))
    faiss.write_index(build_faiss(vectors), str(directory / FAISS_NAME))


def read_vectors(directory: Path, name: str = VECTORS_NAME) -> np.ndarray:
    return np.load(directory / name, mmap_mode="r")


def read_faiss(directory: Path) -> Any:
    import faiss

    index = faiss.read_index(str(directory / FAISS_NAME))
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = 128
    return index


class MappedFlatIndex:
    """Exact inner-product search over the memory-mapped vectors.npy, with FAISS's `search`/`ntotal`.

    Several worker processes then share one copy of the vectors (the page cache) instead of each holding
    its own, at about twice FAISS's time (12.6 vs 6.7 ms at 100k vectors, one thread, measured here).
    """

    def __init__(self, vectors: np.ndarray) -> None:
        self.vectors = vectors
        self.ntotal = int(vectors.shape[0])

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        scores = np.asarray(queries, dtype=np.float32) @ np.asarray(self.vectors).T
        k = min(k, self.ntotal)
        out_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
        out_rows = np.full((len(queries), k), -1, dtype=np.int64)
        for i, row in enumerate(scores):
            top = np.argpartition(-row, k - 1)[:k] if k < self.ntotal else np.arange(self.ntotal)
            top = top[np.argsort(-row[top])]
            out_scores[i], out_rows[i] = row[top], top
        return out_scores, out_rows
