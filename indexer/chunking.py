"""Sentence-aware chunking for Vietnamese with langchain-text-splitters, keeping character offsets.

Separators, tried in order: paragraphs, lines, sentence ends, clause ends, then spaces.  A sentence ends at
". ! ? …" followed by space, except after abbreviations ("TP.", "TS.", "ThS.") and initials; "1.350" and
"0,7" never contain a space, so they are never split.  The space after a number is never a split point, so
a number stays with its unit ("19 điểm cầu").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from langchain_text_splitters import RecursiveCharacterTextSplitter

from indexer.types import Chunk, Document

_ABBREVIATIONS = (
    "TP",
    "Tp",
    "tp",
    "TS",
    "ThS",
    "Ths",
    "GS",
    "PGS",
    "BS",
    "KS",
    "CN",
    "Nxb",
    "NXB",
    "St",
    "Th",
    "No",
    "Mr",
    "Mrs",
    "Dr",
    "v.v",
    "P",
    "Q",
    "H",
)
_NOT_AFTER = "".join(r"(?<!\b" + re.escape(a) + r"\.)" for a in _ABBREVIATIONS)
SENTENCE_END = rf"(?<=[.!?…])(?<![A-ZĐ]\.){_NOT_AFTER}\s+"
CLAUSE_END = r"(?<=[;:])\s+"
COMMA = r"(?<=,)(?<!\d,)\s+"
WORD = r"(?<![\d%])\s+"
SEPARATORS = [r"\n\n+", r"\n", SENTENCE_END, CLAUSE_END, COMMA, WORD]


@dataclass(frozen=True)
class ChunkerSettings:
    size: int = 900
    overlap: int = 150
    min_size: int = 200  # a shorter piece (a heading, a caption) joins the next one
    version: str = "vi-sentence-1"


class Chunker:
    def __init__(self, settings: ChunkerSettings | None = None) -> None:
        self.settings = settings or ChunkerSettings()
        self._splitter = RecursiveCharacterTextSplitter(
            separators=SEPARATORS,
            is_separator_regex=True,
            keep_separator="end",
            chunk_size=self.settings.size,
            chunk_overlap=self.settings.overlap,
            strip_whitespace=True,
        )

    def spans(self, text: str) -> list[tuple[int, int]]:
        """(start, end) of each chunk in `text`."""
        spans: list[tuple[int, int]] = []
        cursor = 0
        for piece in self._splitter.split_text(text):
            if not piece.strip():
                continue
            start = text.find(piece, cursor)
            if start < 0:  # cannot happen with keep_separator; guard so offsets are never wrong
                raise ValueError("a chunk was not found in its document")
            spans.append((start, start + len(piece)))
            cursor = start + 1
        merged: list[tuple[int, int]] = []
        for start, end in spans:
            if (
                merged
                and merged[-1][1] - merged[-1][0] < self.settings.min_size
                and (max(end, merged[-1][1]) - merged[-1][0] <= self.settings.size + self.settings.overlap)
            ):
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        return merged

    def split(self, document: Document) -> list[Chunk]:
        return [
            Chunk(
                source=document.source,
                ordinal=i,
                start=start,
                end=end,
                text=document.text[start:end],
                title=document.title,
            )
            for i, (start, end) in enumerate(self.spans(document.text))
        ]
