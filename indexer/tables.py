"""Tables as data: what a loader reads (a grid with merged cells filled in), and the table kept with the
document (header path per column, row labels, cells, where each row's line is in the document text).

A report's table ("Biểu 1. Hạ tầng CNTT cấp huyện") has one or more header rows (merged cells: "Năm 2020" over
"Kế hoạch | Thực hiện"), an index column ("STT", "TT") to ignore, one or more label columns ("Đơn vị", "Chỉ tiêu")
and value columns.  Each row becomes one line of the document text that retrieval sees:

    Biểu 1. Hạ tầng CNTT cấp huyện — Huyện Krông Pắc — Số máy tính: 412; Số máy chủ: 3; …

and the table itself is stored beside the document, so an answer can be read from a cell and cite the table.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from indexer.vietnamese import fold

# Marker lines a loader writes into a document's raw text (private-use characters: never in a report).
PAGE_MARK = "\ue000"  # "\ue000" + page number: the page that starts here
TABLE_MARK = "\ue001"  # "\ue001" + table number: where table n stands in the text
SEPARATOR = " — "

_NUMBER = re.compile(r"^[<>≤≥~±+-]?\s*\d[\d.,\s]*(?:%|\s*[^\W\d_]{1,6}\.?)?$")
_INDEX_HEADER = re.compile(r"^(stt|tt|so tt|so thu tu|no\.?|#)$")
_INDEX_VALUE = re.compile(r"^([0-9]{1,3}|[ivxlc]{1,6}|[a-zđ])[.)]?$", re.IGNORECASE)
_TOTAL = re.compile(r"^(tong cong|tong so|tong|cong|toan tinh|toan thanh pho|ca tinh|chung toan tinh|total)\b")
_CAPTION = re.compile(r"^(biểu|bảng|phụ biểu|phụ lục|table)\s*(số\s*)?[\w.-]*\s*[.:-]?", re.IGNORECASE)


def is_number(text: str) -> bool:
    """A cell that holds a figure ("412", "1.286", "96%", "38,5 tỷ", "-")."""
    t = text.strip()
    return bool(t) and bool(_NUMBER.match(t)) and any(ch.isdigit() for ch in t)


@dataclass(frozen=True)
class RawTable:
    """A table as a loader read it: rows of equal width, a merged cell's text in every position it covers."""

    grid: tuple[tuple[str, ...], ...]
    header_rows: int | None = None  # known from the markup (<thead>/<th>, Word's header rows); else inferred
    caption: str = ""
    page: int | None = None
    ocr: bool = False


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[str, ...]  # one per value column
    total: bool = False  # a "Tổng cộng" row
    start: int = 0  # the row's line in Document.text
    end: int = 0


@dataclass(frozen=True)
class Table:
    caption: str
    label_header: str  # the header of the label column ("Đơn vị")
    columns: tuple[tuple[str, ...], ...]  # header path of each value column: ("Năm 2020", "Kế hoạch")
    rows: tuple[Row, ...]
    page: int | None = None
    ocr: bool = False
    start: int = 0  # the span of the row lines in Document.text
    end: int = 0

    def column_name(self, i: int) -> str:
        return " - ".join(self.columns[i])

    def row_line(self, row: Row) -> str:
        """The line of the document text that stands for a row."""
        parts = [f"{self.column_name(i)}: {v}" if self.column_name(i) else v for i, v in enumerate(row.cells) if v]
        head = [p for p in (_short(self.caption), row.label) if p]
        return SEPARATOR.join([*head, "; ".join(parts)]) if parts else SEPARATOR.join(head)

    def to_json(self) -> dict[str, Any]:
        return {
            "caption": self.caption,
            "label_header": self.label_header,
            "columns": [list(c) for c in self.columns],
            "rows": [[r.label, list(r.cells), r.total, r.start, r.end] for r in self.rows],
            "page": self.page,
            "ocr": self.ocr,
            "start": self.start,
            "end": self.end,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Table:
        return cls(
            caption=data["caption"],
            label_header=data["label_header"],
            columns=tuple(tuple(c) for c in data["columns"]),
            rows=tuple(Row(r[0], tuple(r[1]), r[2], r[3], r[4]) for r in data["rows"]),
            page=data["page"],
            ocr=data["ocr"],
            start=data["start"],
            end=data["end"],
        )


def _short(caption: str, limit: int = 90) -> str:
    return caption if len(caption) <= limit else caption[: caption.rfind(" ", 0, limit)].rstrip(" ,.;:") + " …"


def _folded(text: str) -> str:
    return " ".join(fold(text).lower().split())


def spans_filled(cells: Sequence[Sequence[tuple[str, int, int]]]) -> tuple[tuple[str, ...], ...]:
    """A grid from rows of (text, colspan, rowspan) cells in markup order (HTML, and Word's merges): a merged
    cell's text goes into every position it covers, later rows skipping positions covered from above."""
    grid: dict[tuple[int, int], str] = {}
    width = 0
    for r, row in enumerate(cells):
        c = 0
        for text, colspan, rowspan in row:
            while (r, c) in grid:
                c += 1
            for dr in range(max(1, rowspan)):
                for dc in range(max(1, colspan)):
                    grid[(r + dr, c + dc)] = text
            c += max(1, colspan)
        width = max(width, c, max((k[1] + 1 for k in grid if k[0] == r), default=0))
    height = len(cells)
    return tuple(tuple(grid.get((r, c), "") for c in range(width)) for r in range(height))


def _clean_cell(text: str) -> str:
    return " ".join(text.replace("|", " ").split())


def _header_rows(grid: Sequence[Sequence[str]], label_cols: int) -> int:
    """Leading rows that name columns: no figure in a value column (a year alone names a column)."""
    n = 0
    for row in grid[:4]:
        values = [v for v in row[label_cols:] if v]
        figures = [v for v in values if is_number(v) and not re.fullmatch(r"(19|20)\d\d", v.strip())]
        if not values or figures:
            break
        n += 1
    return max(1, n) if len(grid) > 1 else 0


def _is_index_column(header: str, values: Sequence[str]) -> bool:
    filled = [v for v in values if v]
    return bool(_INDEX_HEADER.match(_folded(header))) or (
        bool(filled) and all(_INDEX_VALUE.match(v) for v in filled) and len(filled) >= 2 and not header
    )


def structure(raw: RawTable, normalise: Callable[[str], str] = _clean_cell) -> Table | None:
    """The table's header paths, label column and rows; None for a table that holds no figures (a layout table:
    the signature block, the national motto beside the agency's name)."""
    grid = [[normalise(c) for c in row] for row in raw.grid]
    grid = [row for row in grid if any(row)]
    if len(grid) < 2:
        return None
    width = max(len(r) for r in grid)
    grid = [r + [""] * (width - len(r)) for r in grid]
    keep = [c for c in range(width) if any(row[c] for row in grid)]
    grid = [[row[c] for c in keep] for row in grid]
    width = len(keep)
    if width < 2:
        return None
    # label columns: the leading columns with no figures in the body (an index column among them is dropped)
    body_guess = grid[1:]
    label_cols = 0
    for c in range(width - 1):
        column = [row[c] for row in body_guess]
        if any(is_number(v) for v in column) and not _is_index_column(grid[0][c], column):
            break
        label_cols = c + 1
    heads = raw.header_rows if raw.header_rows is not None else _header_rows(grid, max(1, label_cols))
    heads = min(max(heads, 1), len(grid) - 1)
    header, body = grid[:heads], grid[heads:]
    if not any(is_number(v) for row in body for v in row[label_cols:]):
        return None
    index = [c for c in range(label_cols) if _is_index_column(header[-1][c], [row[c] for row in body])]
    labels = [c for c in range(label_cols) if c not in index]
    if not labels:  # no text column: the first column names the rows
        labels = [0]
    values = [c for c in range(width) if c not in labels and c not in index]
    if not values:
        return None
    columns = []
    for c in values:
        path: list[str] = []
        for row in header:
            if row[c] and row[c] not in path:
                path.append(row[c])
        columns.append(tuple(path))
    label_header = " - ".join(dict.fromkeys(row[c] for c in labels for row in header if row[c]))
    rows = []
    for row in body:
        label = " - ".join(dict.fromkeys(row[c] for c in labels if row[c]))
        cells = tuple(row[c] for c in values)
        if not any(cells):
            continue  # a section heading inside the table ("I. Cấp huyện")
        rows.append(Row(label, cells, bool(_TOTAL.match(_folded(label)))))
    if not rows:
        return None
    return Table(_clean_cell(normalise(raw.caption)), label_header, tuple(columns), tuple(rows), raw.page, raw.ocr)


def caption_before(lines: Sequence[str]) -> str:
    """The caption of a table from the lines just before it: "Biểu 1. …"/"Bảng 2 …", or a short line that does not
    end a sentence."""
    recent = [line.strip() for line in lines[-3:] if line.strip()]
    for line in reversed(recent):
        if _CAPTION.match(line) and len(line) <= 200:
            return line
    if recent and len(recent[-1]) <= 120 and not recent[-1].endswith((".", ";", "!", "?")):
        return recent[-1]
    return ""


@dataclass
class TableText:
    """Builds a document's text with its tables' row lines in place, keeping each row's offsets."""

    parts: list[str] = field(default_factory=list)
    length: int = 0
    last: str = ""  # the last character written

    def add(self, text: str) -> tuple[int, int]:
        start = self.length
        if text:
            self.parts.append(text)
            self.length += len(text)
            self.last = text[-1]
        return start, self.length

    def text(self) -> str:
        return "".join(self.parts)


def place_rows(table: Table, builder: TableText) -> Table:
    """Write the table's row lines and return the table with their offsets."""
    rows = []
    start = builder.length
    for i, row in enumerate(table.rows):
        if i:
            builder.add("\n")
        a, b = builder.add(table.row_line(row))
        rows.append(replace(row, start=a, end=b))
    return replace(table, rows=tuple(rows), start=start, end=builder.length)
