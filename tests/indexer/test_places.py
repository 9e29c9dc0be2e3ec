"""Places below the province: districts, towns, provincial cities and communes are mentions of their province."""

import json
import time

import pytest

from indexer.gazetteer import Gazetteer
from indexer.metadata import build_document
from indexer.places import DATA_FILE, Places
from indexer.types import RawDocument, SourceFormat
from service.analysis import QuestionAnalyzer


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return Gazetteer.load()


@pytest.mark.parametrize(
    ("text", "written", "place"),
    [
        ("Buôn Ma Thuột có bao nhiêu máy tính?", "Buôn Ma Thuột", "Buôn Ma Thuột"),
        ("Huyện Krông Pắc có bao nhiêu máy tính?", "Huyện Krông Pắc", "Krông Pắc"),
        ("thị xã Buôn Hồ có mấy máy chủ", "thị xã Buôn Hồ", "Buôn Hồ"),
        ("Số liệu của TP. Buôn Ma Thuột năm 2024", "TP. Buôn Ma Thuột", "Buôn Ma Thuột"),
        ("huyen krong pac co bao nhieu may tinh", "huyen krong pac", "Krông Pắc"),
        ("buon ma thuot co bao nhieu may chu", "buon ma thuot", "Buôn Ma Thuột"),
    ],
)
def test_places_are_mentions_of_their_province(gazetteer: Gazetteer, text: str, written: str, place: str) -> None:
    mentions = gazetteer.mentions(text)
    assert [(m.province, text[m.start : m.end], m.place) for m in mentions] == [("Đắk Lắk", written, place)]


def test_names_several_provinces_share_or_ordinary_words_are_not_mentions(gazetteer: Gazetteer) -> None:
    assert gazetteer.mentions("huyện Châu Thành có bao nhiêu máy tính?") == []  # a district in nine provinces
    assert gazetteer.mentions("xã hội hóa đầu tư, phường hội, thành phố thông minh") == []
    # People whose given names are district names ("Văn Lâm" in Hưng Yên, "Hồng Bàng" in Hải Phòng).
    assert gazetteer.mentions("Tại sao Đặng Văn Lâm lại tiến tới gần điểm đặt bóng?") == []
    assert gazetteer.mentions("Trung tướng Mai Hồng Bàng đã phát biểu như thế nào?") == []
    # A province name keeps meaning the province, not a city of that name.
    assert [(m.province, m.place) for m in gazetteer.mentions("thành phố Hồ Chí Minh")] == [("Hồ Chí Minh", "")]


def test_resolve_a_place_or_a_province(gazetteer: Gazetteer) -> None:
    assert gazetteer.resolve("Buôn Ma Thuột") == "Đắk Lắk"
    assert gazetteer.resolve("huyện Krông Pắc") == "Đắk Lắk"
    assert gazetteer.resolve("TP.HCM") == "Hồ Chí Minh"
    assert gazetteer.resolve("Atlantis") is None
    assert gazetteer.resolve("Châu Thành") is None


def test_a_question_about_a_place_is_scoped_to_its_province(gazetteer: Gazetteer) -> None:
    analyzer = QuestionAnalyzer(gazetteer)
    for question, place in (
        ("Buôn Ma Thuột có bao nhiêu máy tính?", "Buôn Ma Thuột"),
        ("Thị xã Buôn Hồ có bao nhiêu máy chủ?", "Buôn Hồ"),
        ("How many computers does Krông Pắc district have?", "Krông Pắc"),
    ):
        analysis = analyzer.analyze(question)
        assert analysis.province == "Đắk Lắk" and analysis.searched_provinces[0] == "Đắk Lắk"
        assert analysis.places == (place,)
    # A ward of today's Đắk Lắk made from the former Phú Yên is searched in the former Phú Yên's reports.
    assert analyzer.analyze("phường Tuy Hòa có bao nhiêu điểm cầu?").searched_provinces == ("Phú Yên",)


def test_a_report_naming_only_its_districts_is_filed_under_the_province(gazetteer: Gazetteer) -> None:
    raw = RawDocument(
        text="Báo cáo của UBND huyện Krông Pắc. Huyện Krông Pắc phối hợp với thị xã Buôn Hồ và TP Buôn Ma Thuột.",
        format=SourceFormat.TEXT,
        title="Báo cáo ứng dụng CNTT huyện Krông Pắc",
    )
    assert build_document("krong-pac.txt", raw, "-", 0, gazetteer).provinces == ("Đắk Lắk",)


def test_places_data_names_its_source_and_loads_on_first_use() -> None:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert "vietnamadminunits" in data["source"] and data["retrieved"]
    assert len(data["before_2025"]) == 63 and len(data["since_2025"]) == 34
    gazetteer = Gazetteer.load()
    assert gazetteer._places is None  # nothing read until a look-up needs it
    start = time.perf_counter()
    assert isinstance(gazetteer.places, Places)
    assert time.perf_counter() - start < 2.0
    assert Gazetteer.load(places_file=None).mentions("huyện Krông Pắc") == []


def test_a_question_that_cannot_name_a_place_leaves_the_list_unread() -> None:
    gazetteer = Gazetteer.load()
    assert [m.province for m in gazetteer.mentions("Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?")] == ["Kon Tum"]
    assert gazetteer._places is None  # a one-question process does not pay for the list
    assert [m.place for m in gazetteer.mentions("Năm 2025 Buôn Hồ có bao nhiêu máy chủ?")] == ["Buôn Hồ"]
    assert gazetteer._places is not None
