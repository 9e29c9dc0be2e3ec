"""Question analysis without an LLM: language, provinces (with the 2025 merger), kind, years."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

from indexer.gazetteer import Gazetteer
from indexer.normalize import normalize_query
from indexer.vietnamese import fold, has_diacritics
from service.glossary import Glossary


class Language(StrEnum):
    VI = "vi"
    VI_NO_DIACRITICS = "vi-nodiac"
    EN = "en"


class QuestionKind(StrEnum):
    COUNT = "count"
    PERCENT = "percent"
    DATE = "date"
    LIST = "list"
    EXPLAIN = "explain"
    TEXT = "text"


_EN_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "how",
        "many",
        "much",
        "does",
        "do",
        "did",
        "is",
        "are",
        "was",
        "were",
        "of",
        "in",
        "on",
        "for",
        "to",
        "with",
        "by",
        "have",
        "has",
        "had",
        "there",
        "their",
        "its",
        "when",
        "where",
        "why",
        "share",
        "percentage",
        "proportion",
        "number",
    ]
)
# Patterns on folded, lower-case text, so they also match questions typed without diacritics.
_KIND_PATTERNS: list[tuple[QuestionKind, re.Pattern[str]]] = [
    (
        QuestionKind.DATE,
        re.compile(
            r"\b(khi nao|bao gio|nam nao|thang may|thang nao|ngay nao|thoi gian nao|"
            r"thoi diem nao|when|what year|which year|what month|which month|what date)\b"
        ),
    ),
    (
        QuestionKind.PERCENT,
        re.compile(
            r"(\bty le\b|\bti le\b|phan tram|%|\bwhat share\b|\bpercent|\bproportion\b|"
            r"\bwhat fraction\b|\bratio\b|\brate\b)"
        ),
    ),
    (
        QuestionKind.COUNT,
        re.compile(
            r"\b(bao nhieu|bao lau|may|so luong|tong so|how many|how much|how long|number of|"
            r"count of)\b"
        ),
    ),
    (
        QuestionKind.EXPLAIN,
        re.compile(
            r"\b(vi sao|tai sao|nguyen nhan|ly do|why|how come|reason|"
            r"nhu the nao|the nao|ra sao|lam sao|how does|how do|how did)\b"
        ),
    ),
    (
        QuestionKind.LIST,
        re.compile(
            r"\b(nhung|cac)( \w+){1,3} nao\b|\bwhich (\w+ )?(departments|districts|units|"
            r"agencies|provinces|communes|ones)\b|\blist\b|\bgom nhung\b"
        ),
    ),
]
# Words that ask, greet or glue but name nothing to look up (folded, lower case).  A question made of these
# alone ("xin chào", "gì?", "what is it?") is refused before retrieval, which would otherwise answer it with
# whatever passage is nearest.
_NOT_CONTENT = frozenset(
    """xin chao chau em anh chi ban oi a a ha ho nhe nha nhi vay ay day do nay kia ok okay alo da vang u uh um
    hmm cam on thank thanks thx hello hi hey yo bye tam biet good morning hoi cho toi minh tui biet muon can
    giup gi nao sao ai dau khi bao nhieu gio the la co khong ko k duoc chua roi va voi cua thi ma nhung cac
    mot nhu vi tai cho den tu ve o trong tren duoi hay hoac nua nhe what which who whom whose how why when
    where many much is are was were be been do does did the a an of in on at to for and or it this that
    there please tell me you i can could would about""".split()  # noqa: SIM905
)
_LETTERS = re.compile(r"[^\W\d_]+")
JUNK_NO_LETTERS = "Câu hỏi không có chữ nào (the question has no words)."
JUNK_NO_CONTENT = (
    "Câu hỏi chưa nêu điều cần tìm, hãy hỏi cụ thể hơn, ví dụ «Quảng Nam có bao nhiêu điểm cầu?» "
    "(the question names nothing to look up; ask about something in the reports)."
)


def junk_reason(question: str) -> str | None:
    """Why a question cannot be answered whatever the reports say (no letters, or no word naming anything),
    or None.  Zero-width and other invisible characters do not count as letters."""
    visible = "".join(ch for ch in question if unicodedata.category(ch) not in ("Cf", "Cc", "Co", "Cs", "Cn"))
    words = _LETTERS.findall(fold(normalize_query(visible)).lower())
    if not words:
        return JUNK_NO_LETTERS
    if all(word in _NOT_CONTENT for word in words):
        return JUNK_NO_CONTENT
    return None


# What an English question asks about: "how many X", "what is the X of", "what share of X", "which X".
_ENGLISH_TOPIC = re.compile(
    r"\b(?:how (?:many|much)|what (?:share|percentage|proportion|fraction) of|"
    r"what(?: is| are| was| were)?(?: the)?|which)\s+((?:[\w-]+\s?){1,3})",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-4]\d)(?!\d)")


@dataclass(frozen=True)
class ProvinceScope:
    """A province named in a question and the units whose reports may answer it."""

    asked: str  # canonical name of the unit named in the question
    searched: tuple[str, ...]  # former units covered: the asked one first
    note: str | None = None  # said in the answer when the scope reaches beyond the asked unit


@dataclass(frozen=True)
class AnalyzedQuestion:
    text: str  # normalised question
    language: Language
    kind: QuestionKind
    provinces: tuple[ProvinceScope, ...] = ()
    years: tuple[int, ...] = ()
    folded: bool = False  # typed without diacritics: the folded lexical index serves it
    lexical: str = ""  # what lexical matching uses: the question, or for English its Vietnamese terms
    focus: str = ""  # English: the Vietnamese terms of what "how many …" counts
    # English: each English term's Vietnamese alternatives, in order; and those of what the question asks about
    # ("What is the population of …" -> ("dân số",)): a report must say one of them to answer
    english_terms: tuple[tuple[str, ...], ...] = ()
    english_topic: tuple[str, ...] = ()
    places: tuple[str, ...] = ()  # places below the province it names ("Krông Pắc"), each a mention of its province
    # The question and `lexical` without the provinces it names: what is matched when they are a filter already
    # (every passage then belongs to a document naming them, and a news item that repeats the name would
    # outscore a report on what was asked)
    unnamed: str = ""
    lexical_unnamed: str = ""

    @property
    def province(self) -> str | None:
        return self.provinces[0].asked if self.provinces else None

    @property
    def searched_provinces(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p for scope in self.provinces for p in scope.searched))


def detect_language(text: str) -> Language:
    if has_diacritics(text):
        return Language.VI
    words = re.findall(r"[a-z']+", text.lower())
    english = sum(w in _EN_WORDS for w in words)
    if words and (english >= 2 or english / len(words) >= 0.25):
        return Language.EN
    return Language.VI_NO_DIACRITICS


def detect_kind(text: str) -> QuestionKind:
    folded = fold(text).lower()
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(folded):
            return kind
    return QuestionKind.TEXT


class QuestionAnalyzer:
    def __init__(self, gazetteer: Gazetteer, glossary: Glossary | None = None) -> None:
        self.gazetteer = gazetteer
        self.glossary = glossary or Glossary.load()

    def scope(self, name: str) -> ProvinceScope:
        """Former units whose reports answer a question about `name` (a pre- or post-2025 unit)."""
        merged = [n for n in self.gazetteer.merged_from(name) if n != name]
        if not merged:
            return ProvinceScope(asked=name, searched=(name,))
        note = (
            f"Từ 01/07/2025 {name} gồm cả địa bàn {', '.join(merged)} cũ "
            f"(since 1 July 2025 {name} includes the former {', '.join(merged)})."
        )
        return ProvinceScope(asked=name, searched=(name, *merged), note=note)

    def analyze(self, question: str) -> AnalyzedQuestion:
        text = normalize_query(question)
        mentions = self.gazetteer.mentions(text)
        names = list(dict.fromkeys(m.province for m in mentions))
        without_names = "".join(
            text[(mentions[i - 1].end if i else 0) : (m.start if m else len(text))]
            for i, m in enumerate([*mentions, None])
        )
        language = detect_language(without_names)
        years = tuple(sorted({int(y) for y in _YEAR.findall(text)}))
        lexical, focus = text, ""
        provinces_only = [m for m in mentions if not m.place]  # places below a province say more than the filter
        unnamed = " ".join(
            "".join(
                text[(provinces_only[i - 1].end if i else 0) : (m.start if m else len(text))]
                for i, m in enumerate([*provinces_only, None])
            ).split()
        )
        lexical_unnamed = unnamed
        english_terms: tuple[tuple[str, ...], ...] = ()
        english_topic: tuple[str, ...] = ()
        if language is Language.EN:
            english_terms = tuple(self.glossary.groups(text))
            topic = _ENGLISH_TOPIC.search(text)
            topic_groups = self.glossary.groups(topic.group(1)) if topic else []
            english_topic = topic_groups[0] if topic_groups else ()
            # Vietnamese terms for the English words, joined by a function word so no pair spans two terms.
            terms = self.glossary.translate(text)
            lexical = " và ".join([*terms, *names, *map(str, years)])
            lexical_unnamed = " và ".join([*terms, *map(str, years)])
            asked = re.search(r"how (?:many|much) ((?:[\w-]+ ?){1,3})", text, re.IGNORECASE)
            focus = " và ".join(self.glossary.translate(asked.group(1))) if asked else ""
        return AnalyzedQuestion(
            text=text,
            language=language,
            kind=detect_kind(text),
            provinces=tuple(self.scope(n) for n in names),
            years=years,
            folded=language is Language.VI_NO_DIACRITICS,
            lexical=lexical,
            focus=focus,
            english_terms=english_terms,
            english_topic=english_topic,
            places=tuple(dict.fromkeys(m.place for m in mentions if m.place)),
            unnamed=unnamed,
            lexical_unnamed=lexical_unnamed,
        )
