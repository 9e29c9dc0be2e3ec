"""An indexing run: scan the corpus, reuse what did not change, process and embed the rest, publish.

Incremental by content hash: a file whose bytes did not change keeps its document and chunks; a chunk whose
embedding text did not change keeps its vector.  Nothing is published when nothing changed, or when no
file could be indexed.  Every file that cannot be indexed is skipped with its reason; it never stops a run.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm

from indexer.chunking import Chunker
from indexer.corpus import Progress, ProgressHook, RunScope, collections_of, scan_corpus
from indexer.embedders import Embedder
from indexer.errors import IndexerError, IndexLoadError
from indexer.gazetteer import Gazetteer
from indexer.generation import GenerationContent, UnitRecord, write_generation
from indexer.layout import IndexLayout
from indexer.manifest import PIPELINE_VERSION, Manifest, file_sha256
from indexer.ocr import Ocr, OcrJob
from indexer.processing import (
    DEFAULT_MAX_FILE_BYTES,
    FileOutcome,
    FileProcessor,
    FileState,
    StageTimer,
    segmented_chunks,
    skip_reason,
)
from indexer.reader import PublishedIndex, open_generation
from indexer.store import STORE_NAME, documents_of_collection, unit_hash
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
from indexer.vectors import (
    DEFAULT_UNIT_VECTORS,
    Host,
    SpanEmbedder,
    UnitVectors,
    effective_mode,
    hosts_in,
    late_hash,
)

__all__ = ["DEFAULT_MAX_FILE_BYTES", "Indexer", "StageTimer", "scan_corpus", "skip_reason"]  # scan_corpus: tests

OCR_CACHE = "ocr-cache"  # beside the generations: OCR text by file sha256, kept across runs and rebuilds


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
        unit_vectors: UnitVectors = DEFAULT_UNIT_VECTORS,
    ) -> None:
        """`ocr`: how scanned pages are read (default: Tesseract with its cache in `<index_dir>/ocr-cache`);
        `on_progress(stage, fraction)`: told how far a run is (see indexer/corpus.py STAGE_SPANS);
        `unit_vectors`: how answer units get their vectors (indexer/vectors.py)."""
        self.embedder = embedder
        self.given_ocr = ocr
        self.ocr: Ocr | None = ocr
        self.chunker = chunker or Chunker()
        self.gazetteer = gazetteer
        self.max_file_bytes = max_file_bytes
        self.batch_size = batch_size
        self.progress = progress
        self.unit_vectors = effective_mode(UnitVectors(unit_vectors), embedder)
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
            if self._up_to_date(corpus_dir, layout, RunScope(collection, rebuild, allow_empty), summary):
                return summary
            previous = self._previous(layout, rebuild, collection)
            try:
                self._run(corpus_dir, layout, previous, summary, RunScope(collection, rebuild, allow_empty))
            finally:
                if previous is not None:
                    previous.close()
        return summary

    def _up_to_date(self, corpus_dir: Path, layout: IndexLayout, scope: RunScope, summary: IndexSummary) -> bool:
        """Does the live generation's collection hold exactly the corpus's files (same bytes), processed and
        embedded as this run would?  Then nothing is loaded (no model, no index): a re-index of an unchanged
        archive costs reading its files, not the minutes of opening a million-passage index."""
        directory = layout.current_dir()
        if scope.rebuild or directory is None:
            return False
        try:
            manifest = Manifest.read(directory)
            recorded = documents_of_collection(directory / STORE_NAME, scope.collection)
        except (IndexLoadError, sqlite3.Error):
            return False
        if not self._same_processing(manifest) or manifest.embedder_id != self.embedder.id:
            return False
        files, skipped = scan_corpus(corpus_dir, scope.collection)
        if not files or len(files) != len(recorded):
            return False
        for source, path in files:
            try:
                if recorded.get(source) != file_sha256(path):
                    return False
            except OSError:
                return False
        summary.unchanged = [source for source, _ in files]
        summary.skipped = skipped
        summary.chunks = int(manifest.counts.get("chunks", 0))
        summary.generation = manifest.generation
        return True

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
        if manifest.unit_vectors != self.unit_vectors and others:
            raise IndexerError(
                f"the index at {layout.root} also holds the collections {', '.join(others)}, whose answer units "
                f"got their vectors the {manifest.unit_vectors!r} way, not {self.unit_vectors.value!r}: set "
                f"HOIDAP_UNIT_VECTORS={manifest.unit_vectors}, or index each collection again into a new --index-dir"
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
        kept = {d.source for d in carried} | (set(old_docs) if reuse_documents else set())
        old_chunks: dict[str, list[tuple[Chunk, str]]] = defaultdict(list)
        old_units: dict[str, list[UnitRecord]] = defaultdict(list)
        old_chunk_rows: dict[str, int] = {}
        old_unit_rows: dict[str, int] = {}
        # vectors are found by the hash of what was embedded, also for documents read again after a change of
        # processing (same embedder: _previous refuses another); --rebuild embeds its collection afresh
        reuse_vectors = previous is not None and not scope.rebuild
        if previous is not None:
            for stored in previous.store.all_chunks():
                if stored.chunk.source in kept:
                    old_chunks[stored.chunk.source].append((stored.chunk, stored.embed_hash))
                if stored.chunk.source in kept or reuse_vectors:
                    old_chunk_rows[stored.embed_hash] = stored.row
            for unit in previous.store.all_units():
                if unit.source in kept:
                    old_units[unit.source].append((unit.source, unit.start, unit.end, unit.embed_hash))
                if unit.source in kept or reuse_vectors:
                    old_unit_rows[unit.embed_hash] = unit.row
        documents: list[Document] = list(carried)
        chunks: list[tuple[Chunk, str]] = [c for d in carried for c in old_chunks[d.source]]
        units: list[UnitRecord] = [u for d in carried for u in old_units[d.source]]
        hosts: dict[int, Host] = {}  # late: unit position -> where in which chunk (of `chunks`) it is pooled from
        reusable = {src: d.sha256 for src, d in old_docs.items()} if reuse_documents else {}
        ocred_before = self.ocr.pages_ocred if self.ocr is not None else 0
        for outcome in self._outcomes(files, reusable):
            source = outcome.source
            if outcome.state is FileState.UNCHANGED:
                documents.append(old_docs[source])
                chunks.extend(old_chunks[source])
                units.extend(old_units[source])
                summary.unchanged.append(source)
            elif outcome.state is FileState.PROCESSED and outcome.document is not None:
                document = replace(outcome.document, collection=scope.collection)
                documents.append(document)
                first_chunk = len(chunks)
                chunks.extend((c, embed_hash_for(c.embed_text)) for c in outcome.chunks)
                self._add_units(units, hosts, document, outcome, first_chunk, chunks)
                summary.notes.extend(f"{source}: {note}" for note in outcome.notes)
                (summary.updated if source in old_docs else summary.added).append(source)
            else:
                summary.skipped.append(SkippedFile(source, outcome.reason or "could not be read"))
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
        with self._segment_while(chunks):
            chunk_vectors, unit_vectors = self._vectors(
                [(c.embed_text, h) for c, h in chunks],
                [(texts[src][a:b], h) for src, a, b, h in units],
                previous,
                old_chunk_rows,
                old_unit_rows,
                hosts,
                summary,
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

    # -- stages (the Ray indexer, indexer/ray_pipeline.py, runs the same ones on a cluster) -----------------
    def _processor(self) -> FileProcessor:
        """Words are segmented later, while the chunks are embedded (`_segment_while`)."""
        return FileProcessor(
            self.chunker, self.max_file_bytes, self.gazetteer, self.ocr, self.timer, segment_words=False
        )

    def _outcomes(self, files: list[tuple[str, Path]], reusable: dict[str, str]) -> Iterator[FileOutcome]:
        """Each file's outcome, in corpus order; files that may hold scanned pages come last, read after OCR
        has run on all their pages at once.  `reusable`: the sha256 of each file whose previous document and
        chunks may be reused."""
        processor = self._processor()
        deferred: list[tuple[str, Path]] = []
        jobs: list[OcrJob] = []
        for number, (source, path) in enumerate(
            tqdm(files, desc="reading", unit="file", disable=not self.progress, leave=False)
        ):
            self.report("reading", number, len(files))
            outcome = processor.outcome(source, path, reusable.get(source), defer_ocr=True)
            if outcome.state is FileState.DEFERRED:
                jobs.extend(outcome.ocr_jobs)
                deferred.append((source, path))
                continue
            yield outcome
        self._run_ocr(jobs)
        for source, path in deferred:
            yield processor.outcome(source, path, None, defer_ocr=False)

    @contextmanager
    def _segment_while(self, chunks: list[tuple[Chunk, str]]) -> Iterator[None]:
        """Segment the words of the chunks read in this run (those without) in a thread while the body runs:
        the encoder's session releases the GIL, so segmentation (one core) overlaps embedding instead of
        waiting before it.  `chunks` holds the segmented chunks when the body is done."""
        todo = [i for i, (chunk, _) in enumerate(chunks) if not chunk.segmented]
        stop = threading.Event()  # the body failed (or was interrupted): the thread stops at its next chunk
        with ThreadPoolExecutor(1, thread_name_prefix="segment") as pool:
            future = pool.submit(self._segmented, [chunks[i][0] for i in todo], stop)
            try:
                yield
            except BaseException:
                stop.set()
                raise
            done = future.result()
        for i, chunk in zip(todo, done, strict=True):
            chunks[i] = (chunk, chunks[i][1])

    def _segmented(self, chunks: list[Chunk], stop: threading.Event) -> tuple[Chunk, ...]:
        with self.timer.stage("segment (beside embedding)"):
            return segmented_chunks(chunks, stop)

    def _add_units(
        self,
        units: list[UnitRecord],
        hosts: dict[int, Host],
        document: Document,
        outcome: FileOutcome,
        first_chunk: int,
        chunks: list[tuple[Chunk, str]],
    ) -> None:
        """The answer units of a document read in this run, hashed by what makes their vectors (indexer/vectors.py);
        late: where each one is pooled from, recorded in `hosts`."""
        source = outcome.source
        if self.unit_vectors is UnitVectors.SEPARATE:
            units.extend((source, a, b, unit_hash(document.text[a:b])) for a, b in outcome.spans)
            return
        for (a, b), host in zip(outcome.spans, hosts_in(outcome.chunks, outcome.spans), strict=True):
            if host is None:
                units.append((source, a, b, unit_hash(document.text[a:b])))
                continue
            chunk = first_chunk + host.chunk
            hosts[len(units)] = Host(chunk, host.start, host.end)
            units.append((source, a, b, late_hash(chunks[chunk][1], host.start, host.end)))

    def _run_ocr(self, jobs: list[OcrJob]) -> None:
        if jobs:
            assert self.ocr is not None
            self.report("ocr")
            with self.timer.stage("ocr"):
                self.ocr.run(jobs)

    def _vectors(
        self,
        chunk_items: list[tuple[str, str]],
        unit_items: list[tuple[str, str]],
        previous: PublishedIndex | None,
        old_chunk_rows: dict[str, int],
        old_unit_rows: dict[str, int],
        hosts: dict[int, Host],
        summary: IndexSummary,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vectors for the (text, hash) items of chunks and answer units: reused from the previous generation
        by hash, the others embedded, chunks first and then units, each longest first (similar lengths batch
        together, and the bar's estimate is pessimistic, not rosy).  Chunks and units are never in one batch:
        the int8 model quantises its activations with one scale per batch, so a batch's company changes its
        vectors (by up to 0.01), and the answerer is fitted on vectors made this way.
        Late (`hosts` says where): the units are pooled from their chunks' passes, and only the units no chunk
        holds are embedded on their own; a reused chunk that hosts a unit to embed is encoded again for it."""
        self.embedder.load()
        chunk_vectors, chunk_todo = self._reused(chunk_items, previous.vectors if previous else None, old_chunk_rows)
        unit_vectors, unit_todo = self._reused(unit_items, previous.unit_vectors if previous else None, old_unit_rows)
        summary.embedded_chunks = len(chunk_todo)
        if self.unit_vectors is UnitVectors.LATE:
            hosted: dict[int, list[int]] = defaultdict(list)
            for u in unit_todo:
                if u in hosts:
                    hosted[hosts[u].chunk].append(u)
            passes = sorted(set(chunk_todo) | set(hosted), key=lambda c: -len(chunk_items[c][0]))
            spans = [[(hosts[u].start, hosts[u].end) for u in hosted.get(c, [])] for c in passes]
            with self.timer.stage("embed"):
                vectors, pooled = self._embed_spans([chunk_items[c][0] for c in passes], spans, "embedding")
            fresh, made = set(chunk_todo), set()
            for c, vector, found in zip(passes, vectors, pooled, strict=True):
                if c in fresh:  # a reused chunk keeps its vector: a batch's company moves vectors a little
                    chunk_vectors[c] = vector
                for u, unit_vector in zip(hosted.get(c, []), found, strict=True):
                    if unit_vector is not None:
                        unit_vectors[u] = unit_vector
                        made.add(u)
            chunk_todo, unit_todo = [], [u for u in unit_todo if u not in made]
        for vectors, todo, items, label in (
            (chunk_vectors, chunk_todo, chunk_items, "embedding"),
            (unit_vectors, unit_todo, unit_items, "embedding answer units"),
        ):
            todo.sort(key=lambda i: -len(items[i][0]))
            if todo:
                with self.timer.stage("embed"):
                    vectors[todo] = self._embed([items[i][0] for i in todo], label)
        return chunk_vectors, unit_vectors

    def _reused(
        self, items: list[tuple[str, str]], old_vectors: np.ndarray | None, old_rows: dict[str, int]
    ) -> tuple[np.ndarray, list[int]]:
        """Vectors found by hash in the previous generation, and the positions still to embed."""
        vectors = np.zeros((len(items), self.embedder.dim), dtype=np.float32)
        todo = []
        for i, (_text, embed_hash) in enumerate(items):
            row = old_rows.get(embed_hash)
            if old_vectors is not None and row is not None:
                vectors[i] = old_vectors[row]
            else:
                todo.append(i)
        return vectors, todo

    def _embed(self, texts: Sequence[str], label: str) -> np.ndarray:
        """Passage vectors for `texts`, in order, a batch at a time."""
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        with tqdm(total=len(texts), desc=label, unit="text", disable=not self.progress, leave=False) as bar:
            for start in range(0, len(texts), self.batch_size):
                batch = texts[start : start + self.batch_size]
                self.report(label, start, len(texts))
                out[start : start + len(batch)] = self.embedder.embed(batch, EmbedKind.PASSAGE)
                bar.update(len(batch))
        return out

    def _embed_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], label: str
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """Passage vectors for `texts` and, from the same encoder pass, a vector for each of their character
        `spans` (None where one cannot be pooled), a batch at a time."""
        embedder = self.embedder
        assert isinstance(embedder, SpanEmbedder)  # effective_mode made sure
        out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
        pooled: list[list[np.ndarray | None]] = []
        with tqdm(total=len(texts), desc=label, unit="text", disable=not self.progress, leave=False) as bar:
            for start in range(0, len(texts), self.batch_size):
                end = min(start + self.batch_size, len(texts))
                self.report(label, start, len(texts))
                out[start:end], found = embedder.embed_spans(texts[start:end], spans[start:end])
                pooled.extend(found)
                bar.update(end - start)
        return out, pooled

    def _same_processing(self, manifest: Manifest) -> bool:
        """Whether documents can be reused as stored.  Not when the units were made the other way: they are made
        again (their documents re-read), never mixed with this way's."""
        return (
            manifest.pipeline_version == PIPELINE_VERSION
            and manifest.chunker == asdict(self.chunker.settings)
            and manifest.unit_vectors == self.unit_vectors
        )

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
        content = GenerationContent(documents, chunks, units, vectors, unit_vectors, self.unit_vectors.value)
        embedder = {"id": self.embedder.id, "dim": self.embedder.dim}
        write_generation(staging, name, content, embedder, asdict(self.chunker.settings), collections)
