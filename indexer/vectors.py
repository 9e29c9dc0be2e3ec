"""How answer units get their vectors, two ways (HOIDAP_UNIT_VECTORS; the manifest records which one built an
index):

- `separate`: each unit (sentence or clause) is encoded again on its own, after its chunk;
- `late` (late chunking): the encoder runs once per chunk, and each unit's vector is the mean of the chunk's
  contextual token states over the unit's tokens.  A unit gets its vector from its *host*: the chunk that
  holds it whole with the most text around it on the shorter side.  A unit that no chunk holds whole, or
  that lies past a chunk's 512-token cut, is encoded on its own as in `separate`.

A unit's vector is reused across runs by a hash of what made it: its text alone (`separate`, store.unit_hash),
or its host chunk's embedding text and its place in it (`late`), so one way's vectors are never taken for the
other's.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

import numpy as np

from indexer.types import Chunk, embed_hash_for


class UnitVectors(StrEnum):
    SEPARATE = "separate"
    LATE = "late"


DEFAULT_UNIT_VECTORS = UnitVectors.SEPARATE  # late: faster, but the units reranker loses its gain (README)


@runtime_checkable
class SpanEmbedder(Protocol):
    """An embedder that can pool vectors of character spans from a passage's own encoder pass."""

    def embed_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]: ...


def effective_mode(requested: UnitVectors, embedder: object) -> UnitVectors:
    """`late` needs an embedder that exposes token states (e5-onnx); the others embed units separately."""
    late = requested is UnitVectors.LATE and isinstance(embedder, SpanEmbedder)
    return UnitVectors.LATE if late else UnitVectors.SEPARATE


@dataclass(frozen=True)
class Host:
    """Where a unit's vector is pooled from: item `chunk` of the run's chunk list, characters [start, end) of
    that chunk's embedding text."""

    chunk: int
    start: int
    end: int


def host_of(chunks: Sequence[Chunk], starts: Sequence[int], longest: int, start: int, end: int) -> Host | None:
    """The host of document characters [start, end): among `chunks` (of one document, in order; `starts` their
    start offsets, `longest` the longest one's length), the one that holds them whole with the most context
    on its shorter side, and where they are in its embedding text; None when no chunk holds them whole."""
    best, best_margin = -1, -1
    i = bisect.bisect_right(starts, start) - 1
    while i >= 0 and chunks[i].start >= start - longest:
        chunk = chunks[i]
        if end <= chunk.end and min(start - chunk.start, chunk.end - end) > best_margin:
            best, best_margin = i, min(start - chunk.start, chunk.end - end)
        i -= 1
    if best < 0:
        return None
    chunk = chunks[best]
    shift = len(chunk.embed_text) - len(chunk.text) - chunk.start  # the title line before the text
    return Host(best, start + shift, end + shift)


def hosts_in(chunks: Sequence[Chunk], spans: Sequence[tuple[int, int]]) -> list[Host | None]:
    """`host_of` each span of one document (chunk indices relative to `chunks`)."""
    starts = [c.start for c in chunks]
    longest = max((c.end - c.start for c in chunks), default=0)
    return [host_of(chunks, starts, longest, a, b) for a, b in spans]


def late_hash(chunk_embed_hash: str, start: int, end: int) -> str:
    return embed_hash_for(f"unit-late\x00{chunk_embed_hash}\x00{start}\x00{end}")
