"""Scanned pages: Tesseract (Debian's `tesseract-ocr` with the Vietnamese model `tesseract-ocr-vie`) through
pytesseract, pages OCR'd in parallel worker processes, results cached by the file's sha256.

A page becomes a `PageLayout`: its text lines (one paragraph a line, in Tesseract's reading order) and the tables
found on it.  A table is found where the page draws one: ruling lines are read from the image (long runs of dark
pixels), cells are the boxes between them (a separator missing inside a row or column is a merged cell), and each
OCR'd word goes to the cell its centre falls in.  A page without ruling lines is text only.

The cache (`<index_dir>/ocr-cache/<sha256>.json`) holds every OCR'd page of a file with the engine id (Tesseract
version, language, dpi, layout version): re-indexing an unchanged file, or one that only moved, never OCRs it again.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from tqdm import tqdm

LANGUAGE = "vie"
RENDER_DPI = 300  # PDF pages are rendered at this resolution for Tesseract
LAYOUT_VERSION = "2"
INSTALL_HINT = (
    "install Tesseract with its Vietnamese model to read scanned pages: `make ocr`, or "
    "`apt-get install tesseract-ocr tesseract-ocr-vie` (and `pip install pytesseract`)"
)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff")


@dataclass(frozen=True)
class OcrJob:
    """One page to OCR: page `page` (0-based) of a PDF, or frame `page` of an image file."""

    sha256: str
    path: str
    page: int
    kind: str  # "pdf" | "image"


@dataclass
class PageLayout:
    """What OCR read on one page, top to bottom: ("text", top, line) and ("table", top, grid) items."""

    items: list[tuple[str, float, Any]] = field(default_factory=list)
    words: int = 0
    mean_confidence: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PageLayout:
        return cls([tuple(i) for i in data["items"]], data["words"], data["mean_confidence"])  # type: ignore[misc]


def unavailable() -> str | None:
    """Why OCR cannot run here (what to install), or None when it can."""
    try:
        import pytesseract
    except ImportError:
        return INSTALL_HINT
    if shutil.which("tesseract") is None:
        return INSTALL_HINT
    try:
        if LANGUAGE not in pytesseract.get_languages(config=""):
            return "Tesseract has no Vietnamese model: `apt-get install tesseract-ocr-vie` (or `make ocr`)"
    except Exception:  # a broken install says so the same way
        return INSTALL_HINT
    return None


def engine_id() -> str:
    import pytesseract

    return f"tesseract-{pytesseract.get_tesseract_version()}:{LANGUAGE}:{RENDER_DPI}dpi:layout-{LAYOUT_VERSION}"


# -- one page (runs in a worker process) -------------------------------------------------------------------


def _page_image(job: OcrJob) -> Any:
    from PIL import Image

    if job.kind == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(job.path)
        try:
            page = pdf[job.page]
            image = page.render(scale=RENDER_DPI / 72, grayscale=True).to_pil()
            page.close()
        finally:
            pdf.close()
        return image.convert("L")
    with Image.open(job.path) as image:
        image.seek(job.page)
        frame = image.convert("L")
        dpi = image.info.get("dpi", (0, 0))[0] or 0
    if 0 < dpi < 250:  # Tesseract reads small type better at ~300 dpi: scale low-resolution scans up
        factor = RENDER_DPI / dpi
        frame = frame.resize((round(frame.width * factor), round(frame.height * factor)), Image.Resampling.LANCZOS)
    return frame


def ocr_job(job: OcrJob) -> dict[str, Any]:
    """OCR one page; returns its PageLayout as JSON (what the cache stores)."""
    return read_page(_page_image(job)).to_json()


def _words(image: Any, psm: int) -> list[_Word]:
    import pytesseract

    data = pytesseract.image_to_data(image, lang=LANGUAGE, config=f"--psm {psm}", output_type=pytesseract.Output.DICT)
    words = []
    for i, text in enumerate(data["text"]):
        text = str(text).strip()
        if not text or float(data["conf"][i]) < 0:
            continue
        words.append(
            _Word(
                text,
                int(data["left"][i]),
                int(data["top"][i]),
                int(data["width"][i]),
                int(data["height"][i]),
                float(data["conf"][i]),
                (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i])),
            )
        )
    return words


def _junk(token: str) -> bool:
    """A token made of a ruling line's remains ("|", "_", "—")."""
    return not token.strip("|_—-[]()=~`'\".,:;^*") and token not in ("-", "—")


def read_page(image: Any) -> PageLayout:
    """Tesseract over one grey page image.  Ruling lines are found and painted white first (Tesseract reads the
    page far better without them); the text outside tables is read in one pass, each table's cells in another:
    every cell (a merged cell whole) is cut out and stacked on a sheet, one cell a line, so a lone "5" in a cell
    is read as a line of its own instead of being lost among the columns."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(image)
    grids, lines = find_grids(pixels)
    clean = pixels.copy()
    clean[lines] = 255
    words = _words(Image.fromarray(clean), 3)
    layout = PageLayout(words=len(words))
    layout.mean_confidence = round(sum(w.conf for w in words) / len(words), 1) if words else 0.0
    for grid in grids:
        layout.items.append(("table", float(grid.ys[0]), grid.read_cells(clean)))
    free = [w for w in words if not any(g.contains(w) for g in grids)]
    paragraphs: dict[tuple[int, int], list[_Word]] = {}
    for w in free:
        paragraphs.setdefault(w.line[:2], []).append(w)
    for words_of in paragraphs.values():
        by_line: dict[tuple[int, int, int], list[_Word]] = {}
        for w in words_of:
            by_line.setdefault(w.line, []).append(w)
        text = " ".join(" ".join(x.text for x in sorted(ws, key=lambda x: x.left)) for ws in by_line.values())
        text = " ".join(t for t in text.split() if not _junk(t))
        if text:
            layout.items.append(("text", float(min(w.top for w in words_of)), text))
    layout.items.sort(key=lambda item: item[1])
    return layout


@dataclass(frozen=True)
class _Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float
    line: tuple[int, int, int]

    @property
    def centre(self) -> tuple[float, float]:
        return self.left + self.width / 2, self.top + self.height / 2


@dataclass
class _Grid:
    """A ruled table: row boundaries ys, column boundaries xs, and which neighbouring cells are merged."""

    xs: list[int]
    ys: list[int]
    merged_right: list[list[bool]]  # (rows, cols-1): no separator between (r, c) and (r, c+1)
    merged_down: list[list[bool]]  # (rows-1, cols): no separator between (r, c) and (r+1, c)

    def contains(self, w: _Word) -> bool:
        x, y = w.centre
        return self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]

    def groups(self) -> dict[int, list[tuple[int, int]]]:
        """Merged cells: positions (r, c) by the id of the cell they belong to."""
        rows, cols = len(self.ys) - 1, len(self.xs) - 1
        parent = list(range(rows * cols))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for r in range(rows):
            for c in range(cols):
                if c < cols - 1 and self.merged_right[r][c]:
                    parent[find(r * cols + c + 1)] = find(r * cols + c)
                if r < rows - 1 and self.merged_down[r][c]:
                    parent[find((r + 1) * cols + c)] = find(r * cols + c)
        out: dict[int, list[tuple[int, int]]] = {}
        for r in range(rows):
            for c in range(cols):
                out.setdefault(find(r * cols + c), []).append((r, c))
        return out

    def read_cells(self, clean: Any) -> list[list[str]]:
        """OCR every cell of the table from the page with its ruling lines painted white: one sheet, one cell a
        line, one Tesseract pass; a merged cell's text in every position it covers."""
        import numpy as np
        from PIL import Image

        rows, cols = len(self.ys) - 1, len(self.xs) - 1
        groups = list(self.groups().values())
        crops = []
        for positions in groups:
            r0, r1 = min(r for r, _ in positions), max(r for r, _ in positions)
            c0, c1 = min(c for _, c in positions), max(c for _, c in positions)
            crops.append(clean[self.ys[r0] + 2 : self.ys[r1 + 1] - 1, self.xs[c0] + 2 : self.xs[c1 + 1] - 1])
        gap = 30
        height = sum(c.shape[0] + gap for c in crops) + gap
        width = max((c.shape[1] for c in crops), default=1) + 2 * gap
        sheet = np.full((height, width), 255, dtype=np.uint8)
        bands = []
        y = gap
        for crop in crops:
            sheet[y : y + crop.shape[0], gap : gap + crop.shape[1]] = crop
            bands.append((y - gap / 2, y + crop.shape[0] + gap / 2))
            y += crop.shape[0] + gap
        texts: list[list[_Word]] = [[] for _ in crops]
        for w in _words(Image.fromarray(sheet), 6):
            centre = w.centre[1]
            for i, (a, b) in enumerate(bands):
                if a <= centre < b:
                    texts[i].append(w)
                    break
        grid = [[""] * cols for _ in range(rows)]
        for positions, ws in zip(groups, texts, strict=True):
            ordered = sorted(ws, key=lambda w: (w.line, w.left))
            text = " ".join(t for t in " ".join(w.text for w in ordered).split() if not _junk(t))
            for r, c in positions:
                grid[r][c] = text
        return grid


def _runs(mask: Any, length: int) -> Any:
    """Where `mask` (2-D bool) has `length` consecutive True along axis 1: True at every pixel of such a run."""
    import numpy as np

    h, w = mask.shape
    if w < length:
        return np.zeros_like(mask)
    c = np.cumsum(np.pad(mask.astype(np.int32), ((0, 0), (1, 0))), axis=1)
    full = (c[:, length:] - c[:, :-length]) == length  # run of `length` ending at x + length - 1 (starting at x)
    out = np.zeros((h, w + 1), dtype=np.int32)
    out[:, : w - length + 1] += full
    out[:, length : w + 1] -= full
    return np.cumsum(out, axis=1)[:, :w] > 0


def _positions(profile: Any) -> list[int]:
    """Centres of the runs of True in a 1-D profile (a ruling line is a few pixels thick)."""
    out, start = [], None
    for i, on in enumerate(list(profile) + [False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            out.append((start + i - 1) // 2)
            start = None
    return out


def find_grids(pixels: Any) -> tuple[list[_Grid], Any]:
    """Ruled tables on a grey page image (0 = black), and the mask of the ruling lines (a little widened, to
    paint them out)."""
    import numpy as np

    dark = pixels < 160
    h, w = dark.shape
    min_len = max(40, w // 20)
    horizontal = _runs(dark, min_len)
    vertical = _runs(dark.T, max(20, h // 60)).T
    lines = horizontal | vertical
    widened = lines.copy()
    for d in (1, 2, 3):
        widened[d:] |= lines[:-d]
        widened[:-d] |= lines[d:]
        widened[:, d:] |= lines[:, :-d]
        widened[:, :-d] |= lines[:, d:]
    grids: list[_Grid] = []
    rows_with_lines = horizontal.sum(axis=1) >= min_len
    ys_all = _positions(rows_with_lines)
    if len(ys_all) < 2:
        return grids, widened
    # group horizontal lines into tables: consecutive lines joined by vertical lines between them
    groups: list[list[int]] = [[ys_all[0]]]
    for y in ys_all[1:]:
        prev = groups[-1][-1]
        band = vertical[prev + 3 : max(prev + 4, y - 2)]
        joined = band.size and (band.all(axis=0)).sum() >= 2
        if joined:
            groups[-1].append(y)
        else:
            groups.append([y])
    for ys in groups:
        if len(ys) < 2:
            continue
        line_cols = np.flatnonzero(horizontal[ys[0]] | horizontal[min(ys[0] + 1, h - 1)])
        if not len(line_cols):
            continue
        x0, x1 = int(line_cols[0]), int(line_cols[-1])
        # column boundaries: vertical lines crossing at least one row band inside the table
        cols_profile = np.zeros(w, dtype=bool)
        for a, b in zip(ys, ys[1:], strict=False):
            band = vertical[a + 3 : max(a + 4, b - 2), x0 : x1 + 1]
            if band.size:
                cols_profile[x0 : x1 + 1] |= band.all(axis=0)
        xs = _positions(cols_profile)
        if len(xs) < 3:  # a table has at least two columns
            continue
        rows, cols = len(ys) - 1, len(xs) - 1
        merged_right = np.zeros((rows, max(cols - 1, 0)), dtype=bool)
        merged_down = np.zeros((max(rows - 1, 0), cols), dtype=bool)
        for r in range(rows):
            a, b = ys[r] + 3, max(ys[r] + 4, ys[r + 1] - 2)
            for c in range(1, cols):
                x = xs[c]
                segment = vertical[a:b, max(0, x - 2) : x + 3].any(axis=1)
                merged_right[r][c - 1] = segment.mean() < 0.6
        for r in range(1, rows):
            y = ys[r]
            for c in range(cols):
                a, b = xs[c] + 3, max(xs[c] + 4, xs[c + 1] - 2)
                segment = horizontal[max(0, y - 2) : y + 3, a:b].any(axis=0)
                merged_down[r - 1][c] = segment.mean() < 0.6
        grids.append(_Grid(xs, ys, merged_right.tolist(), merged_down.tolist()))
    return grids, widened


# -- many pages, cached --------------------------------------------------------------------------------------


def _worker_init() -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"  # one Tesseract thread a process: the processes are the parallelism


class Ocr:
    """OCR with a cache by file sha256; `run` OCRs many pages at once in worker processes."""

    def __init__(self, cache_dir: Path | None, workers: int | None = None, progress: bool = True) -> None:
        self.cache_dir = cache_dir
        self.workers = workers or max(1, os.cpu_count() or 1)
        self.progress = progress
        self.pages_ocred = 0  # pages actually OCR'd (not read from the cache) by this object
        self._reason: str | None = None
        self._checked = False
        self._engine = ""
        self._memory: dict[str, dict[int, PageLayout]] = {}

    def unavailable(self) -> str | None:
        if not self._checked:
            self._reason, self._checked = unavailable(), True
            if self._reason is None:
                self._engine = engine_id()
        return self._reason

    # cache -------------------------------------------------------------------------------------------
    def _path(self, sha256: str) -> Path | None:
        return self.cache_dir / f"{sha256}.json" if self.cache_dir else None

    def _cached(self, sha256: str) -> dict[int, PageLayout]:
        if sha256 in self._memory:
            return self._memory[sha256]
        pages: dict[int, PageLayout] = {}
        path = self._path(sha256)
        if path is not None and path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("engine") == self._engine:
                    pages = {int(k): PageLayout.from_json(v) for k, v in data["pages"].items()}
            except (OSError, ValueError, KeyError, TypeError):
                pages = {}
        self._memory[sha256] = pages
        return pages

    def _store(self, sha256: str, page: int, layout: PageLayout) -> None:
        pages = self._cached(sha256)
        pages[page] = layout
        path = self._path(sha256)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".tmp-{os.getpid()}")
            payload = {"engine": self._engine, "pages": {str(k): v.to_json() for k, v in sorted(pages.items())}}
            tmp.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs time

    # OCR ----------------------------------------------------------------------------------------------
    def run(self, jobs: Sequence[OcrJob]) -> None:
        """OCR every job not in the cache, in parallel worker processes, with a progress bar."""
        if self.unavailable() is not None:
            return
        todo = [j for j in dict.fromkeys(jobs) if j.page not in self._cached(j.sha256)]
        if not todo:
            return
        with tqdm(total=len(todo), desc="OCR", unit="page", disable=not self.progress, leave=False) as bar:
            if len(todo) == 1 or self.workers == 1:
                for job in todo:
                    self._store(job.sha256, job.page, PageLayout.from_json(ocr_job(job)))
                    self.pages_ocred += 1
                    bar.update(1)
                return
            context = get_context("spawn")  # pdfium and Tesseract are not fork-safe
            workers = min(self.workers, len(todo))
            try:
                with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init) as pool:
                    for job, result in zip(todo, pool.map(ocr_job, todo), strict=True):
                        self._store(job.sha256, job.page, PageLayout.from_json(result))
                        self.pages_ocred += 1
                        bar.update(1)
            except BrokenProcessPool:
                # A worker died (out of memory, killed): the pages left are OCR'd one at a time in this process
                # as their files load, where a page that fails skips its file with the reason.
                return

    def layout(self, job: OcrJob) -> PageLayout:
        """The page's layout, from the cache or OCR'd now."""
        if job.page not in self._cached(job.sha256):
            self.run([job])
        return self._cached(job.sha256)[job.page]


def image_frames(data: bytes) -> int:
    """How many pages (frames) an image file holds (a TIFF may hold many)."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return int(getattr(image, "n_frames", 1))
