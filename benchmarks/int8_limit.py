"""How close the default embedder runs to this CPU's int8 arithmetic limit (a benchmark, not a test).

    .venv/bin/python -m benchmarks.int8_limit [--tokens 1024] [--passages 200] [--threads N]

The limit: onnxruntime running e5-small's matrix multiplies alone, at the model's shapes, as the converted
model runs them (dynamically quantised activations x per-channel int8 weights, which onnxruntime fuses into
MatMulIntegerToFloat).  Per token e5-small does 12 layers x (4 x 384 x 384 attention projections + 2 x 384 x
1536 feed-forward) = 21.2 M multiply-adds in these matrices, plus attention scores over the sequence (2 x
seq x 384 per token per layer).  The limit in tokens/s is the measured multiply-add rate divided by that
count; the embedder's tokens/s on real passages (news20k chunks, the indexer's chunker) is then stated as a
share of it.  Both are measured in one run, one after the other, with the same thread count.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

from benchmarks.embedder_throughput import passages
from indexer.e5.embedder import E5OnnxEmbedder
from indexer.types import EmbedKind

HIDDEN, FFN, LAYERS = 384, 1536, 12
# (K, N) of the matrices every token goes through in one layer, with how many of each
LAYER_MATMULS = ((HIDDEN, HIDDEN, 4), (HIDDEN, FFN, 1), (FFN, HIDDEN, 1))


def matmul_graph(rows: int, k: int, n: int, int8: bool) -> bytes:
    """One X[rows, k] @ W[k, n] as the converted model runs it: fp32 in and out, int8 weights when `int8`."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(0)
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [rows, k])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [rows, n])
    if not int8:
        w = numpy_helper.from_array(rng.standard_normal((k, n)).astype(np.float32), "w")
        graph = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "fp32", [x], [y], [w])
    else:
        weights = numpy_helper.from_array(rng.integers(-127, 128, (k, n), dtype=np.int8), "w")
        w_zero = numpy_helper.from_array(np.zeros(n, dtype=np.int8), "w_zero")
        w_scale = numpy_helper.from_array(np.full(n, 0.01, dtype=np.float32), "w_scale")
        nodes = [
            helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "x_scale", "x_zero"]),
            helper.make_node("MatMulInteger", ["xq", "w", "x_zero", "w_zero"], ["acc"]),
            helper.make_node("Cast", ["acc"], ["accf"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["x_scale", "w_scale"], ["scale"]),
            helper.make_node("Mul", ["accf", "scale"], ["y"]),
        ]
        graph = helper.make_graph(nodes, "int8", [x], [y], [weights, w_zero, w_scale])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def multiply_add_rate(rows: int, threads: int, int8: bool, seconds: float = 3.0) -> float:
    """Multiply-adds per second over one layer's matrices (weighted by how many of each a layer has)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    total_work, total_time = 0.0, 0.0
    for k, n, count in LAYER_MATMULS:
        session = ort.InferenceSession(matmul_graph(rows, k, n, int8), options, providers=["CPUExecutionProvider"])
        x = np.random.default_rng(1).standard_normal((rows, k)).astype(np.float32)
        session.run(None, {"x": x})  # warm up
        runs, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / len(LAYER_MATMULS):
            session.run(None, {"x": x})
            runs += 1
        elapsed = (time.perf_counter() - start) / runs
        total_work += count * rows * k * n
        total_time += count * elapsed
    return total_work / total_time


def op_profile(embedder: E5OnnxEmbedder, texts: list[str], threads: int, top: int = 8) -> list[tuple[str, float]]:
    """Share of the model's operator time by operator type, from onnxruntime's own profiler, over `texts`
    embedded in the embedder's batches (its tokenizer, padding and batch shapes)."""
    import json
    import tempfile

    import onnxruntime as ort

    from indexer.e5.convert import ONNX_FILE, PROMPTS, ensure_converted

    runtime = embedder.runtime
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.enable_profiling = True
    options.profile_file_prefix = str(Path(tempfile.mkdtemp()) / "e5")
    model = str(ensure_converted(embedder.models_dir) / ONNX_FILE)
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    encodings = runtime.encode([PROMPTS["passage"] + t for t in texts])
    for batch in embedder._batches([len(e.ids) for e in encodings]):
        ids, mask = runtime._inputs([encodings[i].ids for i in batch])
        session.run(None, {"input_ids": ids, "attention_mask": mask})
    events = json.loads(Path(session.end_profiling()).read_text())
    by_type: dict[str, float] = {}
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            kind = event["args"].get("op_name", "?")
            by_type[kind] = by_type.get(kind, 0.0) + event["dur"]
    total = sum(by_type.values()) or 1.0
    return [(kind, dur / total) for kind, dur in sorted(by_type.items(), key=lambda kv: -kv[1])[:top]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--tokens", type=int, default=1024, help="rows per matrix multiply (the embedder batches up to 1,024 tokens)"
    )
    parser.add_argument("--passages", type=int, default=200, help="news20k chunks the embedder embeds")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--profile", action="store_true", help="also print the operators' shares of model time")
    args = parser.parse_args()

    from service.settings import Settings

    texts = passages(args.passages)
    embedder = E5OnnxEmbedder(threads=args.threads, models_dir=Settings().models_dir)
    embedder.load()
    tokens = sum(embedder.count_tokens(t) for t in texts)
    embedder.embed(texts[:8], EmbedKind.PASSAGE)  # warm up
    start = time.perf_counter()
    for i in range(0, len(texts), 32):
        embedder.embed(texts[i : i + 32], EmbedKind.PASSAGE)
    embed_seconds = time.perf_counter() - start

    int8_rate = multiply_add_rate(args.tokens, args.threads, int8=True)
    fp32_rate = multiply_add_rate(args.tokens, args.threads, int8=False)
    per_token = LAYERS * sum(k * n * count for k, n, count in LAYER_MATMULS)
    print(f"threads {args.threads}, {args.tokens} rows per multiply")
    limit = int8_rate / per_token
    print(f"int8 matrix multiplies: {int8_rate / 1e9:.1f} G multiply-adds/s -> limit {limit:,.0f} tokens/s")
    print(f"fp32 matrix multiplies: {fp32_rate / 1e9:.1f} G multiply-adds/s -> {fp32_rate / per_token:,.0f} tokens/s")
    rate = tokens / embed_seconds
    print(
        f"e5-onnx embedder: {len(texts)} passages, {tokens:,} tokens in {embed_seconds:.1f} s = {rate:,.0f} tokens/s"
        f" = {rate / (int8_rate / per_token):.0%} of the int8 limit ({rate * per_token / 1e9:.1f} G multiply-adds/s"
        " in the projections alone)"
    )

    if args.profile:
        print("model time by operator (onnxruntime profiler, the same passages):")
        for kind, share in op_profile(embedder, texts, args.threads):
            print(f"  {kind:28s} {share:6.1%}")


if __name__ == "__main__":
    main()
