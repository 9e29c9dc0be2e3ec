"""Answer units: the sentences (and, for long sentences, clauses) of a document, with offsets.

The answerer picks the unit that answers a question and the phrase inside it; each unit is embedded at
index time so that choosing among them costs no embedding at query time.
"""

from __future__ import annotations

import re

from indexer.chunking import SENTENCE_END

_SENTENCE = re.compile(rf"\n+|{SENTENCE_END}")
_CLAUSE = re.compile(r"(?<=[;:])\s+")
_COMMA = re.compile(r"(?<=,)(?<!\d,)\s+(?=\S)")
MAX_UNIT = 400
MIN_UNIT = 12


def _pieces(text: str, start: int, end: int, splitter: re.Pattern[str]) -> list[tuple[int, int]]:
    spans, cursor = [], start
    for m in splitter.finditer(text, start, end):
        spans.append((cursor, m.start()))
        cursor = m.end()
    spans.append((cursor, end))
    return [(s, e) for s, e in spans if e > s]


def _merge_short(spans: list[tuple[int, int]], limit: int) -> list[tuple[int, int]]:
    """Join neighbouring clauses while the result stays under `limit` characters."""
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and e - merged[-1][0] <= limit and (merged[-1][1] - merged[-1][0] < 60 or e - s < 40):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def unit_spans(text: str) -> list[tuple[int, int]]:
    units: list[tuple[int, int]] = []
    for s, e in _pieces(text, 0, len(text), _SENTENCE):
        if e - s <= MAX_UNIT:
            units.append((s, e))
            continue
        for cs, ce in _merge_short(_pieces(text, s, e, _CLAUSE), MAX_UNIT):
            if ce - cs <= MAX_UNIT:
                units.append((cs, ce))
            else:
                units.extend(_merge_short(_pieces(text, cs, ce, _COMMA), MAX_UNIT))
    out = []
    for s, e in units:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e - s >= MIN_UNIT and any(ch.isalnum() for ch in text[s:e]):
            out.append((s, e))
    return out
