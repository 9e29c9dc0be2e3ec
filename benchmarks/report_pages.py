"""Indexing time per page of a report, by kind of page: a text page, a table page (a ruled table with a merged
header, text layer) and a scanned page (image only, read by Tesseract).  A benchmark, not a timed test.

    .venv/bin/python -m benchmarks.report_pages [--pages 8] [--dpi 200] [--fake-embedder]

Each kind is a PDF of `pages` pages made by tests/reports.py, indexed alone into a fresh index (so the OCR cache
is empty and every scanned page is OCR'd) with the default embedder, after a one-page warm-up run; the seconds of
the whole run and of its stages (load, OCR, clean, chunk, embed, write) are divided by the pages.  A second run
over the same scanned file shows what the OCR cache saves.  OCR runs in one worker process per core: the figures
depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from indexer.embedders import make_embedder
from indexer.pipeline import Indexer
from tests import reports

ROOT = Path(__file__).resolve().parents[1]


def text_pdf(pages: int, dpi: int) -> bytes:
    return reports.pdf_bytes(reports.scanned_report(), pages=pages)  # the scan's paragraphs, as a text layer


def table_pdf(pages: int, dpi: int) -> bytes:
    return reports.pdf_bytes(reports.plan_report(), pages=pages)


def scanned_pdf(pages: int, dpi: int) -> bytes:
    return reports.scanned_pdf(reports.scanned_report(), dpi=dpi, pages=pages)


KINDS: dict[str, Callable[[int, int], bytes]] = {"text": text_pdf, "table": table_pdf, "scanned": scanned_pdf}


def index_once(embedder: object, corpus: Path, index: Path) -> tuple[float, dict[str, float], int]:
    indexer = Indexer(embedder, progress=False)  # type: ignore[arg-type]
    start = time.perf_counter()
    summary = indexer.run(corpus, index)
    seconds = time.perf_counter() - start
    if summary.skipped or not summary.published and not summary.unchanged:
        raise SystemExit(f"indexing failed: {summary.skipped}")
    return seconds, dict(indexer.timer.seconds), summary.ocr_pages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--dpi", type=int, default=200, help="resolution of the scanned pages")
    parser.add_argument("--fake-embedder", action="store_true", help="hash embedder: everything but the model")
    parser.add_argument("--models-dir", type=Path, default=ROOT / "data" / "models")
    args = parser.parse_args()
    if args.fake_embedder:
        from tests.fakes import HashEmbedder

        embedder: object = HashEmbedder()
    else:
        real = make_embedder(models_dir=args.models_dir)
        real.load()
        embedder = real
    print(f"{args.pages} pages a kind, scans at {args.dpi} dpi, {os.cpu_count()} cores")
    print(f"{'page':<10}{'s/page':>8}  stages (s/page)")
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm-up" / "corpus"  # one page first: the segmenter and the embedder load once
        warm.mkdir(parents=True)
        (warm / "warm.pdf").write_bytes(text_pdf(1, args.dpi))
        index_once(embedder, warm, Path(tmp) / "warm-up" / "index")
        for kind, make in KINDS.items():
            corpus = Path(tmp) / kind / "corpus"
            corpus.mkdir(parents=True)
            (corpus / f"{kind}.pdf").write_bytes(make(args.pages, args.dpi))
            seconds, stages, ocred = index_once(embedder, corpus, Path(tmp) / kind / "index")
            per = {k: round(v / args.pages, 3) for k, v in stages.items() if v >= 0.0005}
            print(f"{kind:<10}{seconds / args.pages:>8.3f}  {per}" + (f"  ({ocred} pages OCR'd)" if ocred else ""))
            if kind == "scanned":
                (corpus / "copy.pdf").write_bytes((corpus / f"{kind}.pdf").read_bytes())  # same hash: cached
                seconds, stages, ocred = index_once(embedder, corpus, Path(tmp) / kind / "index")
                print(f"{'  cached':<10}{seconds / args.pages:>8.3f}  (the same scan again: {ocred} pages OCR'd)")


if __name__ == "__main__":
    main()
