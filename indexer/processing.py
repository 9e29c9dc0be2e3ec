"""One file, from its bytes to a document and its chunks: the per-file stages (read, load, clean and
normalise, chunk, segment) that the local indexer (indexer/pipeline.py) runs in a loop and the Ray indexer
(indexer/ray_pipeline.py) runs as Ray Data map stages.  Everything here is picklable and cheap to build, so a
Ray worker makes its own `FileProcessor` from a `ProcessorConfig`."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from indexer.chunking import Chunker, ChunkerSettings
from indexer.errors import SkipFile
from indexer.gazetteer import Gazetteer
from indexer.lexical import segment
from indexer.loaders import load_bytes
from indexer.metadata import build_document
from indexer.ocr import IMAGE_SUFFIXES, Ocr, OcrJob, image_frames
from indexer.pdf import PageOcr, scanned_pages
from indexer.types import Chunk, Document, RawDocument
from indexer.units import unit_spans
from indexer.vietnamese import fold

DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
OCR_SUFFIXES = (".pdf", *IMAGE_SUFFIXES)


class StageTimer:
    """Seconds spent per stage, for the summary and benchmarks/index_throughput.py."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start


def skip_reason(exc: Exception) -> str:
    """Why a file is skipped: a SkipFile says it itself; anything else is a file that could not be read."""
    return str(exc) if isinstance(exc, SkipFile) else f"could not be read ({exc.__class__.__name__}: {exc})"


class FileState(StrEnum):
    UNCHANGED = "unchanged"  # same bytes as in the previous generation: its document and chunks are reused
    PROCESSED = "processed"  # read into a document and its chunks
    DEFERRED = "deferred"  # may hold scanned pages: read again once OCR has run on `ocr_jobs`
    SKIPPED = "skipped"  # could not be indexed; `reason` says why


@dataclass(frozen=True)
class FileOutcome:
    """What the per-file stages made of one file."""

    source: str
    state: FileState
    document: Document | None = None
    chunks: tuple[Chunk, ...] = ()
    spans: tuple[tuple[int, int], ...] = ()  # answer units: (start, end) in document.text
    notes: tuple[str, ...] = ()
    reason: str = ""
    ocr_jobs: tuple[OcrJob, ...] = ()


@dataclass(frozen=True)
class ProcessorConfig:
    """What a worker needs to build its own FileProcessor (small and picklable)."""

    chunker: ChunkerSettings = field(default_factory=ChunkerSettings)
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    ocr_cache: Path | None = None  # None: no OCR (scanned pages are skipped with a note)


class FileProcessor:
    """The per-file stages.  The gazetteer is loaded on first use (a Ray worker loads its own)."""

    def __init__(
        self,
        chunker: Chunker,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        gazetteer: Gazetteer | None = None,
        ocr: Ocr | None = None,
        timer: StageTimer | None = None,
        segment_words: bool = True,
    ) -> None:
        """`segment_words`: False leaves each chunk's `segmented` and `folded` empty, for `segmented_chunks` to
        fill later (the local indexer does it while the chunks are being embedded)."""
        self.chunker = chunker
        self.max_file_bytes = max_file_bytes
        self._gazetteer = gazetteer
        self.ocr = ocr
        self.timer = timer or StageTimer()
        self.segment_words = segment_words

    @classmethod
    def from_config(cls, config: ProcessorConfig) -> FileProcessor:
        ocr = Ocr(config.ocr_cache, workers=1, progress=False) if config.ocr_cache is not None else None
        return cls(Chunker(config.chunker), config.max_file_bytes, ocr=ocr)

    def config(self) -> ProcessorConfig:
        return ProcessorConfig(self.chunker.settings, self.max_file_bytes, self.ocr.cache_dir if self.ocr else None)

    @property
    def gazetteer(self) -> Gazetteer:
        if self._gazetteer is None:
            self._gazetteer = Gazetteer.load()
        return self._gazetteer

    # -- the whole file ------------------------------------------------------------------------------------
    def outcome(self, source: str, path: Path, previous_sha: str | None, defer_ocr: bool) -> FileOutcome:
        """Read a file; reuse it when its sha256 is `previous_sha`; defer it when it may need OCR; else process
        it.  A broken file is a SKIPPED outcome: it never stops a run."""
        settled, data, sha = self.triage(source, path, previous_sha, defer_ocr)
        if settled is not None:
            return settled
        try:
            return self.process(source, path, data, sha)
        except Exception as exc:  # a broken file must never stop the run
            return FileOutcome(source, FileState.SKIPPED, reason=skip_reason(exc))

    def triage(
        self, source: str, path: Path, previous_sha: str | None, defer_ocr: bool
    ) -> tuple[FileOutcome | None, bytes, str]:
        """The read stage: (an outcome when the file is settled without processing, its bytes, their sha256)."""
        try:
            data = self.read(path)
            sha = hashlib.sha256(data).hexdigest()
            if previous_sha == sha:
                return FileOutcome(source, FileState.UNCHANGED), b"", sha
            if defer_ocr and path.suffix.lower() in OCR_SUFFIXES:
                jobs = tuple(self.ocr_jobs(path, data, sha))
                return FileOutcome(source, FileState.DEFERRED, ocr_jobs=jobs), b"", sha
            return None, data, sha
        except Exception as exc:  # a broken file must never stop the run
            return FileOutcome(source, FileState.SKIPPED, reason=skip_reason(exc)), b"", ""

    def process(self, source: str, path: Path, data: bytes, sha: str) -> FileOutcome:
        raw = self.load(path, data, sha)
        document = self.document(source, raw, sha, len(data))
        chunks, spans = self.chunks(document)
        return FileOutcome(source, FileState.PROCESSED, document, chunks, spans, raw.notes)

    # -- the stages ----------------------------------------------------------------------------------------
    def read(self, path: Path) -> bytes:
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
            return data

    def ocr_jobs(self, path: Path, data: bytes, sha: str) -> list[OcrJob]:
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

    def load(self, path: Path, data: bytes, sha: str) -> RawDocument:
        with self.timer.stage("load"):
            return load_bytes(path, data, self._page_ocr(path, sha))

    def document(self, source: str, raw: RawDocument, sha: str, size: int) -> Document:
        with self.timer.stage("clean+normalise"):
            return build_document(source, raw, sha, size, self.gazetteer)

    def chunks(self, document: Document) -> tuple[tuple[Chunk, ...], tuple[tuple[int, int], ...]]:
        with self.timer.stage("chunk"):
            pieces = tuple(self.chunker.split(document))
            spans = tuple(unit_spans(document.text))
        if not self.segment_words:
            return pieces, spans
        with self.timer.stage("segment"):
            return segmented_chunks(pieces), spans


def segmented_chunks(chunks: Sequence[Chunk], stop: threading.Event | None = None) -> tuple[Chunk, ...]:
    """`chunks` with their words segmented (underthesea) and the segmentation folded, for BM25; only those
    before `stop` was set, if it was."""
    out = []
    for c in chunks:
        if stop is not None and stop.is_set():
            break
        seg = segment(c.text)
        out.append(replace(c, segmented=seg, folded=fold(seg)))
    return tuple(out)
