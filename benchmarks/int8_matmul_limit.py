"""What int8 arithmetic on this CPU allows at e5-small's shapes, and how much of it the embedder gets (a benchmark).

    .venv/bin/python benchmarks/int8_matmul_limit.py [--tokens 2048] [--threads 2] [--passages 200]

Times onnxruntime's MatMulInteger (uint8 activations × int8 weights → int32, what the quantised model runs)
alone, on a (tokens × in) by (in × out) product for each projection shape of the model (QKV 384→1152,
attention output 384→384, FFN up 384→1536, FFN down 1536→384), and prints multiply-adds per second.  The
limit is the shape-weighted rate of a whole layer's projections: the time of one token's 21.2 M multiply-adds
(12 layers) at those rates.  Then the embedder's own passage throughput (tokens/s on news20k chunks), as
multiply-adds per second (projections only, attention scores excluded) and as a share of the limit.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

HIDDEN, FFN, LAYERS = 384, 1536, 12
SHAPES = {
    "qkv": (HIDDEN, 3 * HIDDEN),
    "attention-out": (HIDDEN, HIDDEN),
    "ffn-up": (HIDDEN, FFN),
    "ffn-down": (FFN, HIDDEN),
}
MACS_PER_TOKEN = LAYERS * sum(k * n for k, n in SHAPES.values())  # 21.2 M


def matmul_session(k: int, n: int, threads: int) -> object:

    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    weight = np.random.default_rng(0).integers(-127, 128, size=(k, n), dtype=np.int8)
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b"], ["y"])],
        "int8_matmul",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, ["m", k])],
        [helper.make_tensor_value_info("y", TensorProto.INT32, ["m", n])],
        [numpy_helper.from_array(weight, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])


def rate(k: int, n: int, tokens: int, threads: int, seconds: float = 1.0) -> float:
    """Multiply-adds per second of a (tokens × k) by (k × n) MatMulInteger, best of short timed runs."""
    session: Any = matmul_session(k, n, threads)
    a = np.random.default_rng(1).integers(0, 256, size=(tokens, k), dtype=np.uint8)
    session.run(None, {"a": a})
    best, end = float("inf"), time.perf_counter() + seconds
    while time.perf_counter() < end:
        start = time.perf_counter()
        session.run(None, {"a": a})
        best = min(best, time.perf_counter() - start)
    return tokens * k * n / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=2048, help="rows of one product (a batch of 8 × 256 tokens)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--passages", type=int, default=200, help="news20k chunks the embedder encodes (0: none)")
    parser.add_argument("--models-dir", type=Path, default=Path("data/models"))
    args = parser.parse_args()
    rates = {name: rate(k, n, args.tokens, args.threads) for name, (k, n) in SHAPES.items()}
    for name, value in rates.items():
        print(f"{name:<14}{SHAPES[name][0]:>5}→{SHAPES[name][1]:<5}{value / 1e9:8.1f} G multiply-adds/s")
    per_token = sum(k * n / rates[name] for name, (k, n) in SHAPES.items()) * LAYERS
    limit = MACS_PER_TOKEN / per_token
    print(
        f"limit: {limit / 1e9:.1f} G multiply-adds/s = {1 / per_token:,.0f} tokens/s (projections only, "
        f"{MACS_PER_TOKEN / 1e6:.1f} M per token, {args.threads} threads)"
    )
    if not args.passages:
        return
    from benchmarks.embedder_throughput import passages
    from indexer.e5.embedder import E5OnnxEmbedder
    from indexer.types import EmbedKind

    embedder = E5OnnxEmbedder(args.models_dir, threads=args.threads)
    texts = passages(args.passages)
    embedder.embed(texts[:8], EmbedKind.PASSAGE)
    tokens = sum(embedder.count_tokens(t) for t in texts)
    start = time.perf_counter()
    for i in range(0, len(texts), 32):
        embedder.embed(texts[i : i + 32], EmbedKind.PASSAGE)
    seconds = time.perf_counter() - start
    achieved = tokens / seconds
    print(
        f"embedder {embedder.id}: {achieved:,.0f} tokens/s = {achieved * MACS_PER_TOKEN / 1e9:.1f} G multiply-adds/s"
        f" = {achieved * per_token:.0%} of the limit"
    )


if __name__ == "__main__":
    main()
