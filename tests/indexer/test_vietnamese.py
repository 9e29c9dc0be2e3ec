import pytest

from indexer.normalize import normalize_text
from indexer.vietnamese import fold, has_diacritics, is_syllable, normalize_tones


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("hoà", "hòa"),
        ("Hoà Bình", "Hòa Bình"),
        ("thuỷ lợi", "thủy lợi"),
        ("Thuý", "Thúy"),
        ("hoá học", "hóa học"),
        ("loè", "lòe"),
        ("tuỳ", "tùy"),
        ("ủy ban", "ủy ban"),
        ("quý", "quý"),
        ("Quý", "Quý"),
        ("hoàng", "hoàng"),
        ("khoảng", "khoảng"),
        ("thuyết", "thuyết"),
        ("khuỷu", "khuỷu"),
        ("già", "già"),
    ],
)
def test_one_tone_placement(given: str, expected: str) -> None:
    assert normalize_tones(given) == expected
    assert normalize_tones(expected) == expected  # idempotent


def test_both_placements_become_one_form() -> None:
    assert normalize_text("Khánh Hoà") == normalize_text("Khánh Hòa")
    assert normalize_text("thuỷ điện") == normalize_text("thủy điện")


def test_decomposed_input_is_composed() -> None:
    decomposed = "Qua\u0309ng Nam"  # a + combining hook above
    assert normalize_text(decomposed) == "Quảng Nam"


def test_fold() -> None:
    assert fold("Quảng Nam có bao nhiêu điểm cầu Đà Nẵng") == "Quang Nam co bao nhieu diem cau Da Nang"
    assert not has_diacritics("quang nam") and has_diacritics("Quảng")


@pytest.mark.parametrize("word", ["nghiêng", "người", "quốc", "gìn", "khuỷu", "điểm", "Nghệ", "cho", "huyện"])
def test_real_syllables(word: str) -> None:
    assert is_syllable(word)


@pytest.mark.parametrize("word", ["win", "mp", "Mbps", "covid", "ipv", "xyz", "hoàá"])
def test_not_syllables(word: str) -> None:
    assert not is_syllable(word)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("trang bị cho08 đơn vị", "trang bị cho 08 đơn vị"),
        ("có 08đơn vị", "có 08 đơn vị"),
        ("tốc độ 20Mbps", "tốc độ 20Mbps"),
        ("mạng 4G và mp3", "mạng 4G và mp3"),
        ("dài 20km", "dài 20km"),
        ("1.350máy", "1.350 máy"),
        ("mã QL1A", "mã QL1A"),
    ],
)
def test_numbers_glued_to_words(given: str, expected: str) -> None:
    assert normalize_text(given) == expected


def test_whitespace_and_invisible_characters() -> None:
    text = "a\u00a0\u00a0b\u200b c\t\td\r\n\r\n\r\n\r\ne\u00adf  "
    assert normalize_text(text) == "a b c d\n\nef"
    assert normalize_text("Ðà Nẵng") == "Đà Nẵng"
