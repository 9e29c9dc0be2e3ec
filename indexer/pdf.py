"""PDF pages with pdfplumber: text in reading order (by position on the page, not by the order the content stream
happens to write it), ruled tables with their merged cells, and scanned pages (no text layer) through OCR.

Why pdfplumber (MIT): on Vietnamese pages made here (benchmarks/pdf_ocr_choice.py) it keeps reading order when the
content stream does not (pypdf read such a page at 0.44 character accuracy, pdfplumber and PyMuPDF at 1.00), and it
recovered every cell of the district, plan/actual (merged two-row header) and by-year tables exactly, where
PyMuPDF's table finder got 0.90 and 0.80 of the cells on the first two; PyMuPDF is also AGPL.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from indexer.errors import SkipFile
from indexer.ocr import PageLayout
from indexer.tables import RawTable, caption_before

MIN_TEXT_CHARS = 20  # a page with fewer characters in its text layer is a scan (when it holds an image)
_LIST_START = re.compile(r"^([-+•*–]|[a-zđ]\)|\d{1,2}[.)]|[IVX]{1,4}\.|Điều\s)", re.IGNORECASE)

PageOcr = Callable[[int], PageLayout]  # page index -> what OCR read on it


@dataclass
class PdfContent:
    title: str | None
    pages: list[list[tuple[str, Any]]] = field(default_factory=list)  # per page: ("text", line) / ("table", RawTable)
    ocr_pages: list[int] = field(default_factory=list)  # 1-based
    scanned_unread: list[int] = field(default_factory=list)  # scanned pages left unread (no OCR here)


def _open(data: bytes) -> Any:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        return pdfplumber.open(io.BytesIO(data))
    except PDFPasswordIncorrect as exc:
        raise SkipFile("encrypted PDF") from exc
    except (PDFSyntaxError, ValueError, KeyError, TypeError, OSError, AssertionError) as exc:
        raise SkipFile(f"unreadable PDF ({exc.__class__.__name__})") from exc
    except Exception as exc:  # pdfminer raises a variety of its own errors on broken files
        if "password" in str(exc).lower() or "encrypt" in exc.__class__.__name__.lower():
            raise SkipFile("encrypted PDF") from exc
        raise SkipFile(f"unreadable PDF ({exc.__class__.__name__})") from exc


def _is_scan(page: Any) -> bool:
    text = "".join(c.get("text", "") for c in page.chars)
    return len(re.sub(r"\s", "", text)) < MIN_TEXT_CHARS and bool(page.images)


def scanned_pages(data: bytes) -> list[int]:
    """0-based indexes of the pages that need OCR."""
    with _open(data) as pdf:
        try:
            return [i for i, page in enumerate(pdf.pages) if _is_scan(page)]
        except Exception as exc:
            raise SkipFile(f"unreadable PDF ({exc.__class__.__name__})") from exc


def _grid(table: Any) -> tuple[tuple[str, ...], ...]:
    """pdfplumber's table as a full grid: a merged cell (one bounding box over several columns or rows) fills
    every position it covers."""
    rows = table.rows
    texts = table.extract()
    xs = sorted({round(c[0], 1) for row in rows for c in row.cells if c is not None})
    ys = [round(min(c[1] for c in row.cells if c is not None), 1) for row in rows]
    width, height = len(xs), len(rows)
    grid = [[""] * width for _ in range(height)]
    for r, row in enumerate(rows):
        for c_index, cell in enumerate(row.cells):
            if cell is None:
                continue
            text = texts[r][c_index] if r < len(texts) and c_index < len(texts[r]) else None
            text = " ".join((text or "").split())
            x0, top, x1, bottom = cell
            cols = [i for i, x in enumerate(xs) if x0 - 0.5 <= x < x1 - 0.5]
            span_rows = [i for i, y in enumerate(ys) if top - 0.5 <= y < bottom - 0.5]
            for rr in span_rows or [r]:
                for cc in cols:
                    grid[rr][cc] = text
    return tuple(tuple(row) for row in grid)


def _reflow(lines: list[dict[str, Any]]) -> list[tuple[float, str]]:
    """Text lines joined into paragraphs: a line that fills the width and is followed closely by another continues
    into it (reports justify their paragraphs; headings and list items stand alone)."""
    if not lines:
        return []
    right = max(line["x1"] for line in lines)
    left = min(line["x0"] for line in lines)
    out: list[tuple[float, str]] = []
    prev: dict[str, Any] | None = None
    for line in lines:
        text = line["text"].strip()
        if not text:
            continue
        if prev is not None and out:
            height = max(1.0, prev["bottom"] - prev["top"])
            close = line["top"] - prev["bottom"] < 0.8 * height
            full = prev["x1"] >= left + 0.85 * (right - left)
            if close and full and not _LIST_START.match(text):
                out[-1] = (out[-1][0], f"{out[-1][1]} {text}")
                prev = line
                continue
        out.append((float(line["top"]), text))
        prev = line
    return out


def _text_page(page: Any) -> list[tuple[str, Any]]:
    tables = page.find_tables()
    boxes = [t.bbox for t in tables]

    def outside(obj: dict[str, Any]) -> bool:
        x = (obj["x0"] + obj["x1"]) / 2
        y = (obj["top"] + obj["bottom"]) / 2
        return not any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in boxes)

    free = page.filter(outside) if boxes else page
    items: list[tuple[float, str, Any]] = [(top, "text", text) for top, text in _reflow(free.extract_text_lines())]
    items += [(t.bbox[1], "table", _grid(t)) for t in tables]
    items.sort(key=lambda item: item[0])
    return [(kind, value) for _top, kind, value in items]


def read_pdf(data: bytes, ocr: PageOcr | None) -> PdfContent:
    """Every page's text and tables; scanned pages through `ocr` (None: OCR is not installed, they stay unread)."""
    with _open(data) as pdf:
        try:
            meta_title = pdf.metadata.get("Title") if pdf.metadata else None
            content = PdfContent(str(meta_title).strip() if meta_title else None)
            for i, page in enumerate(pdf.pages):
                if _is_scan(page):
                    if ocr is None:
                        content.scanned_unread.append(i + 1)
                        content.pages.append([])
                        continue
                    layout = ocr(i)
                    content.pages.append([(kind, value) for kind, _top, value in layout.items])
                    content.ocr_pages.append(i + 1)
                else:
                    content.pages.append(_text_page(page))
                page.flush_cache()
        except SkipFile:
            raise
        except Exception as exc:
            raise SkipFile(f"unreadable PDF ({exc.__class__.__name__}: {exc})") from exc
    return content


def pages_to_text(
    pages: list[list[tuple[str, Any]]], first_page: int = 1, ocr_pages: tuple[int, ...] = ()
) -> tuple[str, list[RawTable]]:
    """A document's raw text with page and table markers, and its tables (see indexer/tables.py)."""
    from indexer.tables import PAGE_MARK, TABLE_MARK

    lines: list[str] = []
    tables: list[RawTable] = []
    for offset, items in enumerate(pages):
        number = first_page + offset
        lines.append(f"{PAGE_MARK}{number}")
        for kind, value in items:
            if kind == "text":
                lines.append(str(value))
            else:
                grid = tuple(tuple(str(c) for c in row) for row in value)
                caption = caption_before([line for line in lines if not line.startswith((PAGE_MARK, TABLE_MARK))])
                tables.append(RawTable(grid, None, caption, number, number in ocr_pages))
                lines.append(f"{TABLE_MARK}{len(tables) - 1}")
    return "\n".join(lines), tables
