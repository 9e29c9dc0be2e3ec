"""Read one file into a RawDocument: .txt .md .html/.htm .pdf .docx and scanned images (.png .jpg .jpeg .tif
.tiff).  Tables are kept as tables (indexer/tables.py): the text gets a TABLE_MARK line where each one stands;
paged formats get a PAGE_MARK line where each page starts.  Scanned pages are read through `PageOcr`
(indexer/ocr.py); without it they are left unread and the document says so (a file with nothing else is
skipped with what to install)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from indexer.decoding import decode_bytes
from indexer.errors import SkipFile
from indexer.ocr import IMAGE_SUFFIXES, INSTALL_HINT, PageLayout
from indexer.pdf import PageOcr, pages_to_text, read_pdf
from indexer.tables import TABLE_MARK, RawTable, caption_before
from indexer.types import RawDocument, SourceFormat

Loader = Callable[[bytes], RawDocument]


def load_text(data: bytes) -> RawDocument:
    text, encoding = decode_bytes(data)
    return RawDocument(text=text, format=SourceFormat.TEXT, encoding=encoding)


_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


_MD_ROW = re.compile(r"^\s*\|?(.*?\|.*?)\|?\s*$")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def _md_inline(text: str) -> str:
    return _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", _MD_IMAGE.sub("", text)))


def _md_cells(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [_md_inline(c.strip()) for c in re.split(r"(?<!\\)\|", body)]


def _md_tables(text: str) -> tuple[str, list[RawTable]]:
    """Pipe tables (a header row, a |---| rule, body rows) replaced by TABLE_MARK lines."""
    lines = text.split("\n")
    out: list[str] = []
    tables: list[RawTable] = []
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and "|" in lines[i] and _MD_RULE.match(lines[i + 1]) and _MD_ROW.match(lines[i]):
            header = _md_cells(lines[i])
            body = []
            j = i + 2
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                body.append(_md_cells(lines[j]))
                j += 1
            width = max(len(header), *(len(r) for r in body)) if body else len(header)
            grid = tuple(tuple(r + [""] * (width - len(r))) for r in [header, *body])
            tables.append(RawTable(grid, 1, _md_inline(caption_before(out))))
            out.append(f"{TABLE_MARK}{len(tables) - 1}")
            i = j
            continue
        out.append(lines[i])
        i += 1
    return "\n".join(out), tables


def load_markdown(data: bytes) -> RawDocument:
    text, encoding = decode_bytes(data)
    heading = _MD_HEADING.search(text)
    text, tables = _md_tables(text)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    title = _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", heading.group(1))).strip() if heading else None
    return RawDocument(
        text=text, format=SourceFormat.MARKDOWN, encoding=encoding, title=title or None, tables=tuple(tables)
    )


def load_html(data: bytes) -> RawDocument:
    from indexer.html_text import html_to_text

    declared = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.IGNORECASE)
    text, encoding = decode_bytes(data, declared.group(1).decode("ascii") if declared else None)
    body, title, date, tables = html_to_text(text)
    return RawDocument(
        text=body, format=SourceFormat.HTML, encoding=encoding, title=title, date=date, tables=tuple(tables)
    )


def load_pdf(data: bytes, ocr: PageOcr | None = None) -> RawDocument:
    content = read_pdf(data, ocr)
    text, tables = pages_to_text(content.pages, ocr_pages=tuple(content.ocr_pages))
    notes: tuple[str, ...] = ()
    if content.scanned_unread:
        pages = ", ".join(map(str, content.scanned_unread))
        notes = (f"scanned page(s) {pages} not read: {INSTALL_HINT}",)
    if len(re.sub(r"\s|\ue000\d*|\ue001\d*", "", text)) < 20:
        if content.scanned_unread:
            raise SkipFile(f"scanned PDF (no text layer) and OCR is not installed: {INSTALL_HINT}")
        raise SkipFile("PDF has no text (no text layer, no scanned image, nothing OCR could read)")
    return RawDocument(
        text=text,
        format=SourceFormat.PDF,
        title=content.title,
        tables=tuple(tables),
        ocr_pages=tuple(content.ocr_pages),
        notes=notes,
    )


def load_image(data: bytes, ocr: PageOcr | None = None) -> RawDocument:
    """A scanned page (or a multi-page TIFF) read by OCR."""
    from indexer.ocr import image_frames

    try:
        frames = image_frames(data)
    except Exception as exc:  # PIL raises many kinds of errors on a broken image
        raise SkipFile(f"unreadable image ({exc.__class__.__name__})") from exc
    if ocr is None:
        raise SkipFile(f"scanned image and OCR is not installed: {INSTALL_HINT}")
    layouts: list[PageLayout] = [ocr(i) for i in range(frames)]
    pages = [[(kind, value) for kind, _top, value in layout.items] for layout in layouts]
    numbers = tuple(range(1, frames + 1))
    text, tables = pages_to_text(pages, ocr_pages=numbers)
    if len(re.sub(r"\s|\ue000\d*|\ue001\d*", "", text)) < 10:
        raise SkipFile("no text found in the image by OCR")
    return RawDocument(text=text, format=SourceFormat.IMAGE, tables=tuple(tables), ocr_pages=numbers)


def _docx_grid(table: object) -> tuple[tuple[tuple[str, ...], ...], int | None]:
    """A Word table as a grid (merged cells repeated by python-docx in every position they cover) and the number
    of rows marked "repeat as header row", when any are."""
    from docx.oxml.ns import qn

    grid = []
    headers = 0
    counting = True
    for row in table.rows:  # type: ignore[attr-defined]
        grid.append(tuple(cell.text.strip() for cell in row.cells))
        tr_pr = row._tr.trPr
        marked = tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None
        if counting and marked:
            headers += 1
        else:
            counting = False
    width = max((len(r) for r in grid), default=0)
    return tuple(r + ("",) * (width - len(r)) for r in grid), (headers or None)


def load_docx(data: bytes) -> RawDocument:
    import zipfile

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise SkipFile("unreadable DOCX (not a Word document)") from exc
    lines: list[str] = []
    tables: list[RawTable] = []
    title = (document.core_properties.title or "").strip() or None
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = Paragraph(block, document)
            text = paragraph.text.strip()
            if (
                text
                and title is None
                and paragraph.style is not None
                and (paragraph.style.name in ("Title", "Heading 1"))
            ):
                title = text
            lines.append(text)
        elif tag == "tbl":
            grid, headers = _docx_grid(Table(block, document))
            tables.append(RawTable(grid, headers, caption_before(lines)))
            lines.append(f"{TABLE_MARK}{len(tables) - 1}")
    text = "\n".join(lines)
    if not text.strip():
        raise SkipFile("empty DOCX")
    return RawDocument(text=text, format=SourceFormat.DOCX, title=title, tables=tuple(tables))


LOADERS: dict[str, Loader] = {
    ".txt": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
}
OCR_LOADERS = {".pdf": load_pdf, **{suffix: load_image for suffix in IMAGE_SUFFIXES}}


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS or path.suffix.lower() in OCR_LOADERS


def load_bytes(path: Path, data: bytes, ocr: PageOcr | None = None) -> RawDocument:
    """Parse a file's bytes by its extension; raises SkipFile with the reason when it cannot.  `ocr` reads a
    scanned page of this file (None: OCR is not available)."""
    suffix = path.suffix.lower()
    if suffix not in LOADERS and suffix not in OCR_LOADERS:
        raise SkipFile(f"unsupported file type {path.suffix or '(none)'}")
    if not data.strip():
        raise SkipFile("empty file")
    raw = OCR_LOADERS[suffix](data, ocr) if suffix in OCR_LOADERS else LOADERS[suffix](data)
    if not raw.text.strip():
        raise SkipFile("no text found")
    return raw
