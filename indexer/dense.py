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
