"""Legacy Vietnamese encodings: TCVN3 (ABC, the .VnTime fonts) and VNI (VNI-Windows fonts).

Both were font tricks: the bytes are Latin-1 code points that the fonts drew as Vietnamese letters.  Text
typed in them reaches us either as raw bytes or already decoded as Latin-1/Windows-1252 characters, e.g.
"ViÖt Nam" (TCVN3) or "Vieät Nam" (VNI).  `convert_tcvn3` and `convert_vni` map such text to Unicode;
`decode_legacy` picks the encoding whose result reads as Vietnamese.
"""

from __future__ import annotations

import re
import unicodedata

from indexer.vietnamese import vietnamese_ratio

# --- TCVN3 (ABC): one byte per letter; toned capitals live in a separate font and come out lower case.
_TCVN3_LOWER = {
    "à": "µ",
    "á": "¸",
    "ả": "¶",
    "ã": "·",
    "ạ": "¹",
    "ă": "¨",
    "ằ": "»",
    "ắ": "¾",
    "ẳ": "¼",
    "ẵ": "½",
    "ặ": "Æ",
    "â": "©",
    "ầ": "Ç",
    "ấ": "Ê",
    "ẩ": "È",
    "ẫ": "É",
    "ậ": "Ë",
    "đ": "®",
    "è": "Ì",
    "é": "Ð",
    "ẻ": "Î",
    "ẽ": "Ï",
    "ẹ": "Ñ",
    "ê": "ª",
    "ề": "Ò",
    "ế": "Õ",
    "ể": "Ó",
    "ễ": "Ô",
    "ệ": "Ö",
    "ì": "×",
    "í": "Ý",
    "ỉ": "Ø",
    "ĩ": "Ü",
    "ị": "Þ",
    "ò": "ß",
    "ó": "ã",
    "ỏ": "á",
    "õ": "â",
    "ọ": "ä",
    "ô": "«",
    "ồ": "å",
    "ố": "è",
    "ổ": "æ",
    "ỗ": "ç",
    "ộ": "é",
    "ơ": "¬",
    "ờ": "ê",
    "ớ": "í",
    "ở": "ë",
    "ỡ": "ì",
    "ợ": "î",
    "ù": "ï",
    "ú": "ó",
    "ủ": "ñ",
    "ũ": "ò",
    "ụ": "ô",
    "ư": "\u00ad",
    "ừ": "õ",
    "ứ": "ø",
    "ử": "ö",
    "ữ": "÷",
    "ự": "ù",
    "ỳ": "ú",
    "ý": "ý",
    "ỷ": "û",
    "ỹ": "ü",
    "ỵ": "þ",
    "Ă": "¡",
    "Â": "¢",
    "Đ": "§",
    "Ê": "£",
    "Ô": "¤",
    "Ơ": "¥",
    "Ư": "¦",
}
_TCVN3_TO_UNICODE = str.maketrans({v: k for k, v in _TCVN3_LOWER.items()})


def convert_tcvn3(text: str) -> str:
    return text.translate(_TCVN3_TO_UNICODE)


def encode_tcvn3(text: str) -> str:
    """Unicode -> TCVN3 characters (for tests and fixtures); toned capitals become lower case."""
    out = []
    for ch in text:
        if ch in _TCVN3_LOWER:
            out.append(_TCVN3_LOWER[ch])
        elif ch.lower() in _TCVN3_LOWER and not ch.isascii():
            out.append(_TCVN3_LOWER[ch.lower()])
        else:
            out.append(ch)
    return "".join(out)


# --- VNI: a base letter followed by a modifier character.
_TONES = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_CIRCUMFLEX = {None: "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_BREVE = {None: "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
# Letters that VNI writes as one character.
_VNI_SINGLE = {"ơ": "ô", "ư": "ö", "đ": "ñ", "ì": "ì", "í": "í", "ỉ": "æ", "ĩ": "ó", "ị": "ò", "ỵ": "î"}

_VNI_DECODE: dict[str, str] = {}


def _build_vni() -> None:
    for letter, code in _VNI_SINGLE.items():
        _VNI_DECODE[code] = letter
        _VNI_DECODE[code.upper()] = letter.upper()
    for base in "aeiouyơư":
        for tone, mod in _TONES.items():
            _add_vni(base, mod, base + tone)
    for base in "aeo":
        for circumflex_tone, mod in _CIRCUMFLEX.items():
            _add_vni(base, mod, base + "\u0302" + (circumflex_tone or ""))
    for breve_tone, mod in _BREVE.items():
        _add_vni("a", mod, "a\u0306" + (breve_tone or ""))


def _add_vni(base: str, mod: str, decomposed: str) -> None:
    letter = unicodedata.normalize("NFC", decomposed)
    base_code = {"ơ": "ô", "ư": "ö"}.get(base, base)
    for b, m, out in (
        (base_code, mod, letter),
        (base_code.upper(), mod.upper(), letter.upper()),
        (base_code.upper(), mod, letter.upper()),
    ):
        _VNI_DECODE.setdefault(b + m, out)


_build_vni()
_VNI_ENCODE = {
    v: k
    for k, v in sorted(_VNI_DECODE.items(), key=lambda kv: -len(kv[0]))
    if not (len(k) == 2 and k[0].isupper() and k[1].islower())
}
_VNI_PATTERN = re.compile("|".join(re.escape(k) for k in sorted(_VNI_DECODE, key=len, reverse=True)))


def convert_vni(text: str) -> str:
    return _VNI_PATTERN.sub(lambda m: _VNI_DECODE[m.group(0)], text)


def encode_vni(text: str) -> str:
    """Unicode -> VNI characters (for tests and fixtures)."""
    return "".join(_VNI_ENCODE.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


_LEGACY_MARKERS = re.compile(r"[\u00a0-\u00ff]")


def decode_legacy(text: str) -> tuple[str, str | None]:
    """Return (text, encoding) where encoding is "tcvn3", "vni" or None when the text is left as it was.

    A conversion is kept only when the text carries Latin-1 letters and the converted words read as
    Vietnamese clearly better than the original ones.
    """
    if len(_LEGACY_MARKERS.findall(text)) < 3:
        return text, None
    before = vietnamese_ratio(text)
    best, best_name, best_ratio = text, None, before
    for name, convert in (("vni", convert_vni), ("tcvn3", convert_tcvn3)):
        converted = convert(text)
        ratio = vietnamese_ratio(converted)
        if ratio > best_ratio + 0.15:
            best, best_name, best_ratio = converted, name, ratio
    return best, best_name
