"""How the PDF and OCR libraries were chosen: measured on Vietnamese pages made here (tests/reports.py).

    .venv/bin/python -m benchmarks.pdf_ocr_choice [--pymupdf DIR] [--dpis 150 200 300]

PDF text layer (pypdf, pdfplumber, PyMuPDF if importable): character accuracy of each page's text against what
was written, in the written order (so reading-order mistakes cost), table cells recovered exactly (merged
header cells count as recovered when the library reports the span), seconds a page.

OCR (Tesseract 5 with Debian's `vie` model, through pytesseract and, if importable, PyMuPDF's OCR): the same
pages rendered to grey images at each dpi (pdftoppm), character accuracy of the OCR text against the written
text, seconds a page.  Character accuracy = 1 - Levenshtein distance / length of the written text, with runs of
whitespace made one space on both sides.

PyMuPDF is AGPL, so it is not a dependency: `pip install --target DIR pymupdf` and pass `--pymupdf DIR` to
include it in the comparison.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import time
from collections.abc import Callable

from rapidfuzz.distance import Levenshtein

from tests.reports import (
    Report,
    TableSpec,
    district_report,
    pdf_bytes,
    plan_report,
    portal_report,
    render_pages,
    scanned_report,
)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def accuracy(truth: str, got: str) -> float:
    truth, got = squash(truth), squash(got)
    return 1.0 - Levenshtein.distance(truth, got) / max(1, len(truth))


def written_text(report: Report) -> str:
    """The page's text in the order it was written: paragraphs, captions, table cells row by row, notes."""
    out = []
    for _kind, block in report.blocks:
        if isinstance(block, TableSpec):
            out.append(block.caption)
            # merged header cells are written once
            for header_row in block.header:
                out.append(" ".join(c.text for c in header_row))
            out.extend(" ".join(row) for row in block.rows)
            if block.note:
                out.append(block.note)
        else:
            out.append(str(block))
    return "\n".join(out)


def prose_text(report: Report) -> str:
    return "\n".join(str(b) for _k, b in report.blocks if not isinstance(b, TableSpec))


REPORTS = {
    "text": scanned_report,
    "district table": district_report,
    "plan/actual table": plan_report,
    "by-year table": portal_report,
}


# -- PDF text layers --------------------------------------------------------------------------------------


def pypdf_text(data: bytes) -> tuple[str, list[list[list[str | None]]]]:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages), []


def pdfplumber_text(data: bytes) -> tuple[str, list[list[list[str | None]]]]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        return page.extract_text() or "", page.extract_tables()


def pymupdf_text(data: bytes) -> tuple[str, list[list[list[str | None]]]]:
    import fitz  # type: ignore[import-not-found]

    with fitz.open(stream=data, filetype="pdf") as pdf:
        page = pdf[0]
        return page.get_text("text", sort=True), [t.extract() for t in page.find_tables().tables]


def table_score(spec: TableSpec, found: list[list[list[str | None]]]) -> float:
    """Share of the table's cells recovered exactly (a None where the header merges counts as the span)."""
    truth = spec.grid()
    best = 0.0
    for table in found:
        if len(table) != len(truth) or any(len(r) != len(truth[0]) for r in table):
            continue
        right = 0
        for r, row in enumerate(table):
            for c, cell in enumerate(row):
                want = truth[r][c]
                if cell is None:
                    merged = (c > 0 and truth[r][c - 1] == want) or (r > 0 and truth[r - 1][c] == want)
                    right += merged
                else:
                    right += squash(cell) == squash(want)
        best = max(best, right / (len(truth) * len(truth[0])))
    return best


def reversed_stream_pdf(report: Report) -> bytes:
    """The text report with its paragraphs at their usual places but written into the content stream last one
    first (as layout programs often write pages): a library that reads the stream in order reads it backwards."""
    from fpdf import FPDF

    from tests.reports import FONT

    pdf = FPDF(format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    pdf.set_font("DejaVu", "", 11)
    blocks = [str(b) for _k, b in report.blocks]
    placed, y = [], 20.0
    for text in blocks:
        placed.append((y, text))
        y += float(pdf.multi_cell(0, 6, text, dry_run=True, output="HEIGHT")) + 2
    for y, text in reversed(placed):
        pdf.set_xy(20, y)
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def compare_pdf(libraries: dict[str, Callable[[bytes], tuple[str, list]]]) -> None:
    print("\n## PDF text layer (one A4 page each, DejaVu Sans 11 pt, fpdf2)")
    print("| library | page | character accuracy | table cells exact | ms a page |")
    print("| --- | --- | --- | --- | --- |")
    for name, extract in libraries.items():
        for label, make in REPORTS.items():
            report = make()
            data = pdf_bytes(report)
            extract(data)  # warm up (imports)
            start = time.perf_counter()
            runs = 5
            for _ in range(runs):
                text, tables = extract(data)
            ms = (time.perf_counter() - start) / runs * 1000
            spec = next((b for _k, b in report.blocks if isinstance(b, TableSpec)), None)
            cells = f"{table_score(spec, tables):.3f}" if spec is not None and name != "pypdf" else "—"
            print(f"| {name} | {label} | {accuracy(written_text(report), text):.4f} | {cells} | {ms:.0f} |")
        report = scanned_report()
        text, _ = extract(reversed_stream_pdf(report))
        print(f"| {name} | text, stream not in reading order | {accuracy(written_text(report), text):.4f} | — | |")


# -- OCR -------------------------------------------------------------------------------------------------


def pytesseract_ocr(config: str) -> Callable[[bytes], str]:
    def run(png: bytes) -> str:
        import pytesseract
        from PIL import Image

        return str(pytesseract.image_to_string(Image.open(io.BytesIO(png)), lang="vie", config=config))

    return run


def pymupdf_ocr(png: bytes) -> str:
    import fitz  # type: ignore[import-not-found]

    pix = fitz.Pixmap(png)
    ocr_pdf = fitz.open("pdf", pix.pdfocr_tobytes(language="vie", tessdata="/usr/share/tesseract-ocr/5/tessdata"))
    return str(ocr_pdf[0].get_text("text", sort=True))


def compare_ocr(engines: dict[str, Callable[[bytes], str]], dpis: list[int]) -> None:
    print("\n## OCR of rendered pages (grey, pdftoppm), Tesseract 5.3 `vie`")
    print("| engine | page | dpi | character accuracy (prose) | character accuracy (whole page) | s a page |")
    print("| --- | --- | --- | --- | --- | --- |")
    for name, ocr in engines.items():
        for label, make in REPORTS.items():
            report = make()
            data = pdf_bytes(report)
            for dpi in dpis:
                png = render_pages(data, dpi)[0]
                start = time.perf_counter()
                text = ocr(png)
                seconds = time.perf_counter() - start
                prose = prose_text(report)
                # the prose alone: the OCR text's lines that are not the table's, compared in order
                prose_acc = prose_accuracy(prose, text)
                whole = accuracy(written_text(report), text)
                print(f"| {name} | {label} | {dpi} | {prose_acc:.4f} | {whole:.4f} | {seconds:.2f} |")


def prose_accuracy(prose: str, text: str) -> float:
    """Accuracy of the prose paragraphs: each written paragraph against the best-aligned stretch of the OCR text
    (tables in between do not count against it)."""
    squashed = squash(text)
    errors = total = 0
    for paragraph in prose.split("\n"):
        p = squash(paragraph)
        alignment = Levenshtein.opcodes(p, squashed)
        # the stretch of OCR text aligned with the paragraph
        blocks = [op for op in alignment if op.tag in ("equal", "replace")]
        if not blocks:
            errors += len(p)
        else:
            stretch = squashed[blocks[0].dest_start : blocks[-1].dest_end]
            errors += Levenshtein.distance(p, stretch)
        total += len(p)
    return 1.0 - errors / max(1, total)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pymupdf", help="a folder where `pip install --target` put pymupdf (AGPL: not a dependency)")
    parser.add_argument("--dpis", type=int, nargs="+", default=[150, 200, 300])
    parser.add_argument("--skip-pdf", action="store_true")
    parser.add_argument("--skip-ocr", action="store_true")
    args = parser.parse_args()
    if args.pymupdf:
        sys.path.append(args.pymupdf)  # after the venv's packages: its numpy copy is not used
    libraries: dict[str, Callable[[bytes], tuple[str, list]]] = {"pypdf": pypdf_text, "pdfplumber": pdfplumber_text}
    engines: dict[str, Callable[[bytes], str]] = {
        "pytesseract --psm 3": pytesseract_ocr("--psm 3"),
        "pytesseract --psm 4": pytesseract_ocr("--psm 4"),
        "pytesseract --psm 6": pytesseract_ocr("--psm 6"),
    }
    try:
        import fitz  # type: ignore[import-not-found]  # noqa: F401

        libraries["PyMuPDF"] = pymupdf_text
        engines["PyMuPDF OCR"] = pymupdf_ocr
    except ImportError:
        print("PyMuPDF not importable: left out (see --pymupdf)")
    if not args.skip_pdf:
        compare_pdf(libraries)
    if not args.skip_ocr:
        compare_ocr(engines, args.dpis)


if __name__ == "__main__":
    main()
