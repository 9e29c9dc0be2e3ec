"""Questions answered from a table cell or a scanned page, with the real model over real report files: the right
cell (never a decoy cell of the same row or column), its unit, evidence naming row and column, a citation at the
table and its page; a year no column covers is refused; places below the province keep to their province."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from service.answer import Outcome
from service.api.models import Citation as CitationModel
from service.formatting.text import plain_text
from tests import reports

DISTRICTS = "dak-lak-ha-tang-cap-huyen.docx"
ocr_installed = shutil.which("tesseract") is not None and reports.have_pdftoppm()
# Gia Lai's district table reaches us as a scan where OCR is installed (its cells are then read by OCR).
GIA_LAI = "gia-lai-ha-tang-cap-huyen.pdf" if ocr_installed else "gia-lai-ha-tang-cap-huyen.docx"
PLAN = "dak-lak-ket-qua-2020-2021.pdf"
PORTAL = "dak-lak-cong-thong-tin.html"
SCAN = "gia-lai-2024-ban-scan.pdf"


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, embedder):
    from indexer.pipeline import Indexer
    from service.engine import EngineHolder
    from service.settings import Settings

    root = tmp_path_factory.mktemp("table-answers")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / DISTRICTS).write_bytes(reports.docx_bytes(reports.district_report()))
    gia_lai = reports.gia_lai_district_report()
    if ocr_installed:
        (corpus / GIA_LAI).write_bytes(reports.scanned_pdf(gia_lai, dpi=200))
    else:
        (corpus / GIA_LAI).write_bytes(reports.docx_bytes(gia_lai))
    (corpus / PLAN).write_bytes(reports.pdf_bytes(reports.plan_report()))
    (corpus / PORTAL).write_text(reports.html_text(reports.portal_report()), encoding="utf-8")
    if ocr_installed:
        (corpus / SCAN).write_bytes(reports.scanned_pdf(reports.scanned_report(), dpi=200))
    summary = Indexer(embedder, progress=False).run(corpus, root / "index")
    assert summary.skipped == []
    holder = EngineHolder(Settings(index_dir=Path(root / "index")), embedder=embedder)
    holder.load()
    return holder.current()


def figures(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:[.,]\d+)*", text))


def answered(engine, question: str):
    answer, _ = engine.ask(question, 5)
    assert answer.outcome is Outcome.ANSWERED, f"{question}: {answer.message}"
    assert answer.answer is not None and answer.citations
    return answer


@pytest.mark.parametrize(
    ("question", "expected", "evidence", "source"),
    [
        (
            "Huyện Krông Pắc có bao nhiêu máy tính?",
            "412 máy tính",
            "Huyện Krông Pắc — Số máy tính: 412",
            DISTRICTS,
        ),
        ("Thị xã Buôn Hồ có bao nhiêu máy chủ?", "5 máy chủ", "Thị xã Buôn Hồ — Số máy chủ: 5", DISTRICTS),
        (
            "Buôn Ma Thuột có bao nhiêu cán bộ chuyên trách?",
            "9 người",
            "Thành phố Buôn Ma Thuột — Cán bộ chuyên trách (người): 9",
            DISTRICTS,
        ),
        (
            "Tỷ lệ kết nối Internet của huyện Ea Kar là bao nhiêu?",
            "93%",
            "Huyện Ea Kar — Tỷ lệ kết nối Internet (%): 93",
            DISTRICTS,
        ),
        (
            "Tổng cộng các huyện của Đắk Lắk có bao nhiêu máy tính?",
            "2.790 máy tính",
            "Tổng cộng — Số máy tính: 2.790",
            DISTRICTS,
        ),
        ("Pleiku có bao nhiêu máy tính?", "1.512 máy tính", "Thành phố Pleiku — Số máy tính: 1.512", GIA_LAI),
        ("Thị xã An Khê có bao nhiêu máy chủ?", "4 máy chủ", "Thị xã An Khê — Số máy chủ: 4", GIA_LAI),
        (
            "Năm 2021 Đắk Lắk thực hiện được bao nhiêu hồ sơ giải quyết trực tuyến?",
            "23.615 hồ sơ giải quyết trực tuyến",
            "Hồ sơ giải quyết trực tuyến — Năm 2021 - Thực hiện: 23.615",
            PLAN,
        ),
        (
            "Kế hoạch năm 2020 về điểm cầu hội nghị truyền hình là bao nhiêu?",
            "20 điểm cầu hội nghị truyền hình",
            "Điểm cầu hội nghị truyền hình — Năm 2020 - Kế hoạch: 20",
            PLAN,
        ),
        (
            "Năm 2020 Đắk Lắk có bao nhiêu thủ tục hành chính trực tuyến?",
            "141 thủ tục hành chính trực tuyến",
            "Số thủ tục hành chính trực tuyến — 2020: 141",
            PORTAL,
        ),
        (
            "Số văn bản điện tử gửi nhận năm 2021 là bao nhiêu?",
            "402 nghìn văn bản",
            "Số văn bản điện tử gửi nhận (nghìn văn bản) — 2021: 402",
            PORTAL,
        ),
    ],
)
def test_a_cell_is_answered_with_its_unit_row_and_column(
    engine, question: str, expected: str, evidence: str, source: str
) -> None:
    answer = answered(engine, question)
    # The answer is the cell alone: no other cell of its row or column (every figure of the answer is the cell's).
    assert answer.answer == expected
    assert figures(answer.answer) == figures(expected)
    assert answer.evidence == evidence
    cited = answer.citations[0]
    assert cited.source == source and cited.table and cited.table.startswith(("Biểu", "Số liệu"))
    assert evidence.rsplit(": ", 1)[1] in cited.text and evidence.split(" — ")[0] in cited.text
    if source == PLAN:
        assert cited.page == 1 and not cited.ocr
    if source == GIA_LAI and ocr_installed:
        assert cited.page == 1 and cited.ocr  # a cell of a scanned table, read by OCR


def test_a_question_naming_no_row_is_the_total_rows_and_two_columns_give_two_cells(engine) -> None:
    assert answered(engine, "Đắk Lắk có bao nhiêu máy tính?").answer == "2.790 máy tính"
    both = answered(engine, "Huyện Krông Pắc có bao nhiêu máy chủ, cán bộ chuyên trách?")
    assert both.answer == "3 máy chủ; 2 người"
    assert both.evidence == "Huyện Krông Pắc — Số máy chủ: 3; Cán bộ chuyên trách (người): 2"


def test_a_thing_no_column_counts_is_not_answered_with_a_cell(engine) -> None:
    answer, _ = engine.ask("Huyện Krông Pắc có bao nhiêu máy in?", 5)
    assert answer.answer is None and answer.outcome is not Outcome.ANSWERED


def test_an_english_question_reads_the_same_cell(engine) -> None:
    answer = answered(engine, "How many computers does Krông Pắc district have?")
    assert answer.answer == "412 máy tính" and answer.evidence == "Huyện Krông Pắc — Số máy tính: 412"


def test_plan_and_actual_are_chosen_by_the_question(engine) -> None:
    plan = answered(engine, "Năm 2021 kế hoạch có bao nhiêu dịch vụ công trực tuyến mức độ 3, 4?")
    done = answered(engine, "Năm 2021 thực hiện được bao nhiêu dịch vụ công trực tuyến mức độ 3, 4?")
    assert plan.answer == "450 dịch vụ công trực tuyến mức độ 3, 4"
    assert done.answer == "472 dịch vụ công trực tuyến mức độ 3, 4"


@pytest.mark.parametrize(
    "question",
    [
        "Năm 2019 kế hoạch về điểm cầu hội nghị truyền hình là bao nhiêu?",  # the table has 2020 and 2021
        "Năm 2018 Đắk Lắk có bao nhiêu thủ tục hành chính trực tuyến?",  # the portal's table starts in 2019
        "Năm 2020 huyện Krông Pắc có bao nhiêu máy tính?",  # the district table is the 2025 report's
    ],
)
def test_a_year_no_column_covers_is_refused(engine, question: str) -> None:
    answer, _ = engine.ask(question, 5)
    assert answer.answer is None and answer.outcome is Outcome.NOT_COVERED
    assert answer.message and re.search(r"không có năm (2018|2019|2020)", answer.message)


def test_a_year_the_text_under_a_table_gives_is_answered_from_the_text(engine) -> None:
    """The district table is 2025's, but the note under it sets the 2026 target: that sentence answers."""
    answer = answered(engine, "Năm 2026 mỗi huyện phấn đấu có ít nhất bao nhiêu máy tính?")
    assert answer.answer == "450 máy tính" and "2026" in (answer.evidence or "")


def test_a_sentence_for_the_year_about_something_else_does_not_answer(engine) -> None:
    """The portal's table stops at 2022; the line under it gives a 2023 target, but for documents, not for the
    agencies using digital signatures that were asked about."""
    answer, _ = engine.ask("Số cơ quan dùng chữ ký số năm 2023 là bao nhiêu?", 5)
    assert answer.answer is None and answer.outcome is Outcome.NOT_COVERED
    assert answer.message and "không có năm 2023" in answer.message


def test_a_place_is_answered_only_from_its_province(engine) -> None:
    answer, searched = engine.ask("Buôn Ma Thuột có bao nhiêu máy tính?", 5)
    assert searched.analysis.province == "Đắk Lắk"
    assert searched.hits and {h.document.source for h in searched.hits} <= {DISTRICTS, PLAN, PORTAL}
    assert answer.answer == "1.286 máy tính"
    # Tuy Hòa is in Phú Yên, whose reports are not here: no answer from Đắk Lắk's or Gia Lai's tables.
    other, _ = engine.ask("Thành phố Tuy Hòa có bao nhiêu máy tính?", 5)
    assert other.answer is None and other.outcome is Outcome.NO_REPORT


def test_citation_page_and_table_reach_the_api_and_the_text() -> None:
    from service.answer import Answer, Citation

    row = "Huyện Krông Pắc — Số máy tính: 412; Số máy chủ: 3"
    cited = Citation("a.pdf", "Báo cáo", "c1", 0, len(row), row, 1.0, None, 2, True, "Biểu 1. Hạ tầng CNTT cấp huyện")
    model = CitationModel(**cited.__dict__)
    assert (model.page, model.ocr, model.table) == (2, True, "Biểu 1. Hạ tầng CNTT cấp huyện")
    answer = Answer("412 máy tính", "Huyện Krông Pắc — Số máy tính: 412", [cited], confidence=0.9)
    text = plain_text(answer)
    assert "trang 2 (OCR)" in text and "bảng “Biểu 1. Hạ tầng CNTT cấp huyện”" in text
    assert "Số máy chủ: 3" not in text  # the row's other cells are not quoted


@pytest.mark.skipif(not ocr_installed, reason="Tesseract or pdftoppm is not installed (`make ocr`)")
def test_a_scanned_page_is_answered_and_cited_as_ocr(engine) -> None:
    answer, _ = engine.ask("Gia Lai đã cấp bao nhiêu chứng thư số cho cán bộ, công chức?", 5)
    assert answer.outcome is Outcome.ANSWERED and answer.answer is not None
    assert "1.745" in answer.answer and figures(answer.answer) == {"1.745"}
    cited = answer.citations[0]
    assert cited.source == SCAN and cited.page == 1 and cited.ocr
    assert "trang 1 (OCR)" in plain_text(answer)
