"""What a document is about: the provinces that are its subject (not those it names in passing) and its kind
(report, plan, decision or news), kept in the store and read back."""

import sqlite3
from pathlib import Path

import pytest

from indexer.gazetteer import Gazetteer
from indexer.kinds import DocumentKind, document_kind
from indexer.loaders import load_bytes
from indexer.metadata import build_document
from indexer.store import ChunkStore, write_store
from indexer.types import RawDocument, SourceFormat

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


def document(gazetteer: Gazetteer, text: str, source: str = "a.txt"):
    return build_document(source, RawDocument(text, SourceFormat.TEXT), "-", len(text), gazetteer)


def test_a_report_is_about_its_province_and_a_news_item_naming_it_once_is_not(gazetteer: Gazetteer) -> None:
    report = document(
        gazetteer,
        "Quảng Nam: triển khai ứng dụng công nghệ thông tin năm 2012\n\n"
        "Sở Thông tin và Truyền thông tỉnh Quảng Nam cho biết toàn tỉnh có 87 máy chủ. "
        "Các huyện của Quảng Nam đều có mạng nội bộ.",
    )
    assert report.subjects == ("Quảng Nam",) and report.provinces == ("Quảng Nam",)
    news = document(
        gazetteer,
        "Đội bóng thủ đô thắng trận mở màn\n\n"
        "Chiều qua tại sân Hàng Đẫy, Hà Nội thắng 2-0. Hà Nội vươn lên đầu bảng sau trận thắng. "
        "Cổ động viên Hà Nội đến sân rất đông. Tiền đạo sinh ra ở Quảng Nam ghi bàn thứ hai.",
    )
    assert "Quảng Nam" in news.provinces  # still found under a filter on Quảng Nam …
    assert news.subjects == ("Hà Nội",)  # … but not about it
    once = document(gazetteer, "Giá vàng hôm nay tăng mạnh\n\nMột cửa hàng ở Quảng Nam bán ra 50 lượng vàng.")
    assert once.provinces == ("Quảng Nam",) and once.subjects == ()  # named once, not in the title


def test_a_province_named_often_is_a_subject_without_its_title_naming_it(gazetteer: Gazetteer) -> None:
    text = (
        "Đánh giá hạ tầng công nghệ thông tin của các sở, ban, ngành\n\n"
        + "Các đơn vị đã có mạng nội bộ. " * 20
        + "Tỉnh Kon Tum có 1.350 máy tính. Kon Tum kết nối mạng diện rộng. UBND tỉnh Kon Tum chỉ đạo."
    )
    assert document(gazetteer, text).subjects == ("Kon Tum",)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.txt")), ids=lambda p: p.name)
def test_each_seed_report_is_about_its_province(gazetteer: Gazetteer, path: Path) -> None:
    raw = load_bytes(path, path.read_bytes())
    doc = build_document(path.name, raw, "-", path.stat().st_size, gazetteer)
    provinces = {"quang": "Quảng Nam", "kon": "Kon Tum", "khanh": "Khánh Hòa", "dien": "Điện Biên"}
    expected = provinces[path.name.split("-")[0]]
    assert doc.subjects is not None and doc.subjects[0] == expected


@pytest.mark.parametrize(
    ("title", "text", "kind"),
    [
        ("Tình hình ứng dụng CNTT", "UBND TỈNH KON TUM\nSố: 12/BC-UBND\nBÁO CÁO\nTình hình ứng dụng CNTT", "report"),
        ("Ứng dụng CNTT năm 2012", "KẾ HOẠCH ỨNG DỤNG CÔNG NGHỆ THÔNG TIN NĂM 2012\nCăn cứ …", "plan"),
        ("Về việc ban hành quy chế", "Số: 45/2014/QĐ-UBND\nQuyết định về việc ban hành quy chế", "decision"),
        ("Tỉnh Khánh Hòa: Phê duyệt kế hoạch ứng dụng CNTT năm 2012", "Trong những năm qua …", "plan"),
        ("Đánh giá hạ tầng và tình hình ứng dụng CNTT của các sở", "Qua báo cáo và khảo sát …", "report"),
        ("Luật sư đề nghị hoãn phiên tòa", "Sáng nay, luật sư của bị cáo …", "news"),
        ("Đội bóng thủ đô thắng trận mở màn", "Chiều qua tại sân Hàng Đẫy …", "news"),
    ],
)
def test_the_kind_of_a_document(title: str, text: str, kind: str) -> None:
    assert document_kind(title, text) is DocumentKind(kind)


def test_subjects_and_kind_are_kept_in_the_store(gazetteer: Gazetteer, tmp_path: Path) -> None:
    doc = document(gazetteer, "BÁO CÁO\nTình hình ứng dụng CNTT tỉnh Kon Tum\n\nKon Tum có 30 đơn vị dùng thư điện tử.")
    assert doc.kind is DocumentKind.REPORT and doc.subjects == ("Kon Tum",)
    write_store(tmp_path / "store.sqlite", [doc], [])
    store = ChunkStore(tmp_path / "store.sqlite")
    read = store.document("a.txt")
    assert read is not None and read.kind is DocumentKind.REPORT
    assert read.subjects == read.about == ("Kon Tum",)
    info = store.infos()[0]  # what queries see of every document, without reading its text
    assert info.kind is DocumentKind.REPORT and info.subjects == info.about == ("Kon Tum",)


def test_a_store_written_before_subjects_were_kept_reads_as_before(gazetteer: Gazetteer, tmp_path: Path) -> None:
    doc = document(gazetteer, "BÁO CÁO\nTình hình ứng dụng CNTT tỉnh Kon Tum\n\nKon Tum có 30 đơn vị dùng thư điện tử.")
    path = tmp_path / "store.sqlite"
    write_store(path, [doc], [])
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE documents DROP COLUMN subjects")
        conn.execute("ALTER TABLE documents DROP COLUMN kind")
    store = ChunkStore(path)
    read = store.document("a.txt")
    assert read is not None and read.subjects is None
    assert read.about == read.provinces == ("Kon Tum",)  # every province it names counts, as before
    assert read.kind is DocumentKind.REPORT  # the kind is read from its heading again
    info = store.infos()[0]  # … but not for every document at load: queries then apply no news prior
    assert info.kind is None and info.subjects is None and info.about == ("Kon Tum",)
