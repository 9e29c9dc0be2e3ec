"""The reference for the e5-onnx runtime (indexer/e5/runtime.py): a sentence-transformers input module that
runs the converted model through onnxruntime — the pipeline e5-onnx used before it dropped torch, kept here
so a test can show that the torch-free runtime gives the same vectors.

sentence-transformers' own ONNX backend needs `optimum`, which pins an older transformers; this module does
the same job with onnxruntime alone: the model directory's fast tokenizer, one InferenceSession, and the
token embeddings handed on to the standard Pooling and Normalize modules.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sentence_transformers.base.modules.input_module import InputModule


class OnnxTransformer(InputModule):
    config_keys = ["onnx_file", "max_seq_length", "embedding_dimension"]

    def __init__(
        self,
        model_dir: str | Path,
        onnx_file: str,
        embedding_dimension: int,
        max_seq_length: int = 512,
        threads: int | None = None,
    ) -> None:
        super().__init__()
        import onnxruntime as ort
        from transformers import AutoTokenizer

        self.model_dir = Path(model_dir)
        self.onnx_file = onnx_file
        self.max_seq_length = max_seq_length
        self.embedding_dimension = embedding_dimension
        self._tokenizer: Any = AutoTokenizer.from_pretrained(str(self.model_dir), local_files_only=True)
        self.tokenizer = self._tokenizer
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 8)
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        self.session = ort.InferenceSession(
            str(self.model_dir / onnx_file), options, providers=["CPUExecutionProvider"]
        )

    def get_embedding_dimension(self) -> int:
        return self.embedding_dimension

    get_word_embedding_dimension = get_embedding_dimension

    def token_lengths(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text becomes (specials included, before truncation)."""
        encoded = self._tokenizer(list(texts), add_special_tokens=True, truncation=False)
        return [len(ids) for ids in encoded["input_ids"]]

    def preprocess(self, inputs: Sequence[Any], prompt: str | None = None, **kwargs: Any) -> dict[str, Any]:
        texts = [(prompt or "") + str(text) for text in inputs]
        encoded = self._tokenizer(
            texts, padding=True, truncation=True, max_length=self.max_seq_length, return_tensors="np"
        )
        return {
            "input_ids": torch.from_numpy(encoded["input_ids"].astype(np.int64)),
            "attention_mask": torch.from_numpy(encoded["attention_mask"].astype(np.int64)),
        }

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        (hidden,) = self.session.run(
            None,
            {
                "input_ids": features["input_ids"].numpy(),
                "attention_mask": features["attention_mask"].numpy(),
            },
        )
        features["token_embeddings"] = torch.from_numpy(hidden)
        return features

    def save(self, output_path: str, *args: Any, safe_serialization: bool = True, **kwargs: Any) -> None:
        raise NotImplementedError("the ONNX module runs a converted model directory; convert again to write one")
