"""Writing one index generation into its staging directory: the store, the vectors and the FAISS index
chosen for their number, both BM25 indexes, and the manifest with every file's checksum.  The indexer and
the Ray indexer publish what this writes; so does `benchmarks/scale_index.py` for its synthetic indexes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.dense import write_dense
from indexer.lexical import LexicalIndex
from indexer.manifest import MANIFEST_NAME, Manifest, file_digest
from indexer.store import STORE_NAME, write_store
from indexer.types import Chunk, Document

UnitRecord = tuple[str, int, int, str]  # source, start, end, embed hash


@dataclass(frozen=True)
class GenerationContent:
    documents: Sequence[Document]
    chunks: Sequence[tuple[Chunk, str]]  # (chunk, embed hash); chunk i is row i
    units: Sequence[UnitRecord]  # unit i is unit row i
    vectors: np.ndarray  # row i: chunk i
    unit_vectors: np.ndarray  # row i: unit i
    unit_vectors_way: str = "separate"  # how the unit vectors were made (indexer/vectors.py UnitVectors)


def write_generation(
    staging: Path,
    name: str,
    content: GenerationContent,
    embedder: dict[str, object],
    chunker: dict[str, object],
    collections: dict[str, str],
    on_part: Callable[[str], None] = lambda part: None,
) -> Manifest:
    """Write every file of generation `name` into `staging` (not yet published) and return its manifest.
    `on_part` is told each part as it starts ("store", "dense", "lexical", "checksums")."""
    on_part("store")
    write_store(staging / STORE_NAME, content.documents, content.chunks, content.units)
    on_part("dense")
    dense = write_dense(staging, content.vectors, content.unit_vectors)
    on_part("lexical")
    lexical = LexicalIndex.build((c.text for c, _ in content.chunks), (c.segmented for c, _ in content.chunks))
    lexical.save(staging)
    on_part("checksums")
    files = {p.relative_to(staging).as_posix(): file_digest(p) for p in sorted(staging.rglob("*")) if p.is_file()}
    manifest = Manifest(
        generation=name,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        embedder=embedder,
        chunker=chunker,
        documents={d.source: d.sha256 for d in content.documents},
        counts={"documents": len(content.documents), "chunks": len(content.chunks), "units": len(content.units)},
        files=files,
        collections=dict(sorted(collections.items())),
        dense=dense.to_json(),
        unit_vectors=content.unit_vectors_way,
    )
    (staging / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
    return manifest
