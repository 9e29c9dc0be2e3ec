"""The chunk store: one SQLite file with documents (text, pages, tables) and chunks (text, offsets, lexical forms).

Row `row` of the chunks table is row `row` of the vector matrix and of the FAISS index.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.kinds import DocumentKind, document_kind
from indexer.tables import Table
from indexer.types import DEFAULT_COLLECTION, Chunk, Document, SourceFormat, embed_hash_for

STORE_NAME = "store.sqlite"

_SCHEMA = """
CREATE TABLE documents (
    doc_id INTEGER PRIMARY KEY, source TEXT NOT NULL UNIQUE, title TEXT NOT NULL, date TEXT,
    provinces TEXT NOT NULL, sha256 TEXT NOT NULL, format TEXT NOT NULL, encoding TEXT,
    size INTEGER NOT NULL, text TEXT NOT NULL,
    pages TEXT NOT NULL DEFAULT '[]',  -- [[page number, start offset], ...]
    ocr_pages TEXT NOT NULL DEFAULT '[]',
    tables TEXT NOT NULL DEFAULT '[]',  -- indexer.tables.Table.to_json() of each table
    collection TEXT NOT NULL DEFAULT 'default',
    subjects TEXT,  -- JSON list of the provinces it is about; NULL: not known
    kind TEXT NOT NULL DEFAULT 'news'  -- indexer.kinds.DocumentKind
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc_id INTEGER NOT NULL REFERENCES documents,
    ordinal INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
    segmented TEXT NOT NULL, folded TEXT NOT NULL, embed_hash TEXT NOT NULL
);
CREATE TABLE units (
    unit_row INTEGER PRIMARY KEY, doc_id INTEGER NOT NULL REFERENCES documents, start INTEGER NOT NULL,
    "end" INTEGER NOT NULL, embed_hash TEXT NOT NULL
);
CREATE INDEX chunks_doc ON chunks(doc_id);
CREATE INDEX units_doc ON units(doc_id, start);
CREATE INDEX chunks_embed_hash ON chunks(embed_hash);
"""


@dataclass(frozen=True)
class DocumentInfo:
    """What a query filters on, for every document, held in memory (the text is read on demand)."""

    source: str
    title: str
    date: str | None
    provinces: tuple[str, ...]
    collection: str
    subjects: tuple[str, ...] | None = None  # the provinces it is about; None: a store that did not keep them
    kind: DocumentKind | None = None  # report, plan, decision or news; None: a store that did not keep it

    @property
    def about(self) -> tuple[str, ...]:
        """The provinces it is about (those it names, for a store from before subjects were kept)."""
        return self.provinces if self.subjects is None else self.subjects


@dataclass(frozen=True)
class ListedDocument:
    """A row of the documents' list: what `DocumentInfo` holds, and its format and length (read per page)."""

    info: DocumentInfo
    format: str
    chars: int


@dataclass(frozen=True)
class StoredChunk:
    row: int
    chunk: Chunk
    embed_hash: str


@dataclass(frozen=True)
class Unit:
    """An answer unit (sentence or clause) of a document; row `row` of the unit vectors."""

    row: int
    source: str
    start: int
    end: int
    text: str
    embed_hash: str = ""


def unit_hash(text: str) -> str:
    return embed_hash_for("unit\x00" + text)


def write_store(
    path: Path,
    documents: Sequence[Document],
    chunks: Sequence[tuple[Chunk, str]],
    units: Sequence[tuple[str, int, int, str]] = (),
) -> None:
    """Write documents, (chunk, embed_hash) pairs (chunk i gets row i) and (source, start, end, embed_hash)
    answer units (unit i gets unit row i)."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(_SCHEMA)
        doc_ids = {}
        for doc_id, d in enumerate(documents):
            doc_ids[d.source] = doc_id
            conn.execute(
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    doc_id,
                    d.source,
                    d.title,
                    d.date,
                    json.dumps(list(d.provinces), ensure_ascii=False),
                    d.sha256,
                    d.format.value,
                    d.encoding,
                    d.size,
                    d.text,
                    json.dumps([list(p) for p in d.pages]),
                    json.dumps(list(d.ocr_pages)),
                    json.dumps([t.to_json() for t in d.tables], ensure_ascii=False),
                    d.collection,
                    None if d.subjects is None else json.dumps(list(d.subjects), ensure_ascii=False),
                    d.kind.value,
                ),
            )
        conn.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                (row, c.chunk_id, doc_ids[c.source], c.ordinal, c.start, c.end, c.text, c.segmented, c.folded, h)
                for row, (c, h) in enumerate(chunks)
            ),
        )
        conn.executemany(
            "INSERT INTO units VALUES (?,?,?,?,?)",
            ((row, doc_ids[source], start, end, h) for row, (source, start, end, h) in enumerate(units)),
        )
        conn.commit()
    finally:
        conn.close()


def documents_of_collection(path: Path, collection: str) -> dict[str, str]:
    """Source -> sha256 of the file, for one collection's documents of a published store (read without
    loading the store)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        columns = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
        if "collection" in columns:
            query = conn.execute("SELECT source, sha256 FROM documents WHERE collection = ?", (collection,))
            return dict(query.fetchall())
        # a generation from before collections: all of it is the default collection
        return dict(conn.execute("SELECT source, sha256 FROM documents")) if collection == DEFAULT_COLLECTION else {}
    finally:
        conn.close()


class ChunkStore:
    """Read side of a published store (read-only, safe to share between threads).

    What every query needs about every document (`DocumentInfo`: source, title, date, provinces, collection,
    the provinces it is about and its kind) is held in memory; a document's text, pages and tables are read
    when a hit or an answer needs them and kept for the `DOCUMENT_CACHE` most recent documents — at a million
    passages the texts alone would not fit in a serving process's memory budget.
    """

    DOCUMENT_CACHE = 2048

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        columns = {r[1] for r in self._conn.execute("PRAGMA table_info(documents)")}
        collection = "collection" if "collection" in columns else f"'{DEFAULT_COLLECTION}'"
        subjects = "subjects" if "subjects" in columns else "NULL"  # a store from before they were kept
        kind = "kind" if "kind" in columns else "NULL"
        self._infos: dict[int, DocumentInfo] = {
            r[0]: DocumentInfo(
                r[1],
                r[2],
                r[3],
                tuple(json.loads(r[4])),
                r[5],
                None if r[6] is None else tuple(json.loads(r[6])),
                None if r[7] is None else DocumentKind(r[7]),
            )
            for r in self._conn.execute(
                f"SELECT doc_id, source, title, date, provinces, {collection}, {subjects}, {kind} FROM documents "
                "ORDER BY doc_id"
            )
        }
        self._doc_ids = {info.source: i for i, info in self._infos.items()}
        rows = self._conn.execute("SELECT doc_id FROM chunks ORDER BY row").fetchall()
        self.doc_of_row: np.ndarray = np.fromiter((r[0] for r in rows), dtype=np.int32, count=len(rows))
        self._full = functools.lru_cache(maxsize=self.DOCUMENT_CACHE)(self._read_document)

    def _read_document(self, doc_id: int) -> Document:
        r = self._conn.execute("SELECT * FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return self._document(r)

    @staticmethod
    def _document(r: sqlite3.Row) -> Document:
        keys = r.keys()  # a generation written before pages and tables were kept has none

        def listed(name: str) -> list:
            return json.loads(r[name]) if name in keys else []

        return Document(
            source=r["source"],
            title=r["title"],
            text=r["text"],
            sha256=r["sha256"],
            format=SourceFormat(r["format"]),
            date=r["date"],
            provinces=tuple(json.loads(r["provinces"])),
            encoding=r["encoding"],
            size=r["size"],
            pages=tuple((int(n), int(start)) for n, start in listed("pages")),
            ocr_pages=tuple(int(n) for n in listed("ocr_pages")),
            tables=tuple(Table.from_json(t) for t in listed("tables")),
            collection=r["collection"] if "collection" in keys else DEFAULT_COLLECTION,
            subjects=tuple(json.loads(r["subjects"])) if "subjects" in keys and r["subjects"] is not None else None,
            kind=DocumentKind(r["kind"]) if "kind" in keys else document_kind(r["title"], r["text"]),
        )

    def close(self) -> None:
        self._conn.close()

    def __len__(self) -> int:
        return len(self.doc_of_row)

    def documents(self) -> list[Document]:
        """Every document, with its text (reads them all: for indexing and listing, not for queries)."""
        return [self._document(r) for r in self._conn.execute("SELECT * FROM documents ORDER BY doc_id")]

    def infos(self) -> dict[int, DocumentInfo]:
        """Document id -> what queries filter on (row r of the chunks belongs to document `doc_of_row[r]`)."""
        return self._infos

    @functools.cached_property
    def _listing_order(self) -> list[int]:
        """Document ids by (collection, source): the order of the documents' list, sorted once."""
        return sorted(self._infos, key=lambda i: (self._infos[i].collection, self._infos[i].source))

    def listing(self, collections: frozenset[str] | None, offset: int, limit: int) -> tuple[int, list[ListedDocument]]:
        """One page of the documents of `collections` (None: all) by collection and source, and how many there
        are in all; only the page's rows are read from disk (a million-passage index holds ~10^5 documents)."""
        ids = self._listing_order
        if collections is not None:
            ids = [i for i in ids if self._infos[i].collection in collections]
        page = ids[offset : offset + limit]
        marks = ",".join("?" * len(page))
        read = self._conn.execute(f"SELECT doc_id, format, length(text) FROM documents WHERE doc_id IN ({marks})", page)
        details = {r[0]: (r[1], r[2]) for r in read}
        return len(ids), [ListedDocument(self._infos[i], *details[i]) for i in page]

    def collections(self) -> dict[str, int]:
        """Collection name -> how many documents it holds."""
        counts: dict[str, int] = {}
        for info in self._infos.values():
            counts[info.collection] = counts.get(info.collection, 0) + 1
        return counts

    def document(self, source: str) -> Document | None:
        doc_id = self._doc_ids.get(source)
        return None if doc_id is None else self._full(doc_id)

    def document_of_row(self, row: int) -> Document:
        return self._full(int(self.doc_of_row[row]))

    def chunks(self, rows: Iterable[int]) -> list[StoredChunk]:
        rows = list(rows)
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        found = {r["row"]: r for r in self._conn.execute(f"SELECT * FROM chunks WHERE row IN ({marks})", rows)}
        return [self._stored(found[row]) for row in rows if row in found]

    def all_chunks(self) -> list[StoredChunk]:
        return [self._stored(r) for r in self._conn.execute("SELECT * FROM chunks ORDER BY row")]

    def chunk_at(self, source: str, offset: int) -> StoredChunk | None:
        """The first chunk of a document that holds `offset`."""
        doc_id = self._doc_ids.get(source)
        if doc_id is None:
            return None
        r = self._conn.execute(
            'SELECT * FROM chunks WHERE doc_id = ? AND start <= ? AND "end" > ? ORDER BY row LIMIT 1',
            (doc_id, offset, offset),
        ).fetchone()
        return self._stored(r) if r is not None else None

    def units_between(self, source: str, start: int, end: int) -> list[Unit]:
        """Units of a document that overlap [start, end)."""
        doc_id = self._doc_ids.get(source)
        if doc_id is None:
            return []
        document = self._full(doc_id)
        rows = self._conn.execute(
            'SELECT unit_row, start, "end", embed_hash FROM units WHERE doc_id = ? AND start < ? AND "end" > ? '
            "ORDER BY start",
            (doc_id, end, start),
        ).fetchall()
        return [Unit(r[0], source, r[1], r[2], document.text[r[1] : r[2]], r[3]) for r in rows]

    def unit_rows_of_chunks(self, rows: list[int]) -> dict[int, list[int]]:
        """The answer-unit rows each chunk row overlaps, in one query."""
        if not rows:
            return {}
        marks = ",".join("?" * len(rows))
        found: dict[int, list[int]] = {}
        for chunk_row, unit_row in self._conn.execute(
            f'SELECT c.row, u.unit_row FROM chunks c JOIN units u ON u.doc_id = c.doc_id AND u.start < c."end" '
            f'AND u."end" > c.start WHERE c.row IN ({marks})',
            rows,
        ):
            found.setdefault(chunk_row, []).append(unit_row)
        return found

    def all_units(self) -> list[Unit]:
        rows = self._conn.execute('SELECT unit_row, doc_id, start, "end", embed_hash FROM units ORDER BY unit_row')
        texts = {i: text for i, text in self._conn.execute("SELECT doc_id, text FROM documents")}
        out = []
        for row, doc_id, start, end, h in rows:
            source = self._infos[doc_id].source
            out.append(Unit(row, source, start, end, texts[doc_id][start:end], h))
        return out

    def unit_count(self) -> int:
        return int(self._conn.execute("SELECT COUNT(*) FROM units").fetchone()[0])

    def _stored(self, r: sqlite3.Row) -> StoredChunk:
        doc = self._infos[r["doc_id"]]
        chunk = Chunk(
            source=doc.source,
            ordinal=r["ordinal"],
            start=r["start"],
            end=r["end"],
            text=r["text"],
            title=doc.title,
            segmented=r["segmented"],
            folded=r["folded"],
            chunk_id=r["chunk_id"],
        )
        return StoredChunk(row=r["row"], chunk=chunk, embed_hash=r["embed_hash"])
