import pytest

from indexer.gazetteer import Gazetteer
from service.analysis import Language, QuestionAnalyzer, QuestionKind
from service.glossary import Glossary


@pytest.fixture(scope="module")
def analyzer() -> QuestionAnalyzer:
    return QuestionAnalyzer(Gazetteer.load())


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("Quảng Nam có bao nhiêu điểm cầu?", Language.VI),
        ("quang nam co bao nhieu diem cau", Language.VI_NO_DIACRITICS),
        ("How many video-conference points does Quảng Nam have?", Language.EN),
        ("What is the GDP of Khánh Hòa province?", Language.EN),
    ],
)
def test_language(analyzer: QuestionAnalyzer, question: str, language: Language) -> None:
    assert analyzer.analyze(question).language is language


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Quảng Nam có bao nhiêu điểm cầu?", QuestionKind.COUNT),
        ("Tỷ lệ máy tính trên cán bộ là bao nhiêu?", QuestionKind.PERCENT),
        ("What share of civil servants have a computer?", QuestionKind.PERCENT),
        ("Đoàn kiểm tra làm việc vào tháng mấy năm 2014?", QuestionKind.DATE),
        ("Những huyện nào chưa có kế hoạch?", QuestionKind.LIST),
        ("Vì sao triển khai gặp khó khăn?", QuestionKind.EXPLAIN),
        ("Hạ tầng được đầu tư từ đề án nào?", QuestionKind.TEXT),
        ("how many servers are there", QuestionKind.COUNT),
    ],
)
def test_kind(analyzer: QuestionAnalyzer, question: str, kind: QuestionKind) -> None:
    assert analyzer.analyze(question).kind is kind


def test_provinces_short_forms_and_merger(analyzer: QuestionAnalyzer) -> None:
    assert analyzer.analyze("TP.HCM có bao nhiêu trường?").province == "Hồ Chí Minh"
    assert analyzer.analyze("sai gon co bao nhieu truong").province == "Hồ Chí Minh"
    today = analyzer.analyze("Quảng Ngãi có bao nhiêu điểm cầu?")
    assert today.provinces[0].searched == ("Quảng Ngãi", "Kon Tum")
    assert "Kon Tum" in (today.provinces[0].note or "")
    assert analyzer.analyze("Kon Tum có bao nhiêu máy chủ?").searched_provinces == ("Kon Tum",)
    assert analyzer.analyze("Năm 2012 có bao nhiêu đơn vị?").years == (2012,)


@pytest.mark.parametrize(
    ("question", "unnamed", "lexical_unnamed"),
    [
        ("Quảng Nam có bao nhiêu điểm cầu?", "có bao nhiêu điểm cầu?", "có bao nhiêu điểm cầu?"),
        ("quang nam co bao nhieu diem cau", "co bao nhieu diem cau", "co bao nhieu diem cau"),
        ("Ở tỉnh Kon Tum, bao nhiêu xã có máy tính?", "Ở tỉnh , bao nhiêu xã có máy tính?", None),
        # a place below the province says more than the province filter: it stays
        ("Huyện Krông Pắc có bao nhiêu máy tính?", "Huyện Krông Pắc có bao nhiêu máy tính?", None),
        ("How many video-conference points does Quảng Nam have?", "How many video-conference points does have?", None),
    ],
)
def test_the_question_without_the_provinces_it_names(
    analyzer: QuestionAnalyzer, question: str, unnamed: str, lexical_unnamed: str | None
) -> None:
    """What is matched when the provinces are a filter already: the question without their names."""
    analysis = analyzer.analyze(question)
    assert analysis.unnamed == unnamed
    if lexical_unnamed is not None:
        assert analysis.lexical_unnamed == lexical_unnamed
    assert all(p not in analysis.lexical_unnamed for p in analysis.searched_provinces)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("servers at district level", [("máy chủ",), ("cấp huyện",)]),  # typed with a space
        ("district-level servers", [("cấp huyện",), ("máy chủ",)]),
        ("servers in each district", [("máy chủ",), ("huyện",)]),  # "district" alone stays the place word
        ("provincial  level agencies", [("cấp tỉnh",), ("cơ quan", "đơn vị")]),
    ],
)
def test_glossary_terms_match_with_a_hyphen_or_a_space(written: str, expected: list[tuple[str, ...]]) -> None:
    assert Glossary.load().groups(written) == expected
