"""Normalisation of Vietnamese text: NFC, one tone placement, numbers split from the words they were glued
to, whitespace.  The result is what the index stores and what citation offsets point into."""

from __future__ import annotations

import re
import unicodedata

from indexer.vietnamese import is_syllable, normalize_tones

_CHAR_FIXES = str.maketrans(
    {
        "\u00d0": "Đ",  # Latin capital eth, typed for Đ on some keyboards
        "\u00f0": "đ",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u3000": " ",
        "\t": " ",
        "\f": "\n",
        "\v": "\n",
        "\u2028": "\n",
        "\u2029": "\n",
        "\r": "\n",
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
        "\u00ad": None,
        "\u2060": None,
    }
)
_SPACES = re.compile(r"[ \u2000-\u200a\u205f]+")
_BLANK_LINES = re.compile(r"\n{3,}")
# "cho08 đơn vị" -> "cho 08 đơn vị": a Vietnamese word glued to a number ("Mbps20", "mp3" stay).
_WORD_THEN_NUMBER = re.compile(r"(?<![\w])([^\W\d_]{2,})(\d+(?:[.,]\d+)*)(?![\w])")
# "08đơn vị" -> "08 đơn vị": only before a word with Vietnamese letters, so "20Mbps", "4G", "20km" stay.
_NUMBER_THEN_WORD = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)*)([^\W\d_]{2,})(?![\w])")


def _split_word_number(m: re.Match[str]) -> str:
    word = m.group(1)
    if word.isupper() or not is_syllable(word):
        return m.group(0)
    return f"{word} {m.group(2)}"


def _split_number_word(m: re.Match[str]) -> str:
    word = m.group(2)
    if word.isascii() or not is_syllable(word):
        return m.group(0)
    return f"{m.group(1)} {word}"


def normalize_text(text: str) -> str:
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n")).translate(_CHAR_FIXES)
    text = normalize_tones(text)
    text = _WORD_THEN_NUMBER.sub(_split_word_number, text)
    text = _NUMBER_THEN_WORD.sub(_split_number_word, text)
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    text = "\n".join(lines)
    return _BLANK_LINES.sub("\n\n", text).strip()


def normalize_query(text: str) -> str:
    """The same normalisation for a question (one line)."""
    return " ".join(normalize_text(text).split())
