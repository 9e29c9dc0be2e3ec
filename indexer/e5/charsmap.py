"""Build a SentencePiece "precompiled charsmap" from a per-codepoint normalisation map.

Hugging Face tokenizers' `Precompiled` normaliser (the one XLM-R's tokenizer.json uses) reads this blob:
a little-endian u32 with the trie's size in bytes, a darts-clone double-array trie over the UTF-8 bytes of
each key, then the replacement strings, each NUL-terminated; a key's value is the byte offset of its
replacement.  The trie is searched by XOR: a node at position p with offset o keeps its child for byte c at
p ^ o ^ c and, when a key ends there, the value unit at p ^ o.  A unit packs the label (bits 0–7), a
has-leaf flag (bit 8) and the offset (bits 10–30); value units have bit 31 set.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

_MAX_OFFSET = 1 << 21


@dataclass
class _Node:
    children: dict[int, _Node] = field(default_factory=dict)
    value: int | None = None


def build_charsmap(mapping: dict[int, str]) -> bytes:
    """The precompiled charsmap that rewrites each codepoint of `mapping` to its replacement string."""
    strings = bytearray()
    root = _Node()
    for codepoint in sorted(mapping):
        node = root
        for byte in chr(codepoint).encode("utf-8"):
            node = node.children.setdefault(byte, _Node())
        node.value = len(strings)
        strings += mapping[codepoint].encode("utf-8") + b"\0"
    units = _double_array(root)
    trie = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie)) + trie + bytes(strings)


def _double_array(root: _Node) -> list[int]:
    units: dict[int, int] = {0: 0}
    used_bases: set[int] = set()
    search_from = 1
    pending: list[tuple[_Node, int]] = [(root, 0)]
    while pending:
        node, position = pending.pop()
        labels = sorted(node.children)
        needed = ([0] if node.value is not None else []) + labels
        base = search_from
        while base in used_bases or any((base ^ label) in units for label in needed):
            base += 1
        while search_from in units:
            search_from += 1
        offset = position ^ base
        if offset >= _MAX_OFFSET:
            raise ValueError("normalisation map too large for a simple double array")
        used_bases.add(base)
        label = units[position] & 0xFF
        units[position] = (offset << 10) | (0x100 if node.value is not None else 0) | label
        if node.value is not None:
            units[base] = (1 << 31) | node.value
        for byte in labels:
            units[base ^ byte] = byte  # label now, offset filled when the child is placed
            pending.append((node.children[byte], base ^ byte))
    size = max(units) + 1
    return [units.get(i, 0) for i in range(size)]


def lookup(charsmap: bytes, key: str) -> str | None:
    """The replacement of the shortest key that prefixes `key` (how HF's reader picks), or None (a check)."""
    (trie_bytes,) = struct.unpack_from("<I", charsmap, 0)
    units = struct.unpack_from(f"<{trie_bytes // 4}I", charsmap, 4)
    strings = charsmap[4 + trie_bytes :]
    position = (units[0] >> 10) << ((units[0] & 0x200) >> 6)
    for byte in key.encode("utf-8"):
        position ^= byte
        if position >= len(units):
            return None
        unit = units[position]
        if unit & ((1 << 31) | 0xFF) != byte:
            return None
        position ^= (unit >> 10) << ((unit & 0x200) >> 6)
        if unit & 0x100:
            value = units[position] & ((1 << 31) - 1)
            end = strings.index(b"\0", value)
            return strings[value:end].decode("utf-8")
    return None
