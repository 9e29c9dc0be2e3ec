"""The converted e5 model run with onnxruntime, the `tokenizers` library and numpy alone: no torch, no
transformers, no sentence-transformers.  It does what the sentence-transformers pipeline of the converted
directory does (fast tokenizer, the ONNX transformer, mean pooling over the attention mask, L2 normalisation)
and gives the same vectors (tests/indexer/test_e5_runtime.py compares them), at a fraction of the start-up
cost: a question from the command line no longer waits seconds for torch to import."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

MAX_SEQ_LENGTH = 512
PAD_TOKEN = "<pad>"


class OnnxE5Runtime:
    """Tokenizer and inference session of a converted model directory (loaded by the constructor: build it in
    the embedder's `load()`)."""

    def __init__(self, model_dir: Path, onnx_file: str, threads: int | None = None) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        # Padding and truncation are done here, not by the tokenizer: one tokenizer then also counts tokens
        # before truncation (loading tokenizer.json, 250k pieces, is most of this constructor's time).
        self._tokenizer: Any = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.no_truncation()
        pad_id = self._tokenizer.token_to_id(PAD_TOKEN)
        if pad_id is None:
            raise ValueError(f"{model_dir}/tokenizer.json has no {PAD_TOKEN} token")
        self.pad_id = int(pad_id)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 8)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        model = str(Path(model_dir) / onnx_file)
        self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text becomes (specials included, before truncation)."""
        return [len(e.ids) for e in self._tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str]) -> list[Any]:
        """The tokenizer's encodings of `texts` (ids and character offsets), before truncation."""
        return list(self._tokenizer.encode_batch(list(texts)))

    def _inputs(self, rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids and attention mask, right-padded; a text over 512 tokens keeps its first 511 and `</s>`
        (what the tokenizer's own truncation does with XLM-R's `<s> … </s>` template)."""
        rows = [r if len(r) <= MAX_SEQ_LENGTH else [*r[: MAX_SEQ_LENGTH - 1], r[-1]] for r in rows]
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for i, row in enumerate(rows):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1
        return ids, mask

    def _hidden(self, encodings: Sequence[Any]) -> tuple[np.ndarray, np.ndarray]:
        ids, mask = self._inputs([e.ids for e in encodings])
        (hidden,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        return hidden, mask

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Mean-pooled, L2-normalised vectors of `texts` (prompts already prepended), one batch."""
        return self.embed_encoded(self.encode(texts))

    def embed_encoded(self, encodings: Sequence[Any]) -> np.ndarray:
        hidden, mask = self._hidden(encodings)
        return _pooled(hidden, mask)

    def embed_with_spans(
        self, encodings: Sequence[Any], spans: Sequence[Sequence[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """One batch: each text's vector (as `embed`) and, from the same pass, a vector for each of its
        character spans: the mean of the contextual states of the tokens that start inside the span,
        L2-normalised (late chunking).  None for a span with no such token or past the 512-token cut."""
        hidden, mask = self._hidden(encodings)
        pooled: list[list[np.ndarray | None]] = []
        for i, (encoding, text_spans) in enumerate(zip(encodings, spans, strict=True)):
            kept = min(len(encoding.ids), MAX_SEQ_LENGTH) - 1  # tokens before the final </s>
            offsets = np.asarray(encoding.offsets[:kept], dtype=np.int64).reshape(-1, 2)
            content = offsets[:, 1] > offsets[:, 0]  # specials have empty offsets
            starts = offsets[:, 0]
            covered = int(offsets[content, 1].max()) if content.any() else 0
            vectors: list[np.ndarray | None] = []
            for start, end in text_spans:
                chosen = np.flatnonzero(content & (starts >= start) & (starts < end))
                if not len(chosen) or (len(encoding.ids) > MAX_SEQ_LENGTH and end > covered):
                    vectors.append(None)
                    continue
                vector = hidden[i, chosen].mean(axis=0)
                vectors.append((vector / max(float(np.linalg.norm(vector)), 1e-12)).astype(np.float32))
            pooled.append(vectors)
        return _pooled(hidden, mask), pooled


def _pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    weights = mask[:, :, None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
