"""Build a Document from what a loader read: normalise, take the date, clean, find title, provinces (those named
and those it is about) and kind."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from indexer.clean import clean_text
from indexer.dates import date_line_kind, publication_date
from indexer.errors import SkipFile
from indexer.gazetteer import Gazetteer
from indexer.kinds import document_kind
from indexer.normalize import normalize_query, normalize_text
from indexer.tables import PAGE_MARK, TABLE_MARK, RawTable, Table, TableText, place_rows, structure
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


def _layout_table_lines(raw: RawTable) -> list[str]:
    """A table without figures (page layout, a signature block) as plain lines, one a row."""
    lines = []
    for row in raw.grid:
        cells = list(dict.fromkeys(normalize_query(c) for c in row if c.strip()))
        if cells:
            lines.append(" | ".join(cells))
    return lines


def place_markers(
    text: str, raw_tables: tuple[RawTable, ...]
) -> tuple[str, tuple[tuple[int, int], ...], tuple[Table, ...]]:
    """The cleaned text without the loader's markers: each table's row lines where the table stood (offsets
    kept in the tables), and where each page starts."""
    items: list[str | Table | int] = []  # a line, a table, or a page number
    for line in text.split("\n"):
        if line.startswith(PAGE_MARK) and line[1:].isdigit():
            items.append(int(line[1:]))
        elif line.startswith(TABLE_MARK) and line[1:].isdigit() and int(line[1:]) < len(raw_tables):
            raw = raw_tables[int(line[1:])]
            table = structure(raw, normalize_query)
            if table is None:
                items.extend(_layout_table_lines(raw))
            else:
                items.append(table)
        elif line.startswith((PAGE_MARK, TABLE_MARK)):
            continue
        else:
            items.append(line)
    builder = TableText()
    pages: list[tuple[int, int]] = []
    tables: list[Table] = []
    blank = True  # no blank line at the start, never two in a row
    for item in items:
        if isinstance(item, int):
            pages.append((item, builder.length))
            continue
        if isinstance(item, str) and not item.strip():
            if not blank:
                builder.add("\n")
                blank = True
            continue
        if builder.length and builder.last != "\n":
            builder.add("\n")
        if isinstance(item, Table):
            tables.append(place_rows(item, builder))
        else:
            builder.add(item)
        blank = False
    out = builder.text().rstrip()
    pages = [(n, min(start, len(out))) for n, start in pages]
    return out, tuple(pages), tuple(tables)


def build_document(source: str, raw: RawDocument, sha256: str, size: int, gazetteer: Gazetteer) -> Document:
    normalized = normalize_text(raw.text)
    date = raw.date or publication_date(normalized.split("\n"))
    text, pages, tables = place_markers(clean_text(normalized), raw.tables)
    if len(re.sub(r"\W", "", text)) < 10:
        raise SkipFile("no report text left after removing page chrome")
    title = normalize_query(raw.title) if raw.title else None
    title = title or _title_from_lines(text.split("\n")) or _title_from_source(source)
    places = gazetteer.profile(text, title)
    return Document(
        source=source,
        title=title,
        text=text,
        sha256=sha256,
        format=raw.format,
        date=date,
        provinces=tuple(places.provinces),
        encoding=raw.encoding,
        size=size,
        pages=pages,
        ocr_pages=raw.ocr_pages,
        tables=tables,
        subjects=tuple(places.subjects),
        kind=document_kind(title, text),
    )
