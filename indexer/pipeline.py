"""An indexing run: scan the corpus, reuse what did not change, process and embed the rest, publish.

Incremental by content hash: a file whose bytes did not change keeps its document and chunks; a chunk whose
embedding text did not change keeps its vector.  Nothing is published when nothing changed, or when no
file could be indexed.  Every file that cannot be indexed is skipped with its reason; it never stops a run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections import defaultdict
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from indexer.chunking import Chunker
from indexer.corpus import Progress, ProgressHook, RunScope, StageTimer, collections_of, scan_corpus, skip_reason
from indexer.dense import write_dense
from indexer.embedders import Embedder
from indexer.errors import IndexerError, IndexLoadError, SkipFile
from indexer.gazetteer import Gazetteer
from indexer.layout import IndexLayout
from indexer.lexical import LexicalIndex, segment
from indexer.loaders import load_bytes
from indexer.manifest import MANIFEST_NAME, PIPELINE_VERSION, Manifest, file_digest
from indexer.metadata import build_document
from indexer.ocr import IMAGE_SUFFIXES, Ocr, OcrJob, image_frames
from indexer.pdf import PageOcr, scanned_pages
from indexer.reader import PublishedIndex, open_generation
from indexer.store import STORE_NAME, unit_hash, write_store
from indexer.types import (
    DEFAULT_COLLECTION,
    Chunk,
    Document,
    EmbedKind,
    IndexSummary,
    SkippedFile,
    check_collection,
    embed_hash_for,
)
from indexer.units import unit_spans
from indexer.vietnamese import fold

DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
OCR_CACHE = "ocr-cache"  # beside the generations: OCR text by file sha256, kept across runs and rebuilds
OCR_SUFFIXES = (".pdf", *IMAGE_SUFFIXES)
UnitRecord = tuple[str, int, int, str]  # source, start, end, embed hash


class Indexer:
    def __init__(
        self,
        embedder: Embedder,
        chunker: Chunker | None = None,
        gazetteer: Gazetteer | None = None,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        batch_size: int = 32,
        progress: bool = True,
        ocr: Ocr | None = None,
        on_progress: ProgressHook | None = None,
    ) -> None:
        """`ocr`: how scanned pages are read (default: Tesseract with its cache in `<index_dir>/ocr-cache`);
        `on_progress(stage, fraction)`: told how far a run is (see indexer/corpus.py STAGE_SPANS)."""
        self.embedder = embedder
        self.given_ocr = ocr
        self.ocr: Ocr | None = ocr
        self.chunker = chunker or Chunker()
        self.gazetteer = gazetteer
        self.max_file_bytes = max_file_bytes
        self.batch_size = batch_size
        self.progress = progress
        self.timer = StageTimer()
        self.report = Progress(on_progress)

    # -- the run ----------------------------------------------------------------------------------------
    def run(
        self,
        corpus_dir: Path,
        index_dir: Path,
        rebuild: bool = False,
        collection: str = DEFAULT_COLLECTION,
        allow_empty: bool = False,
    ) -> IndexSummary:
        """Make the index's `collection` hold what `corpus_dir` holds; other collections are kept as they are.
        `allow_empty`: a folder with nothing to index empties the collection instead of failing the run."""
        corpus_dir, index_dir = Path(corpus_dir), Path(index_dir)
        check_collection(collection)
        if not corpus_dir.is_dir():
            raise IndexerError(f"corpus directory {corpus_dir} does not exist or is not a directory")
        if self.gazetteer is None:
            self.gazetteer = Gazetteer.load()
        self.ocr = self.given_ocr or Ocr(index_dir / OCR_CACHE, progress=self.progress)
        layout = IndexLayout(index_dir)
        summary = IndexSummary(index_dir=str(index_dir))
        with layout.writer_lock():
            layout.collect_garbage()
            previous = self._previous(layout, rebuild, collection)
            try:
                self._run(corpus_dir, layout, previous, summary, RunScope(collection, rebuild, allow_empty))
            finally:
                if previous is not None:
                    previous.close()
        return summary

    def _previous(self, layout: IndexLayout, rebuild: bool, collection: str) -> PublishedIndex | None:
        """The live generation, whose other collections are carried over (and, unless rebuilding, whose
        unchanged documents and vectors are reused)."""
        directory = layout.current_dir()
        if directory is None:
            return None
        try:
            manifest = Manifest.read(directory)
        except IndexLoadError:
            return None  # unreadable: rebuilt from scratch below
        others = sorted(set(collections_of(manifest)) - {collection})
        if rebuild and not others:
            return None
        self.embedder.load()
        if manifest.embedder_id != self.embedder.id and rebuild:
            raise IndexerError(
                f"the index at {layout.root} also holds the collections {', '.join(others)}, embedded with "
                f"{manifest.embedder_id!r}, not {self.embedder.id!r}: index each of them again with --rebuild "
                "into a new --index-dir, or keep the embedder"
            )
        if manifest.embedder_id != self.embedder.id:
            raise IndexerError(
                f"the index at {layout.root} was built with {manifest.embedder_id!r}, not {self.embedder.id!r}: "
                "run `hoidap index --rebuild` to rebuild it with the new embedder"
            )
        try:
            return open_generation(directory, verify=True)
        except IndexLoadError:
            return None

    def _run(
        self,
        corpus_dir: Path,
        layout: IndexLayout,
        previous: PublishedIndex | None,
        summary: IndexSummary,
        scope: RunScope,
    ) -> None:
        files, summary.skipped = scan_corpus(corpus_dir, scope.collection)
        reuse_documents = previous is not None and self._same_processing(previous.manifest) and not scope.rebuild
        everything = previous.store.documents() if previous else []
        carried = [d for d in everything if d.collection != scope.collection]  # other collections, kept as is
        old_docs = {d.source: d for d in everything if d.collection == scope.collection}
        reusable = {d.source for d in carried} | (set(old_docs) if reuse_documents else set())
        old_chunks: dict[str, list[tuple[Chunk, str]]] = defaultdict(list)
        old_units: dict[str, list[UnitRecord]] = defaultdict(list)
        old_chunk_rows: dict[str, int] = {}
        old_unit_rows: dict[str, int] = {}
        if previous is not None:
            for stored in previous.store.all_chunks():
                if stored.chunk.source in reusable:
                    old_chunks[stored.chunk.source].append((stored.chunk, stored.embed_hash))
                    old_chunk_rows[stored.embed_hash] = stored.row
            for unit in previous.store.all_units():
                if unit.source in reusable:
                    old_units[unit.source].append((unit.source, unit.start, unit.end, unit.embed_hash))
                    old_unit_rows[unit.embed_hash] = unit.row
        documents: list[Document] = list(carried)
        chunks: list[tuple[Chunk, str]] = [c for d in carried for c in old_chunks[d.source]]
        units: list[UnitRecord] = [u for d in carried for u in old_units[d.source]]
        deferred: list[tuple[str, Path]] = []  # files that may hold scanned pages: read after OCR has run
        jobs: list[OcrJob] = []

        def process(source: str, path: Path, data: bytes, sha: str, size: int) -> None:
            try:
                document, doc_chunks, spans, notes = self._process(source, path, data, sha, size)
            except Exception as exc:  # a broken file must never stop the run
                summary.skipped.append(SkippedFile(source, skip_reason(exc)))
                return
            documents.append(replace(document, collection=scope.collection))
            chunks.extend((c, embed_hash_for(c.embed_text)) for c in doc_chunks)
            units.extend((source, a, b, unit_hash(document.text[a:b])) for a, b in spans)
            summary.notes.extend(f"{source}: {note}" for note in notes)
            (summary.updated if source in old_docs else summary.added).append(source)

        for number, (source, path) in enumerate(
            tqdm(files, desc="reading", unit="file", disable=not self.progress, leave=False)
        ):
            self.report("reading", number, len(files))
            try:
                data, size = self._read(path)
                sha = hashlib.sha256(data).hexdigest()
                old = old_docs.get(source)
                if reuse_documents and old is not None and old.sha256 == sha:
                    documents.append(old)
                    chunks.extend(old_chunks[source])
                    units.extend(old_units[source])
                    summary.unchanged.append(source)
                    continue
                if path.suffix.lower() in OCR_SUFFIXES:
                    jobs.extend(self._ocr_jobs(path, data, sha))
                    deferred.append((source, path))
                    continue
            except Exception as exc:  # a broken file must never stop the run
                summary.skipped.append(SkippedFile(source, skip_reason(exc)))
                continue
            process(source, path, data, sha, size)
        ocred_before = self.ocr.pages_ocred if self.ocr is not None else 0
        if jobs:
            assert self.ocr is not None
            self.report("ocr")
            with self.timer.stage("ocr"):
                self.ocr.run(jobs)
        for source, path in deferred:
            try:
                data, size = self._read(path)
            except Exception as exc:  # a broken file must never stop the run
                summary.skipped.append(SkippedFile(source, skip_reason(exc)))
                continue
            process(source, path, data, hashlib.sha256(data).hexdigest(), size)
        if self.ocr is not None:  # pages OCR'd in this run, in the batch or one at a time as their files loaded
            summary.ocr_pages += self.ocr.pages_ocred - ocred_before
        current = {d.source for d in documents}
        summary.removed = sorted(s for s in old_docs if s not in current)
        summary.chunks = len(chunks)
        if len(documents) == len(carried) and (not scope.allow_empty or not documents):
            reasons = "; ".join(f"{s.source}: {s.reason}" for s in summary.skipped[:5])
            raise IndexerError(f"nothing could be indexed in {corpus_dir}" + (f" ({reasons})" if reasons else ""))
        folders = collections_of(previous.manifest) if previous is not None else {}
        folders[scope.collection] = str(corpus_dir.resolve())
        if len(documents) == len(carried):
            del folders[scope.collection]  # emptied (allow_empty)
        if previous is not None and reuse_documents and not (summary.added or summary.updated or summary.removed):
            summary.generation = previous.generation
            return  # up to date: nothing to publish
        texts = {d.source: d.text for d in documents}
        chunk_vectors = self._vectors(
            [(c.embed_text, h) for c, h in chunks], previous.vectors if previous else None, old_chunk_rows, summary
        )
        unit_vectors = self._vectors(
            [(texts[src][a:b], h) for src, a, b, h in units],
            previous.unit_vectors if previous else None,
            old_unit_rows,
            None,
        )
        self.report("writing")
        with self.timer.stage("write"):
            name = layout.next_name()
            try:
                staging = layout.staging_dir(name)
                self._write(staging, name, documents, chunks, units, chunk_vectors, unit_vectors, folders)
                layout.publish(staging, name)
            except (OSError, sqlite3.Error, RuntimeError) as exc:  # a full disk, a quota, an I/O error
                layout.collect_garbage()
                raise IndexerError(
                    f"could not write the new index ({getattr(exc, 'strerror', None) or exc}); nothing was "
                    "published and the previous index is still the live one"
                ) from exc
            layout.collect_garbage()
        summary.published, summary.generation = True, name

    # -- stages -------------------------------------------------------------------------------------------
    def _read(self, path: Path) -> tuple[bytes, int]:
        with self.timer.stage("load"):
            try:
                size = path.stat().st_size
                if size > self.max_file_bytes:
                    raise SkipFile(f"file too large ({size / 1e6:.0f} MB > {self.max_file_bytes / 1e6:.0f} MB limit)")
                with path.open("rb") as f:
                    data = f.read(self.max_file_bytes + 1)
            except FileNotFoundError as exc:
                raise SkipFile("file vanished while indexing") from exc
            except IsADirectoryError as exc:
                raise SkipFile("not a regular file") from exc
            except PermissionError as exc:
                raise SkipFile("permission denied") from exc
            if len(data) > self.max_file_bytes:
                raise SkipFile("file grew past the size limit while indexing")
            return data, len(data)

    def _ocr_jobs(self, path: Path, data: bytes, sha: str) -> list[OcrJob]:
        """The pages of a PDF or image file that OCR must read (none when OCR is not installed)."""
        if self.ocr is None or self.ocr.unavailable() is not None:
            return []
        try:
            with self.timer.stage("load"):
                if path.suffix.lower() == ".pdf":
                    return [OcrJob(sha, str(path), i, "pdf") for i in scanned_pages(data)]
                return [OcrJob(sha, str(path), i, "image") for i in range(image_frames(data))]
        except Exception:  # an unreadable file is reported when it is loaded
            return []

    def _page_ocr(self, path: Path, sha: str) -> PageOcr | None:
        ocr = self.ocr
        if ocr is None or ocr.unavailable() is not None or path.suffix.lower() not in OCR_SUFFIXES:
            return None
        kind = "pdf" if path.suffix.lower() == ".pdf" else "image"
        return lambda page: ocr.layout(OcrJob(sha, str(path), page, kind))

    def _process(
        self, source: str, path: Path, data: bytes, sha: str, size: int
    ) -> tuple[Document, list[Chunk], list[tuple[int, int]], tuple[str, ...]]:
        assert self.gazetteer is not None
        with self.timer.stage("load"):
            raw = load_bytes(path, data, self._page_ocr(path, sha))
        with self.timer.stage("clean+normalise"):
            document = build_document(source, raw, sha, size, self.gazetteer)
        with self.timer.stage("chunk"):
            pieces = self.chunker.split(document)
            spans = unit_spans(document.text)
        with self.timer.stage("segment"):
            out = []
            for c in pieces:
                seg = segment(c.text)
                out.append(
                    Chunk(
                        source=c.source,
                        ordinal=c.ordinal,
                        start=c.start,
                        end=c.end,
                        text=c.text,
                        title=c.title,
                        segmented=seg,
                        folded=fold(seg),
                        chunk_id=c.chunk_id,
                    )
                )
        return document, out, spans, raw.notes

    def _vectors(
        self,
        items: list[tuple[str, str]],
        old_vectors: np.ndarray | None,
        old_rows: dict[str, int],
        summary: IndexSummary | None,
    ) -> np.ndarray:
        """Vectors for (text, hash) items: reused from the previous generation by hash, else embedded."""
        self.embedder.load()
        vectors = np.zeros((len(items), self.embedder.dim), dtype=np.float32)
        todo = []
        for i, (_text, embed_hash) in enumerate(items):
            row = old_rows.get(embed_hash)
            if old_vectors is not None and row is not None:
                vectors[i] = old_vectors[row]
            else:
                todo.append(i)
        if summary is not None:
            summary.embedded_chunks = len(todo)
        # Longest first: similar lengths batch together and the bar's estimate is pessimistic, not rosy.
        todo.sort(key=lambda i: -len(items[i][0]))
        label = "embedding" if summary is not None else "embedding answer units"
        with (
            tqdm(total=len(todo), desc=label, unit="text", disable=not self.progress, leave=False) as bar,
            self.timer.stage("embed"),
        ):
            for start in range(0, len(todo), self.batch_size):
                batch = todo[start : start + self.batch_size]
                self.report(label, start, len(todo))
                vectors[batch] = self.embedder.embed([items[i][0] for i in batch], EmbedKind.PASSAGE)
                bar.update(len(batch))
        return vectors

    def _same_processing(self, manifest: Manifest) -> bool:
        return manifest.pipeline_version == PIPELINE_VERSION and manifest.chunker == asdict(self.chunker.settings)

    def _write(
        self,
        staging: Path,
        name: str,
        documents: list[Document],
        chunks: list[tuple[Chunk, str]],
        units: list[UnitRecord],
        vectors: np.ndarray,
        unit_vectors: np.ndarray,
        collections: dict[str, str],
    ) -> None:
        write_store(staging / STORE_NAME, documents, chunks, units)
        write_dense(staging, vectors, unit_vectors)
        LexicalIndex.build([c.text for c, _ in chunks], [c.segmented for c, _ in chunks]).save(staging)
        files = {p.relative_to(staging).as_posix(): file_digest(p) for p in sorted(staging.rglob("*")) if p.is_file()}
        manifest = Manifest(
            generation=name,
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            embedder={"id": self.embedder.id, "dim": self.embedder.dim},
            chunker=asdict(self.chunker.settings),
            documents={d.source: d.sha256 for d in documents},
            counts={"documents": len(documents), "chunks": len(chunks), "units": len(units)},
            files=files,
            collections=dict(sorted(collections.items())),
        )
        (staging / MANIFEST_NAME).write_text(manifest.to_json(), encoding="utf-8")
