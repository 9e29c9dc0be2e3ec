"""Open a published index generation for reading: manifest checked, files verified, everything loaded."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer.dense import UNIT_VECTORS_NAME, DenseChoice, read_faiss, read_vectors
from indexer.errors import IndexLoadError
from indexer.layout import IndexLayout
from indexer.lexical import LexicalIndex
from indexer.manifest import Manifest, verify_files
from indexer.store import STORE_NAME, ChunkStore


@dataclass
class PublishedIndex:
    directory: Path
    manifest: Manifest
    store: ChunkStore
    vectors: np.ndarray  # memory-mapped, row i = chunk row i
    dense: Any  # faiss.Index
    unit_vectors: np.ndarray  # memory-mapped, row i = answer unit row i
    lexical: LexicalIndex

    @property
    def generation(self) -> str:
        return self.manifest.generation

    def close(self) -> None:
        self.store.close()


def check_embedder(manifest: Manifest, embedder_id: str) -> None:
    if manifest.embedder_id != embedder_id:
        raise IndexLoadError(
            f"the index was built with embedder {manifest.embedder_id!r} but {embedder_id!r} is configured: "
            f"rebuild it with `hoidap index --rebuild` (or set HOIDAP_EMBEDDER to the index's embedder)"
        )


def open_generation(directory: Path, embedder_id: str | None = None, verify: bool = True) -> PublishedIndex:
    """Every file memory-mapped where it can be (vectors, FAISS, BM25): worker processes share them."""
    manifest = Manifest.read(directory)
    if embedder_id is not None:
        check_embedder(manifest, embedder_id)
    if verify:
        verify_files(directory, manifest)
    try:
        store = ChunkStore(directory / STORE_NAME)
        vectors = read_vectors(directory)
        unit_vectors = read_vectors(directory, UNIT_VECTORS_NAME)
        dense = read_faiss(directory, DenseChoice.from_manifest(manifest.dense, len(vectors)))
        lexical = LexicalIndex.load(directory)
    except IndexLoadError:
        raise
    except Exception as exc:  # any unreadable file means the generation cannot serve
        raise IndexLoadError(f"index generation {directory.name} is unreadable: {exc}") from exc
    n = len(store)
    if vectors.shape[0] != n or dense.ntotal != n:  # type: ignore[attr-defined]
        raise IndexLoadError(
            f"index generation {directory.name} is inconsistent: {n} chunks, "
            f"{vectors.shape[0]} vectors, {dense.ntotal} in FAISS"
        )  # type: ignore[attr-defined]
    if unit_vectors.shape[0] != store.unit_count():
        raise IndexLoadError(f"index generation {directory.name} is inconsistent: unit vectors do not match")
    return PublishedIndex(directory, manifest, store, vectors, dense, unit_vectors, lexical)


def open_index(root: Path, embedder_id: str | None = None, verify: bool = True) -> PublishedIndex:
    """The live generation of the index at `root`."""
    directory = IndexLayout(root).current_dir()
    if directory is None:
        raise IndexLoadError(f"no index at {root}: run `hoidap index` first")
    return open_generation(directory, embedder_id, verify)
