"""Bytes -> text: BOMs, UTF-8, UTF-16, Windows-1258 and legacy Vietnamese (TCVN3, VNI)."""

from __future__ import annotations

import codecs
import re

from indexer.errors import SkipFile
from indexer.legacy import decode_legacy
from indexer.vietnamese import vietnamese_ratio

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _looks_binary(text: str) -> bool:
    sample = text[:20000]
    return bool(sample) and len(_CONTROL.findall(sample)) / len(sample) > 0.01


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text saved without a BOM has a NUL in every other byte of its ASCII characters."""
    sample = data[:4000]
    if len(sample) < 4:
        return None
    for encoding, zeros in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        if zeros.count(0) > 0.4 * len(zeros):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode a file's bytes; returns (text, encoding name).  Raises SkipFile for binary or unknown data."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return _finish(data.decode(name), name)
            except UnicodeDecodeError as exc:
                raise SkipFile(f"invalid {name} text after its byte-order mark") from exc
    if b"\x00" in data[:4000]:
        text = _utf16_without_bom(data)
        if text is None:
            raise SkipFile("binary file (NUL bytes), not text")
        return _finish(text, "utf-16")
    try:
        return _finish(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    candidates = []
    for name in filter(None, (declared, "cp1258", "latin-1")):
        try:
            text = data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
        text, legacy = decode_legacy(text)
        candidates.append((vietnamese_ratio(text), legacy or name, text))
    if not candidates:
        raise SkipFile("unrecognised text encoding")
    ratio, name, text = max(candidates, key=lambda c: c[0])
    if ratio < 0.6:
        raise SkipFile("unrecognised text encoding (not UTF-8/16, TCVN3, VNI or Windows-1258 Vietnamese)")
    return _finish(text, name)


def _finish(text: str, name: str) -> tuple[str, str]:
    if _looks_binary(text):
        raise SkipFile("binary data, not text")
    converted, legacy = decode_legacy(text)
    return converted, (f"{name}+{legacy}" if legacy and legacy not in name else name)
