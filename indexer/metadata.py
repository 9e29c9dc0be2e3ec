"""Build a Document from what a loader read: normalise, take the date, clean, find title and provinces."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from indexer.clean import clean_text
from indexer.dates import date_line_kind, publication_date
from indexer.errors import SkipFile
from indexer.gazetteer import Gazetteer
from indexer.normalize import normalize_query, normalize_text
from indexer.types import Document, RawDocument

_CREDIT = re.compile(r"[.\s]*\(?\s*(Ảnh|Nguồn|Photo)\s*:[^)]*\)?\s*$", re.IGNORECASE)


def _title_from_lines(lines: list[str]) -> str | None:
    for line in lines[:6]:
        line = _CREDIT.sub("", line).strip()
        words = line.split()
        alphabetic = sum(any(ch.isalpha() for ch in w) for w in words)
        if 3 <= len(words) <= 40 and alphabetic >= 2 and date_line_kind(line) is None:
            return line.rstrip(" .:")
    return None


def _title_from_source(source: str) -> str:
    stem = PurePosixPath(source).stem
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or source


def build_document(source: str, raw: RawDocument, sha256: str, size: int, gazetteer: Gazetteer) -> Document:
    normalized = normalize_text(raw.text)
    date = raw.date or publication_date(normalized.split("\n"))
    text = clean_text(normalized)
    if len(re.sub(r"\W", "", text)) < 10:
        raise SkipFile("no report text left after removing page chrome")
    title = normalize_query(raw.title) if raw.title else None
    title = title or _title_from_lines(text.split("\n")) or _title_from_source(source)
    return Document(
        source=source,
        title=title,
        text=text,
        sha256=sha256,
        format=raw.format,
        date=date,
        provinces=tuple(gazetteer.provinces_in(text, title)),
        encoding=raw.encoding,
        size=size,
    )
