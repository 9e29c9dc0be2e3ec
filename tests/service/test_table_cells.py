"""The table-cell stage without the model: a table as the indexer keeps it, a question, the cell chosen."""

from __future__ import annotations

import pytest

from indexer.gazetteer import Gazetteer
from indexer.tables import RawTable, TableText, place_rows, structure
from indexer.types import Chunk, Document, SourceFormat
from service.analysis import QuestionAnalyzer
from service.answer.parameters import TableCellSettings
from service.answer.table_cells import Cell, TableCells, YearNotCovered, overlap
from service.retrieval import Hit
from service.search import SearchOutcome

GRID = (
    ("STT", "Đơn vị", "Số máy tính", "Số máy chủ"),
    ("1", "Huyện Krông Pắe", "412", "3"),  # "Pắc" as OCR read it
    ("2", "Huyện Krông Bông", "389", "4"),
)


@pytest.fixture(scope="module")
def analyzer() -> QuestionAnalyzer:
    return QuestionAnalyzer(Gazetteer.load())


def outcome_for(analyzer: QuestionAnalyzer, question: str, ocr: bool) -> SearchOutcome:
    table = structure(RawTable(GRID, caption="Biểu 1. Hạ tầng CNTT cấp huyện", page=2, ocr=ocr))
    assert table is not None
    builder = TableText()
    builder.add("Báo cáo hạ tầng CNTT tỉnh Đắk Lắk năm 2025\n")
    table = place_rows(table, builder)
    text = builder.text()
    document = Document(
        "bao-cao.pdf",
        "Báo cáo hạ tầng CNTT tỉnh Đắk Lắk năm 2025",
        text,
        "-",
        SourceFormat.PDF,
        provinces=("Đắk Lắk",),
        pages=((2, 0),),
        ocr_pages=(2,) if ocr else (),
        tables=(table,),
    )
    hit = Hit(0, Chunk("bao-cao.pdf", 0, 0, len(text), text), document, 1.0, 1.0, 1.0)
    return SearchOutcome(analyzer.analyze(question), [hit], None, None)  # type: ignore[arg-type]


def test_words_one_letter_apart_count_only_for_tables_ocr_read() -> None:
    assert overlap({"krông", "pắe"}, {"krông", "pắc"}, ocr=True) == 2
    assert overlap({"krông", "pắe"}, {"krông", "pắc"}, ocr=False) == 1
    assert overlap({"krông", "bông"}, {"krông", "pắc"}, ocr=True) == 1


def test_a_cell_of_a_table_ocr_read_is_found_despite_a_misread_letter(analyzer: QuestionAnalyzer) -> None:
    question = "Huyện Krông Pắc có bao nhiêu máy tính?"
    cells = TableCells(TableCellSettings())
    found = cells.find(analyzer.analyze(question), outcome_for(analyzer, question, ocr=True), frozenset())
    assert isinstance(found, Cell) and found.answer == "412 máy tính"
    assert found.evidence == "Huyện Krông Pắe — Số máy tính: 412"
    cited = found.citation(outcome_for(analyzer, question, ocr=True))
    assert (cited.page, cited.ocr, cited.table) == (2, True, "Biểu 1. Hạ tầng CNTT cấp huyện")
    # The same misreading in a table with a text layer is another word: no cell.
    assert cells.find(analyzer.analyze(question), outcome_for(analyzer, question, ocr=False), frozenset()) is None


def test_a_year_the_report_does_not_cover(analyzer: QuestionAnalyzer) -> None:
    question = "Năm 2020 huyện Krông Bông có bao nhiêu máy chủ?"
    found = TableCells(TableCellSettings()).find(
        analyzer.analyze(question), outcome_for(analyzer, question, ocr=False), frozenset()
    )
    assert isinstance(found, YearNotCovered) and found.held == (2025,) and "không có năm 2020" in found.message()
