"""What a question is made of, for answering: its content terms (with corpus rarity), the thing it counts,
the unit it wants ("bao nhiêu tiền" wants money), and where its question word sits.

Vietnamese keeps the question word where the answer goes ("Hóa chất được xác định là gì?" — "… là một loại
phospho hữu cơ"), so the words on each side of it tell where the answer is in a sentence."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from indexer.vietnamese import fold
from service import phrases
from service.analysis import AnalyzedQuestion, Language

_SOURCE_PREFIX = re.compile(r"^\s*(?:theo|according to|căn cứ(?: vào)?)\s+[^,?]{3,80},\s*", re.IGNORECASE)


class UnitClass(StrEnum):
    """What kind of quantity a question asks for (and a number in a text carries)."""

    MONEY = "money"
    PERCENT = "percent"
    DURATION = "duration"
    AGE = "age"
    LENGTH = "length"
    AREA = "area"
    WEIGHT = "weight"
    PEOPLE = "people"
    OTHER = "other"  # a count of things, or a unit we do not classify


# Folded unit words -> class.  Multi-word forms first where they overlap.
_UNIT_WORDS: list[tuple[UnitClass, str]] = [
    (UnitClass.MONEY, r"dong|trieu|ty|ti|nghin|ngan|usd|vnd|vnđ|\$|euro|do la|tien"),
    (UnitClass.PERCENT, r"%|phan tram"),
    (UnitClass.DURATION, r"nam|thang|tuan|ngay|gio|phut|giay|year|years|month|months|day|days|hours?"),
    (UnitClass.AGE, r"tuoi|years? old"),
    (UnitClass.LENGTH, r"km|m|cm|mm|met|kilomet|ki lo met"),
    (UnitClass.AREA, r"ha|hecta|m2|km2|mau"),
    (UnitClass.WEIGHT, r"kg|tan|gam|g|mg|ki lo gam|kilogram"),
    (UnitClass.PEOPLE, r"nguoi|can bo|cong chuc|benh nhan|hoc sinh|ho|lao dong|people|persons?"),
]
_UNIT_PATTERNS = [(c, re.compile(rf"^(?:{p})(?!\w)")) for c, p in _UNIT_WORDS]

# What a question asks for, from the words around its question word (folded, lower case): "phạt tù từ bao lâu"
# asks a duration, "trị giá từ bao nhiêu trở lên" money, "mấy người" people.
_ASKED: list[tuple[UnitClass, re.Pattern[str]]] = [
    (UnitClass.PERCENT, re.compile(r"\b(ty le|ti le|phan tram|percent|percentage|share|proportion)\b|%")),
    (UnitClass.AGE, re.compile(r"\b(bao nhieu tuoi|may tuoi|do tuoi|how old|what age)\b")),
    (
        UnitClass.MONEY,
        re.compile(
            r"\b(bao nhieu tien|phat tien|muc phat|kinh phi|chi phi|tri gia|gia tri|von|ngan sach|so tien|"
            r"muc luong|tien luong|thu loi|how much money|cost|budget|fund|funding|fine)\b"
        ),
    ),
    (
        UnitClass.DURATION,
        re.compile(
            r"\b(bao lau|bao nhieu (nam|thang|ngay|tuan|gio|phut)|may (nam|thang|ngay|tuan|gio)|thoi han|"
            r"how long|how many (years|months|days|weeks|hours))\b"
        ),
    ),
    (UnitClass.LENGTH, re.compile(r"\b(bao xa|dai bao nhieu|bao nhieu (km|met)|how far)\b")),
    (UnitClass.AREA, re.compile(r"\b(dien tich|bao nhieu (ha|hecta)|area)\b")),
    (UnitClass.WEIGHT, re.compile(r"\b(nang bao nhieu|bao nhieu (kg|tan)|can nang|how heavy|weigh)\b")),
    (
        UnitClass.PEOPLE,
        re.compile(r"\b(bao nhieu|may) (nguoi|can bo|cong chuc|benh nhan|hoc sinh|lao dong)\b|\bhow many people\b"),
    ),
]
_ASKING = re.compile(r"\b(bao nhieu|bao lau|may|how many|how much|how long|how old|how far|ty le|ti le|phan tram)\b")


def unit_class_of(words_after: str) -> UnitClass | None:
    """The class of the unit written right after a number ("đồng", "năm", "%"), if it has one."""
    folded = fold(words_after).lower().strip()
    for unit_class, pattern in _UNIT_PATTERNS:
        if pattern.match(folded):
            return unit_class
    return None


def asked_unit(question: str) -> UnitClass | None:
    """The kind of quantity asked for, read from the five words before and the two after the question word."""
    words = fold(question).lower().split()
    joined = " ".join(words)
    for m in _ASKING.finditer(joined):
        at = len(joined[: m.start()].split())
        window = " ".join(words[max(0, at - 5) : at + len(m.group(0).split()) + 2])
        window = re.sub(r"[^\w% ]", " ", window)
        for unit_class, pattern in _ASKED:
            if pattern.search(window):
                return unit_class
    return None


# Question words and phrases (folded), longest first.  "nào" is handled with the noun before it.
_WH = re.compile(
    r"\b(bao nhieu|khi nao|bao gio|bao lau|nhu the nao|the nao|ra sao|lam sao|vi sao|tai sao|vi dau|do dau|"
    r"nguyen nhan|ly do|cai gi|dieu gi|viec gi|lam gi|nhung gi|gi|ai|o dau|dau|nao|may|"
    r"what|which|who|whom|where|when|why|how many|how much|how)\b"
)


class WhKind(StrEnum):
    """Where the answer is expected in a sentence, by the question word."""

    WHAT = "what"  # gì, cái gì, điều gì: the thing in the question word's place
    WHO = "who"
    WHERE = "where"
    WHEN = "when"
    WHY = "why"
    HOW = "how"  # như thế nào, ra sao
    WHICH = "which"  # <noun> nào
    QUANTITY = "quantity"  # bao nhiêu, mấy, bao lâu
    NONE = "none"


_WH_KIND = {
    "bao nhieu": WhKind.QUANTITY,
    "bao lau": WhKind.QUANTITY,
    "may": WhKind.QUANTITY,
    "how many": WhKind.QUANTITY,
    "how much": WhKind.QUANTITY,
    "khi nao": WhKind.WHEN,
    "bao gio": WhKind.WHEN,
    "when": WhKind.WHEN,
    "nhu the nao": WhKind.HOW,
    "the nao": WhKind.HOW,
    "ra sao": WhKind.HOW,
    "lam sao": WhKind.HOW,
    "how": WhKind.HOW,
    "vi sao": WhKind.WHY,
    "tai sao": WhKind.WHY,
    "vi dau": WhKind.WHY,
    "do dau": WhKind.WHY,
    "nguyen nhan": WhKind.WHY,
    "ly do": WhKind.WHY,
    "why": WhKind.WHY,
    "ai": WhKind.WHO,
    "who": WhKind.WHO,
    "whom": WhKind.WHO,
    "o dau": WhKind.WHERE,
    "dau": WhKind.WHERE,
    "where": WhKind.WHERE,
    "nao": WhKind.WHICH,
    "which": WhKind.WHICH,
}


@dataclass(frozen=True)
class QuestionWord:
    kind: WhKind
    at: float  # where it sits among the question's words, 0 (first) .. 1 (last)
    before: tuple[str, ...] = ()  # the content words just before it (nearest last)
    after: tuple[str, ...] = ()  # the content words just after it (nearest first)
    lead: tuple[str, ...] = ()  # the two words right before it, whatever they are ("là" in "… là gì")


def question_word(text: str, folded_form: bool) -> QuestionWord:
    raw = phrases.raw_words(text)
    folded = [fold(w) for w in raw]
    joined = " ".join(folded)
    m = None
    for candidate in _WH.finditer(joined):
        word = candidate.group(1)
        if word == "may" and not folded_form:  # with diacritics "mấy" asks, "máy" is a machine
            index = len(joined[: candidate.start()].split())
            if raw[index] != "mấy":
                continue
        m = candidate
        if word not in ("nao", "ai", "dau", "may", "how"):
            break  # a specific question word wins; keep looking past the ambiguous ones
    if m is None:
        return QuestionWord(WhKind.NONE, 1.0)
    first = len(joined[: m.start()].split())
    last = first + len(m.group(1).split())
    kind = _WH_KIND.get(m.group(1), WhKind.WHAT)
    before = tuple(phrases.form(w, folded_form) for w in raw[:first] if not phrases.is_stop(w, english=False))[-4:]
    after = tuple(phrases.form(w, folded_form) for w in raw[last:] if not phrases.is_stop(w, english=False))[:4]
    lead = tuple(phrases.form(w, folded_form) for w in raw[max(0, first - 2) : first])
    return QuestionWord(kind, first / max(1, len(raw) - 1), before, after, lead)


@dataclass(frozen=True)
class QuestionTerms:
    """A question's terms as the answerer compares them with sentences."""

    words: tuple[str, ...]  # content words (compared with diacritics unless the question has none)
    runs: tuple[tuple[str, ...], ...]  # runs of adjacent content words, in order
    terms: tuple[str, ...]  # adjacent content words as pairs, a lone content word as itself
    focus: frozenset[str]  # what a count question counts, as words and pairs ("máy", "máy chủ")
    counted: tuple[tuple[str, ...], ...]  # a count's counted thing, each alternative in order: (("máy", "in"),)
    province_words: frozenset[str]
    rarity: dict[str, float] = field(default_factory=dict)  # word -> weight (corpus IDF, normalised)
    unseen: frozenset[str] = frozenset()  # content words that no passage of the index holds
    wh: QuestionWord = QuestionWord(WhKind.NONE, 1.0)
    unit: UnitClass | None = None
    folded: bool = False
    groups: tuple[tuple[str, ...], ...] = ()  # English: each term's Vietnamese alternatives, as word forms
    topic: tuple[str, ...] = ()  # English: the alternatives of what the question asks about

    @property
    def focus_words(self) -> frozenset[str]:
        return frozenset(w for t in self.focus for w in t.split())

    def weight(self, word: str) -> float:
        return self.rarity.get(word, 1.0)


def _pairs(words: list[str]) -> list[str]:
    return [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def _runs(question: AnalyzedQuestion, province_words: frozenset[str]) -> list[list[str]]:
    runs: list[list[str]] = [[]]
    text = _SOURCE_PREFIX.sub("", question.lexical or question.text)  # "Theo Bộ luật X, …": where, not what
    for raw in phrases.raw_words(text):
        w = phrases.form(raw, question.folded)
        if phrases.is_stop(raw, english=False) or w in province_words or w.isdigit():
            runs.append([])
        else:
            runs[-1].append(w)
    return [r for r in runs if r]


_COUNTED = re.compile(r"\b(?:bao nhieu|may|how many|how much)\s+([^?.!;:()]{1,60})", re.IGNORECASE)


def _counted_words(text: str, folded: bool, province_words: frozenset[str]) -> tuple[str, ...]:
    """The words of a counted noun, up to the first function word ("máy chủ | ở cấp tỉnh")."""
    kept: list[str] = []
    for raw in phrases.raw_words(text)[:4]:
        w = phrases.form(raw, folded)
        if phrases.is_stop(raw, english=False) or w in province_words or w.isdigit():
            break
        kept.append(w)
    return tuple(kept)


def _focus(
    question: AnalyzedQuestion, province_words: frozenset[str]
) -> tuple[frozenset[str], tuple[tuple[str, ...], ...]]:
    """What the question is about, as a set of words and pairs ("máy", "máy chủ"), and — for a count — the
    counted thing's alternatives in order ("cơ quan, đơn vị" -> ("cơ", "quan"), ("đơn", "vị"))."""
    if question.focus:  # English: the glossary's Vietnamese for what "how many …" counts, each an alternative
        words = [w for w in phrases.words(question.focus, question.folded) if not phrases.is_stop(w, english=False)]
        alternatives = tuple(
            a for t in question.focus.split(" và ") if (a := _counted_words(t, question.folded, province_words))
        )
        return frozenset(set(words[:1]) | set(_pairs(words))), alternatives
    subject = re.search(r"((?:[^\W\d_]+\s+){1,4})là\s+(?:gì|ai)\b", question.text, re.IGNORECASE)
    if subject:  # "X là gì?": X is what the question is about
        words = [
            phrases.form(w, question.folded)
            for w in subject.group(1).split()
            if not phrases.is_stop(w.lower(), english=False)
        ]
        words = [w for w in words if w not in province_words][-3:]
        return frozenset(_pairs(words) or words), ()
    m = next(  # folding keeps every character where it was; with diacritics only "mấy" asks ("máy" is a machine)
        (
            m
            for m in _COUNTED.finditer(fold(question.text))
            if question.folded
            or not m.group(0).lower().startswith("may")
            or question.text[m.start()].lower() == "m"
            and question.text[m.start() : m.start() + 3].lower() == "mấy"
        ),
        None,
    )
    if not m:
        return frozenset(), ()
    segment = question.text[m.start(1) : m.end(1)]
    alternatives = tuple(
        a
        for piece in re.split(r",|\bvà\b|\bhoặc\b|\bva\b|\bhoac\b", segment)
        if (a := _counted_words(piece, question.folded, province_words))
    )
    first = alternatives[0] if alternatives else ()
    return frozenset(set(first[:1]) | set(_pairs(list(first)))), alternatives


def question_terms(
    question: AnalyzedQuestion,
    province_words: frozenset[str],
    rarity: dict[str, float] | None = None,
    unseen: frozenset[str] = frozenset(),
) -> QuestionTerms:
    runs = _runs(question, province_words)
    terms: list[str] = []
    for run in runs:
        terms.extend([run[0]] if len(run) == 1 else _pairs(run))
    words = tuple(dict.fromkeys(w for run in runs for w in run))
    english = question.language is Language.EN
    focus, counted = _focus(question, province_words)
    return QuestionTerms(
        words=words,
        runs=tuple(tuple(r) for r in runs),
        terms=tuple(terms),
        focus=focus,
        counted=counted,
        province_words=province_words,
        rarity=rarity or {},
        unseen=unseen,
        wh=question_word(question.text, question.folded) if not english else QuestionWord(WhKind.NONE, 1.0),
        unit=asked_unit(question.text),
        folded=question.folded,
        groups=tuple(tuple(_phrase(a, question.folded) for a in g) for g in question.english_terms),
        topic=tuple(_phrase(a, question.folded) for a in question.english_topic),
    )


def _phrase(text: str, folded: bool) -> str:
    return " ".join(phrases.words(text, folded))


def says_any(alternatives: tuple[str, ...], haystack: str) -> bool:
    """Does a padded text hold one of the phrases?"""
    return any(f" {a} " in haystack for a in alternatives if a)


def padded(text: str, folded: bool) -> str:
    """ " w1 w2 … " for term look-ups by substring."""
    return " " + " ".join(phrases.words(text, folded)) + " "


def coverage(terms: QuestionTerms, text: str) -> float:
    """Share of the question's terms (pairs of adjacent content words) found in `text`; for an English
    question, of its English terms of which the text says one Vietnamese alternative."""
    if terms.groups:
        haystack = padded(text, terms.folded)
        return sum(says_any(g, haystack) for g in terms.groups) / len(terms.groups)
    if not terms.terms:
        return 1.0
    haystack = padded(text, terms.folded)
    return sum(f" {t} " in haystack for t in terms.terms) / len(terms.terms)


def word_coverage(terms: QuestionTerms, text: str) -> float:
    """Rarity-weighted share of the question's content words found in `text`."""
    if not terms.words:
        return 1.0
    present = set(phrases.words(text, terms.folded))
    total = sum(terms.weight(w) for w in terms.words)
    return sum(terms.weight(w) for w in terms.words if w in present) / total if total else 0.0
