"""Read one file into a RawDocument: .txt .md .html/.htm .pdf (text layer) .docx."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from indexer.decoding import decode_bytes
from indexer.errors import SkipFile
from indexer.types import RawDocument, SourceFormat

Loader = Callable[[bytes], RawDocument]


def load_text(data: bytes) -> RawDocument:
    text, encoding = decode_bytes(data)
    return RawDocument(text=text, format=SourceFormat.TEXT, encoding=encoding)


_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", re.MULTILINE)
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")


def load_markdown(data: bytes) -> RawDocument:
    text, encoding = decode_bytes(data)
    heading = _MD_HEADING.search(text)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_HEADING.sub(r"\1", text)
    text = _MD_EMPHASIS.sub(r"\2", text)
    title = _MD_EMPHASIS.sub(r"\2", _MD_LINK.sub(r"\1", heading.group(1))).strip() if heading else None
    return RawDocument(text=text, format=SourceFormat.MARKDOWN, encoding=encoding, title=title or None)


def load_html(data: bytes) -> RawDocument:
    from indexer.html_text import html_to_text

    declared = re.search(rb"<meta[^>]+charset=[\"']?([\w-]+)", data[:4096], re.IGNORECASE)
    text, encoding = decode_bytes(data, declared.group(1).decode("ascii") if declared else None)
    body, title, date = html_to_text(text)
    return RawDocument(text=body, format=SourceFormat.HTML, encoding=encoding, title=title, date=date)


def load_pdf(data: bytes) -> RawDocument:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SkipFile("encrypted PDF")
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or None
    except SkipFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise SkipFile(f"unreadable PDF ({exc.__class__.__name__})") from exc
    text = "\n\n".join(p.strip() for p in pages)
    if len(re.sub(r"\s", "", text)) < 20:
        raise SkipFile("PDF has no text layer (scanned image?); run OCR on it first")
    return RawDocument(text=text, format=SourceFormat.PDF, title=str(meta_title).strip() if meta_title else None)


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
            table = Table(block, document)
            for row in table.rows:
                cells = [cell.text.strip() for cell in row.cells]
                lines.append(" | ".join(c for c in cells if c))
    text = "\n".join(lines)
    if not text.strip():
        raise SkipFile("empty DOCX")
    return RawDocument(text=text, format=SourceFormat.DOCX, title=title)


LOADERS: dict[str, Loader] = {
    ".txt": load_text,
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
    ".docx": load_docx,
}


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in LOADERS


def load_bytes(path: Path, data: bytes) -> RawDocument:
    """Parse a file's bytes by its extension; raises SkipFile with the reason when it cannot."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise SkipFile(f"unsupported file type {path.suffix or '(none)'}")
    if not data.strip():
        raise SkipFile("empty file")
    raw = loader(data)
    if not raw.text.strip():
        raise SkipFile("no text found")
    return raw
