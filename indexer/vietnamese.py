"""Vietnamese orthography helpers shared by normalisation, lexical indexing and question analysis.

A syllable is parsed as onset + vowel nucleus + coda, with at most one tone mark.  The parser is used to
decide whether a letter run is Vietnamese (legacy-encoding detection, split of numbers glued to words) and
to move tone marks to one placement ("hoà" -> "hòa", "thuỷ" -> "thủy", "quý" untouched).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

TONE_MARKS = {"\u0300": "huyền", "\u0301": "sắc", "\u0303": "ngã", "\u0309": "hỏi", "\u0323": "nặng"}
_ALPHABET = frozenset("abcdefghijklmnopqrstuvwxyzăâđêôơư")

ONSETS = (
    "ngh",
    "ng",
    "nh",
    "ch",
    "gh",
    "gi",
    "kh",
    "ph",
    "qu",
    "th",
    "tr",
    "b",
    "c",
    "d",
    "đ",
    "g",
    "h",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "x",
)
CODAS = ("ch", "ng", "nh", "c", "m", "n", "p", "t")
# Vowel nuclei without tone, including glides written as vowels (i/y/o/u at the end).
NUCLEI = frozenset(
    [
        "a",
        "ă",
        "â",
        "e",
        "ê",
        "i",
        "o",
        "ô",
        "ơ",
        "u",
        "ư",
        "y",
        "ai",
        "ao",
        "au",
        "ay",
        "âu",
        "ây",
        "eo",
        "êu",
        "ia",
        "iê",
        "iu",
        "oa",
        "oă",
        "oe",
        "oi",
        "ôi",
        "ơi",
        "oo",
        "ua",
        "uâ",
        "uê",
        "ui",
        "uy",
        "uô",
        "uơ",
        "ưa",
        "ưi",
        "ươ",
        "ưu",
        "yê",
        "iêu",
        "yêu",
        "oai",
        "oay",
        "oao",
        "oeo",
        "uây",
        "uôi",
        "uya",
        "uyê",
        "uyu",
        "ươi",
        "ươu",
    ]
)
# Nuclei that need a coda (never end a syllable) and nuclei that forbid one.
_NEED_CODA = frozenset({"ă", "â", "iê", "yê", "uâ", "uô", "ươ", "oă", "uyê"})

_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "D"})
_WORD = re.compile(r"[^\W\d_]+")


def fold(text: str) -> str:
    """Remove every diacritic: "Quảng Nam điểm cầu" -> "Quang Nam diem cau"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


# One word folded once per process: indexing folds every token of every passage and the answerer every word
# of every candidate sentence, from a vocabulary of a few hundred thousand words (~5 µs a fold otherwise).
fold_word = functools.lru_cache(maxsize=1 << 18)(fold)


def has_diacritics(text: str) -> bool:
    return fold(text) != text


@dataclass(frozen=True)
class Syllable:
    onset: str
    nucleus: str  # lower case, vowel modifiers kept, tone removed
    coda: str
    tone: str | None  # combining tone mark or None


def _strip_tone(word: str) -> tuple[str, str | None, int]:
    """Lower-case NFC word without its tone mark, the tone, and how many tone marks were found."""
    tones = []
    kept = []
    for ch in unicodedata.normalize("NFD", word.lower()):
        if ch in TONE_MARKS:
            tones.append(ch)
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), (tones[0] if tones else None), len(tones)


def parse_syllable(word: str) -> Syllable | None:
    """Parse one Vietnamese syllable, or None when the letters cannot form one."""
    if not word or not word.isalpha():
        return None
    base, tone, n_tones = _strip_tone(word)
    if n_tones > 1 or not set(base) <= _ALPHABET:
        return None
    candidates = [o for o in ONSETS if base.startswith(o)] + [""]
    for onset in candidates:
        rest = base[len(onset) :]
        for coda in (*CODAS, ""):
            if coda and not rest.endswith(coda):
                continue
            nucleus = rest[: len(rest) - len(coda)] if coda else rest
            if nucleus not in NUCLEI:
                continue
            if not coda and nucleus in _NEED_CODA:
                continue
            if onset == "gi" and not nucleus:
                continue
            return Syllable(onset, nucleus, coda, tone)
    return None


def is_syllable(word: str) -> bool:
    return parse_syllable(word) is not None


_OLD_STYLE_NUCLEI = {"oa", "oe", "uy"}


def _retone(word: str) -> str:
    """Move a tone mark to the classic placement on open oa/oe/uy syllables ("hoà" -> "hòa")."""
    syl = parse_syllable(word)
    if syl is None or syl.tone is None or syl.coda or syl.nucleus not in _OLD_STYLE_NUCLEI:
        return word
    if syl.onset == "qu":  # "quý": the u belongs to the onset
        return word
    decomposed = unicodedata.normalize("NFD", word)
    # Position of the nucleus' first vowel in the decomposed word.
    letters = [i for i, c in enumerate(decomposed) if not unicodedata.combining(c)]
    first = letters[len(syl.onset)]
    second = letters[len(syl.onset) + 1]
    tone_at = next(i for i, c in enumerate(decomposed) if c in TONE_MARKS)
    if tone_at < second:  # already on the first vowel
        return word
    chars = [c for i, c in enumerate(decomposed) if i != tone_at]
    insert_at = first + 1 if first < tone_at else first
    chars.insert(insert_at, decomposed[tone_at])
    return unicodedata.normalize("NFC", "".join(chars))


def normalize_tones(text: str) -> str:
    """One tone placement for the whole text: "hoà/hòa", "thuỷ/thủy" become "hòa", "thủy"."""
    return _WORD.sub(lambda m: _retone(m.group(0)), text)


def vietnamese_ratio(text: str) -> float:
    """Share of the words carrying non-ASCII letters that parse as Vietnamese syllables (1.0 if none)."""
    words = [w for w in _WORD.findall(text) if not w.isascii()]
    if not words:
        return 1.0
    return sum(is_syllable(w) for w in words) / len(words)
