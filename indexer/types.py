"""The things that flow between indexing stages: frozen dataclasses with content-derived ids."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum

from indexer.kinds import DocumentKind
from indexer.tables import RawTable, Table

DEFAULT_COLLECTION = "default"  # where documents go when no collection is named (one index for everyone)
_COLLECTION_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


def check_collection(name: str) -> str:
    """A collection name: lower-case ASCII letters, digits and inner hyphens, 1-64 long ("so-tai-chinh")."""
    if not _COLLECTION_NAME.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a collection name: use 1-64 lower-case letters a-z, digits and inner hyphens, "
            "e.g. so-tai-chinh"
        )
    return name


def collection_source(collection: str, relative: str) -> str:
    """The source id of a file: its path in the collection's folder, under the collection's name unless the
    collection is the default one (whose ids stay the plain relative paths)."""
    return relative if collection == DEFAULT_COLLECTION else f"{collection}/{relative}"


class SourceFormat(StrEnum):
    TEXT = "txt"
    MARKDOWN = "md"
    HTML = "html"
    PDF = "pdf"
    DOCX = "docx"
    IMAGE = "image"


class EmbedKind(StrEnum):
    QUERY = "query"
    PASSAGE = "passage"


@dataclass(frozen=True)
class RawDocument:
    """What a loader read from one file, before cleaning."""

    text: str
    format: SourceFormat
    encoding: str | None = None
    title: str | None = None  # a title the format carries (HTML <title>, DOCX properties, Markdown "# ")
    date: str | None = None  # a date the format carries (HTML meta), ISO "YYYY-MM-DD"
    # the text holds PAGE_MARK lines where pages start and a TABLE_MARK line where each table stands
    tables: tuple[RawTable, ...] = ()
    ocr_pages: tuple[int, ...] = ()  # pages read by OCR (1-based)
    notes: tuple[str, ...] = ()  # what was left unread and why (scanned pages without OCR installed)


@dataclass(frozen=True)
class Document:
    """One indexed file.  `text` is the normalised text that chunk offsets index."""

    source: str  # path relative to the corpus root, with "/" separators
    title: str
    text: str
    sha256: str  # of the file's bytes
    format: SourceFormat
    date: str | None = None  # report/publication date, ISO "YYYY-MM-DD"
    provinces: tuple[str, ...] = ()  # provinces the document names (the province filter), most salient first
    encoding: str | None = None
    size: int = 0
    pages: tuple[tuple[int, int], ...] = ()  # (page number, offset in text where it starts), for paged formats
    ocr_pages: tuple[int, ...] = ()  # pages read by OCR
    tables: tuple[Table, ...] = ()  # with the offsets of their row lines in text
    collection: str = DEFAULT_COLLECTION
    # the provinces it is about (indexer/gazetteer.py `subjects`); None: read from an index that did not keep them
    subjects: tuple[str, ...] | None = None
    kind: DocumentKind = DocumentKind.NEWS  # report, plan, decision or news (indexer/kinds.py)

    @property
    def about(self) -> tuple[str, ...]:
        """The provinces it is about (those it names, for an index from before subjects were kept)."""
        return self.provinces if self.subjects is None else self.subjects

    def page_at(self, offset: int) -> int | None:
        """The page an offset of the text is on (None for formats without pages)."""
        page = None
        for number, start in self.pages:
            if start > offset:
                break
            page = number
        return page

    def tables_between(self, start: int, end: int) -> list[Table]:
        return [t for t in self.tables if t.start < end and start < t.end]


def chunk_id_for(source: str, start: int, text: str) -> str:
    return hashlib.sha256(f"{source}\x00{start}\x00{text}".encode()).hexdigest()[:20]


def embed_hash_for(embed_text: str) -> str:
    return hashlib.sha256(embed_text.encode()).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """A passage of a document: `document.text[start:end] == text`."""

    source: str
    ordinal: int
    start: int
    end: int
    text: str
    title: str = ""
    segmented: str = ""  # underthesea word segmentation, lower case ("quảng_nam có bao_nhiêu ...")
    folded: str = ""  # the same without diacritics ("quang_nam co bao_nhieu ...")
    chunk_id: str = field(default="")

    def __post_init__(self) -> None:
        if not self.chunk_id:
            object.__setattr__(self, "chunk_id", chunk_id_for(self.source, self.start, self.text))

    @property
    def embed_text(self) -> str:
        """What the embedder sees: the title gives a passage its context."""
        return f"{self.title}\n{self.text}" if self.title else self.text


@dataclass(frozen=True)
class SkippedFile:
    source: str
    reason: str


@dataclass
class IndexSummary:
    """What an indexing run did, for the CLI's summary and the tests."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # files indexed with something left unread, and why
    ocr_pages: int = 0  # pages OCR'd in this run (not read from the OCR cache)
    chunks: int = 0
    embedded_chunks: int = 0
    published: bool = False
    generation: str | None = None
    index_dir: str = ""

    @property
    def documents(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)
