import codecs
import unicodedata

import pytest

from indexer.decoding import decode_bytes
from indexer.errors import SkipFile
from indexer.legacy import convert_tcvn3, convert_vni, decode_legacy, encode_tcvn3, encode_vni
from indexer.vietnamese import TONE_MARKS

TEXT = (
    "Quảng Nam có 19 điểm cầu hội nghị truyền hình. Ủy ban nhân dân tỉnh Khánh Hòa đã phê duyệt "
    "kế hoạch ứng dụng công nghệ thông tin, đường truyền số liệu chuyên dùng."
)


def test_utf8_and_boms() -> None:
    assert decode_bytes(TEXT.encode("utf-8")) == (TEXT, "utf-8")
    assert decode_bytes(codecs.BOM_UTF8 + TEXT.encode("utf-8"))[0] == TEXT
    assert decode_bytes(TEXT.encode("utf-16"))[0] == TEXT  # with BOM
    assert decode_bytes(codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"))[0] == TEXT
    assert decode_bytes(TEXT.encode("utf-16-le"))[0] == TEXT  # no BOM


def _cp1258(text: str) -> bytes:
    """Windows-1258 has precomposed â ê ô ơ ư ă đ but writes tones as combining marks."""
    out = []
    for ch in text:
        decomposed = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in decomposed if c in TONE_MARKS)
        out.append(unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS)) + tones)
    return "".join(out).encode("cp1258")


def test_windows_1258() -> None:
    text, encoding = decode_bytes(_cp1258(TEXT))
    assert unicodedata.normalize("NFC", text) == TEXT and encoding == "cp1258"


def test_tcvn3_bytes_are_converted() -> None:
    raw = encode_tcvn3(TEXT).encode("latin-1")
    text, encoding = decode_bytes(raw)
    assert "tcvn3" in encoding
    assert text == TEXT.replace("Ủy", "ủy")  # TCVN3 has no toned capitals in the body font


def test_vni_bytes_are_converted() -> None:
    raw = encode_vni(TEXT).encode("cp1252")
    text, encoding = decode_bytes(raw)
    assert "vni" in encoding
    assert text == TEXT


def test_legacy_text_inside_utf8_is_converted() -> None:
    legacy = encode_vni(TEXT)
    assert legacy != TEXT
    text, encoding = decode_bytes(legacy.encode("utf-8"))
    assert text == TEXT and encoding == "utf-8+vni"


def test_other_latin_text_is_left_alone() -> None:
    french = "Café au lait, naïve résumé à la carte; São Paulo é uma cidade. Ça va très bien, merci."
    assert decode_legacy(french) == (french, None)
    assert convert_tcvn3("plain ascii") == "plain ascii" and convert_vni("plain ascii") == "plain ascii"


def test_binary_is_refused() -> None:
    with pytest.raises(SkipFile, match="binary"):
        decode_bytes(bytes(range(256)) * 50)


def test_unknown_8bit_encoding_is_refused() -> None:
    junk = bytes([0x80 + (i * 37) % 120 for i in range(3000)])
    with pytest.raises(SkipFile):
        decode_bytes(junk)
