"""Reports as provinces publish them, indexed for real: a Word file with a district table, a PDF with a plan/actual
table (text layer), a scanned PDF read by Tesseract, a portal page with a table by year, Markdown tables."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from indexer.ocr import read_page
from indexer.pipeline import Indexer
from indexer.reader import open_index
from indexer.tables import Table
from indexer.types import Document, IndexSummary
from tests import reports
from tests.fakes import HashEmbedder

needs_ocr = pytest.mark.skipif(
    shutil.which("tesseract") is None or not reports.have_pdftoppm(),
    reason="Tesseract or pdftoppm is not installed (`make ocr`)",
)
MIN_OCR_ACCURACY = 0.98  # the bar for rendered Vietnamese pages


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions), by rows."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def character_accuracy(read: str, truth: str) -> float:
    read, truth = " ".join(read.split()), " ".join(truth.split())
    return 1 - edit_distance(read, truth) / len(truth)


def write_corpus(corpus: Path) -> None:
    corpus.mkdir(parents=True, exist_ok=True)
    (corpus / "dak-lak-ha-tang-cap-huyen.docx").write_bytes(reports.docx_bytes(reports.district_report()))
    (corpus / "dak-lak-ket-qua-2020-2021.pdf").write_bytes(reports.pdf_bytes(reports.plan_report()))
    (corpus / "dak-lak-cong-thong-tin.html").write_text(reports.html_text(reports.portal_report()), encoding="utf-8")
    (corpus / "dak-lak-ghi-chu.md").write_text(reports.markdown_text(reports.plan_report()), encoding="utf-8")
    if shutil.which("tesseract") and reports.have_pdftoppm():
        (corpus / "gia-lai-2024-ban-scan.pdf").write_bytes(reports.scanned_pdf(reports.scanned_report(), dpi=200))


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, IndexSummary]:
    root = tmp_path_factory.mktemp("reports")
    write_corpus(root / "corpus")
    summary = Indexer(HashEmbedder(), progress=False).run(root / "corpus", root / "index")
    return root / "corpus", root / "index", summary


def document(indexed: tuple[Path, Path, IndexSummary], source: str) -> Document:
    found = open_index(indexed[1], "fake:hash-64").store.document(source)
    assert found is not None, f"{source} was not indexed: {indexed[2].skipped}"
    return found


def row(table: Table, label: str) -> tuple[str, ...]:
    matches = [r.cells for r in table.rows if r.label == label]
    assert len(matches) == 1, [r.label for r in table.rows]
    return matches[0]


def test_every_report_is_indexed(indexed) -> None:
    _, _, summary = indexed
    assert summary.skipped == [] and summary.notes == []
    expected = 5 if shutil.which("tesseract") and reports.have_pdftoppm() else 4
    assert len(summary.added) == expected


def test_word_district_table(indexed) -> None:
    doc = document(indexed, "dak-lak-ha-tang-cap-huyen.docx")
    assert doc.provinces[:1] == ("Đắk Lắk",) and len(doc.tables) == 1
    table = doc.tables[0]
    assert table.caption == "Biểu 1. Hạ tầng CNTT cấp huyện" and table.label_header == "Đơn vị"
    assert [c[-1] for c in table.columns][:2] == ["Số máy tính", "Số máy chủ"]  # the STT column is not a value
    assert row(table, "Huyện Krông Pắc") == ("412", "3", "2", "95")
    assert [r.label for r in table.rows if r.total] == ["Tổng cộng"]
    krong_pac = next(r for r in table.rows if r.label == "Huyện Krông Pắc")
    line = doc.text[krong_pac.start : krong_pac.end]
    assert "Huyện Krông Pắc — Số máy tính: 412; Số máy chủ: 3" in line
    assert "450 máy tính" in doc.text  # the note under the table stays text


def test_pdf_plan_actual_table_with_a_merged_header(indexed) -> None:
    doc = document(indexed, "dak-lak-ket-qua-2020-2021.pdf")
    assert doc.pages == ((1, 0),) and doc.ocr_pages == ()
    (table,) = doc.tables
    assert table.page == 1 and not table.ocr and table.caption.startswith("Biểu 2.")
    assert table.columns == (
        ("Năm 2020", "Kế hoạch"),
        ("Năm 2020", "Thực hiện"),
        ("Năm 2021", "Kế hoạch"),
        ("Năm 2021", "Thực hiện"),
    )
    assert row(table, "Hồ sơ giải quyết trực tuyến") == ("12.000", "10.850", "20.000", "23.615")
    assert doc.page_at(table.rows[-1].start) == 1


def test_portal_page_table_by_year_without_the_chrome(indexed) -> None:
    doc = document(indexed, "dak-lak-cong-thong-tin.html")
    (table,) = doc.tables
    assert [c[-1] for c in table.columns] == ["2019", "2020", "2021", "2022"]
    assert row(table, "Số thủ tục hành chính trực tuyến") == ("96", "141", "188", "246")
    assert "Cỡ chữ" not in doc.text and "Chia sẻ" not in doc.text


def test_markdown_table_with_a_joined_header(indexed) -> None:
    doc = document(indexed, "dak-lak-ghi-chu.md")
    (table,) = doc.tables
    assert table.columns[1] == ("Năm 2020 - Thực hiện",)
    assert row(table, "Điểm cầu hội nghị truyền hình") == ("20", "18", "30", "27")


@needs_ocr
def test_scanned_pdf_is_read_by_ocr_with_its_page(indexed) -> None:
    doc = document(indexed, "gia-lai-2024-ban-scan.pdf")
    assert doc.ocr_pages == (1,) and doc.pages == ((1, 0),) and doc.provinces[:1] == ("Gia Lai",)
    truth = "\n".join(reports.scanned_report().paragraphs())
    accuracy = character_accuracy(doc.text, truth)
    assert accuracy >= MIN_OCR_ACCURACY, f"character accuracy {accuracy:.4f}\n{doc.text}"
    assert "1.745 chứng thư số" in doc.text and "38,5 tỷ đồng" in doc.text


@needs_ocr
@pytest.mark.parametrize("dpi", [150, 300])
def test_ocr_character_accuracy_on_rendered_vietnamese_pages(dpi: int) -> None:
    from PIL import Image

    (png,) = reports.render_pages(reports.pdf_bytes(reports.scanned_report()), dpi)
    image = Image.open(io.BytesIO(png)).convert("L")
    if dpi < 250:  # as the indexer does for low-resolution scans
        factor = 300 / dpi
        image = image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)
    layout = read_page(image)
    read = "\n".join(str(item[2]) for item in layout.items if item[0] == "text")
    truth = "\n".join(reports.scanned_report().paragraphs())
    accuracy = character_accuracy(read, truth)
    assert accuracy >= MIN_OCR_ACCURACY, f"{dpi} dpi: character accuracy {accuracy:.4f}\n{read}"


@needs_ocr
def test_reindexing_never_ocrs_an_unchanged_file_again(indexed) -> None:
    corpus, index_dir, first = indexed
    assert first.ocr_pages == 1
    again = Indexer(HashEmbedder(), progress=False).run(corpus, index_dir)
    assert again.ocr_pages == 0 and "gia-lai-2024-ban-scan.pdf" in again.unchanged
    # The same scan under another name is read again from the OCR cache (keyed by the file's hash), not by OCR.
    shutil.copy(corpus / "gia-lai-2024-ban-scan.pdf", corpus / "gia-lai-2024-ban-sao.pdf")
    try:
        copied = Indexer(HashEmbedder(), progress=False).run(corpus, index_dir)
        assert copied.ocr_pages == 0 and copied.added == ["gia-lai-2024-ban-sao.pdf"]
        assert document(indexed, "gia-lai-2024-ban-sao.pdf").text == document(indexed, "gia-lai-2024-ban-scan.pdf").text
    finally:
        (corpus / "gia-lai-2024-ban-sao.pdf").unlink()


@pytest.mark.skipif(not reports.have_pdftoppm(), reason="pdftoppm is not installed (`make ocr`)")
def test_a_scan_without_tesseract_is_skipped_with_what_to_install(tmp_path: Path, monkeypatch) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "scan.pdf").write_bytes(reports.scanned_pdf(reports.scanned_report(), dpi=150))
    (corpus / "scan.png").write_bytes(reports.render_pages(reports.pdf_bytes(reports.scanned_report()), 150)[0])
    (corpus / "dak-lak.docx").write_bytes(reports.docx_bytes(reports.district_report()))
    no_tesseract = tmp_path / "bin"
    no_tesseract.mkdir()
    monkeypatch.setenv("PATH", str(no_tesseract))
    summary = Indexer(HashEmbedder(), progress=False).run(corpus, tmp_path / "index")
    assert summary.added == ["dak-lak.docx"] and summary.ocr_pages == 0
    reasons = {s.source: s.reason for s in summary.skipped}
    assert set(reasons) == {"scan.pdf", "scan.png"}
    for reason in reasons.values():
        assert "tesseract-ocr-vie" in reason and "make ocr" in reason


@needs_ocr
def test_a_worker_that_dies_does_not_stop_indexing(tmp_path: Path, monkeypatch) -> None:
    """A broken worker pool (a worker killed for memory) leaves the pages to be read one at a time."""
    from concurrent.futures.process import BrokenProcessPool

    import indexer.ocr as ocr_module

    class DeadPool:
        def __init__(self, *args: object, **kwargs: object) -> None:
            pass

        def __enter__(self) -> DeadPool:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def map(self, *args: object) -> list:
            raise BrokenProcessPool("a worker died")

    monkeypatch.setattr(ocr_module, "ProcessPoolExecutor", DeadPool)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    scans = reports.render_pages(reports.pdf_bytes(reports.scanned_report(), pages=2), 150)
    (corpus / "two-pages.pdf").write_bytes(reports.image_pdf(scans, 150))
    summary = Indexer(HashEmbedder(), progress=False).run(corpus, tmp_path / "index")
    assert summary.added == ["two-pages.pdf"] and summary.skipped == [] and summary.ocr_pages == 2
