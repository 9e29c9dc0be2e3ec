"""Finding the answer phrase inside an answer unit: the number that answers a count or percent question,
a date, a list, a cause, or the entity a "… nào?" question asks for.  Pure text functions."""

from __future__ import annotations

import collections
import functools
import math
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from indexer.vietnamese import fold, fold_word

NUMBER = re.compile(r"(?<![\w.,/])(\d+(?:[.,]\d+)*(?:\s?[/–-]\s?\d+(?:[.,]\d+)*)?)(\s?%|[A-Za-z]{1,5}\b(?![^\W\d_]))?")
_WORD = re.compile(r"[^\W_]+(?:[.,/][0-9]+)*%?")
# Words that end a unit phrase after a number ("19 điểm | bao gồm", "51 đơn vị | kết nối").
_PHRASE_STOP = frozenset(
    """và với của trong trên tại cho bao gồm đã đang sẽ được có là thì mà nên do vì từ đến ở những các một
    kết tăng giảm đạt so năm như hoặc hay đối trừ nếu khi mà để theo bằng nhưng kể""".split()  # noqa: SIM905
)
# Function and question words, compared with diacritics ("vì" is one, "vị" in "đơn vị" is not).
_STOP_ACCENTED = frozenset(
    """có bao nhiêu là gì nào của ở tại trên trong và các những một được đã đang sẽ cho với về đến từ thì mà
    này khi hay hoặc tổng lượng thế như sao vì ai đâu ra rằng mấy năm tháng ngày hiện nay phần trăm
    tỷ tỉ lệ theo không quá chỉ nhưng đối trừ vào do bởi để nếu còn cũng đều rất lại nữa đây đó kia ấy sau
    trước giữa qua cùng bị phải cần nên vẫn chưa mỗi mọi khác hơn vậy thuộc""".split()  # noqa: SIM905
)
_STOP_ENGLISH = frozenset(
    """what how many much which who when where why does do did is are was were the a an of in on for to with
    by have has had there their its that this and or as at from""".split()  # noqa: SIM905
)
# Without diacritics some function words are also content words: "may" (mấy/máy), "vi" (vì/vị), "can"
# (cần/cán bộ), "moi" (mọi/mới), "de" (để/đề án), "doi" (đối/đội), "cung" (cũng/cung cấp), "con" (còn/con),
# "chi" (chỉ/chi phí), "van" (vẫn/văn bản), "day" (đây/dạy): kept as content.
_STOP_FOLDED = frozenset(fold(w) for w in _STOP_ACCENTED) - {
    "may",
    "vi",
    "can",
    "moi",
    "de",
    "doi",
    "cung",
    "con",
    "chi",
    "van",
    "day",
}
STOP = _STOP_FOLDED | _STOP_ENGLISH


@dataclass(frozen=True)
class NumberMention:
    start: int
    end: int  # of the number with a glued unit ("20Mbps", "84%")
    text: str
    percent: bool
    year: bool
    in_parentheses: bool
    date_part: bool
    reference: bool = False  # names a document part or an act: "Điều 110", "khoản 2", "Nghị định 64/2007"


def numbers_in(text: str) -> list[NumberMention]:
    return list(_numbers_in(text))


@functools.lru_cache(maxsize=8192)  # the answerer reads each candidate sentence's numbers several times
def _numbers_in(text: str) -> tuple[NumberMention, ...]:
    out = []
    for m in NUMBER.finditer(text):
        value, suffix = m.group(1), (m.group(2) or "")
        before = text[max(0, m.start() - 12) : m.start()].lower()
        year = bool(re.fullmatch(r"(19|20)\d\d", value)) and not suffix.strip()
        date_part = bool(re.search(r"(ngày|tháng|năm)\s*$", fold(before).replace("d", "d"))) and not year
        date_part = date_part or _looks_like_date(value.replace(" ", ""))
        depth = text.count("(", 0, m.start()) - text.count(")", 0, m.start())
        reference = bool(_REFERENCE.search(text[max(0, m.start() - 24) : m.start()]))
        out.append(
            NumberMention(m.start(), m.end(), m.group(0).strip(), "%" in suffix, year, depth > 0, date_part, reference)
        )
    return tuple(out)


_REFERENCE = re.compile(
    r"(?:điều|khoản|điểm|chương|mục|phụ lục|nghị định|quyết định|thông tư|nghị quyết|chỉ thị|công văn|luật|"
    r"kế hoạch|đề án)(?:\s+số)?\s*$",
    re.IGNORECASE,
)


def _looks_like_date(value: str) -> bool:
    """ "9/2014" (month/year) and "26/10" (day/month) are dates; "27/29" and "23/30" are counts."""
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2}|\d{4})", value)
    if not m:
        return False
    a, b = int(m.group(1)), int(m.group(2))
    return (1 <= a <= 12 and b >= 1900) or (1 <= a <= 31 and 1 <= b <= 12)


def form(word: str, folded: bool) -> str:
    """How words are compared: with their diacritics, or folded for questions typed without them
    (with diacritics "tính" and "tỉnh" differ; folded, both are "tinh")."""
    return fold_word(word).lower() if folded else word.lower()


@functools.lru_cache(maxsize=4096)
def _words_cached(text: str, folded: bool) -> tuple[str, ...]:
    return tuple(form(w, folded) for w in _WORD.findall(text))


def words(text: str, folded: bool = True) -> list[str]:
    return list(_words_cached(text, folded))


def raw_words(text: str) -> list[str]:
    """Lower-case words with their diacritics."""
    return _WORD.findall(text.lower())


def is_stop(word: str, english: bool = True) -> bool:
    """`word` as written (lower case); accented words are checked with their diacritics.  `english=False` for
    Vietnamese text, where "in" (to print) and "to" (big) are content words."""
    if english and word in _STOP_ENGLISH:
        return True
    if word != fold_word(word):
        return word in _STOP_ACCENTED
    return word in _STOP_FOLDED


def content_words(text: str, folded: bool = True) -> list[str]:
    """Content words of a text (function and question words left out), compared as `form` says."""
    return [form(w, folded) for w in _WORD.findall(text.lower()) if not is_stop(w) and not w.isdigit()]


def unit_words_after(text: str, end: int, limit: int = 4) -> str:
    """Up to `limit` words after a number, stopping at punctuation or a function word."""
    tail = text[end:]
    m = re.match(r"\s*([^\W\d_][^\W_]*(?:\s+[^\W\d_][^\W_]*)*)", tail)
    if not m:
        return ""
    kept = []
    for word in m.group(1).split()[:limit]:
        if word.lower() in _PHRASE_STOP:
            break
        kept.append(word)
    return " ".join(kept)


def _after_window(text: str, end: int) -> int:
    """Where the words that describe a number stop: at ";", ".", "(", a comma segment with another number, or
    the word before the next number ("30 hộp thư công vụ | và 54 hộp thư cho lãnh đạo")."""
    stop = re.search(r"[;.(:]\s|[;(]|$", text[end:])
    limit = end + (stop.start() if stop else len(text) - end)
    cursor = end
    for segment in re.split(r"(,)", text[end:limit]):
        if segment != "," and cursor > end and re.search(r"\d", segment):
            return cursor
        cursor += len(segment)
    for following in re.finditer(r"\s(?:và|hoặc|với)?\s*\d", text[end:limit]):
        before = text[end : end + following.start() + 1]
        if re.search(r"(đến|tới|dưới|[-–])\s*$", before, re.IGNORECASE):
            continue  # the other end of a range ("từ 100.000.000 đồng đến 300.000.000 đồng") is not a new figure
        return end + following.start()
    return min(limit, end + 80)


def _before_window(text: str, start: int) -> int:
    """Where the words before a number start: after the previous number, ";" or sentence end, 60 chars at most."""
    lower = max(0, start - 60)
    cut = lower
    for m in re.finditer(r"\d+(?:[.,/]\d+)*%?|[;.!?](?=\s)", text[lower:start]):
        cut = lower + m.end()
        if m.group(0)[0].isdigit():  # the words right after an earlier number describe that number
            cut = max(cut, min(_after_window(text, cut), start))
    return cut


def proximity_overlap(
    text: str,
    start: int,
    end: int,
    question_words: set[str],
    focus: AbstractSet[str] = frozenset(),
    folded: bool = True,
    reach: Proximity | None = None,
) -> float:
    """How many question words describe a number: the words right after it (its unit, what it counts) weigh
    most, then the words just before it, each within its own clause.  A word repeated in the text says less
    about which number it describes than a word that occurs once ("cấp xã 30%")."""
    reach = reach or Proximity()
    after_end, before_start = _after_window(text, end), _before_window(text, start)
    counts = collections.Counter(_words_cached(text, folded))
    score = 0.0
    for m in _WORD.finditer(text, before_start, after_end):
        w = form(m.group(0), folded)
        if w not in question_words or (start <= m.start() < end):
            continue
        rarity = 1.0 / max(1, counts[w]) ** 0.5 * (reach.focus_boost if w in focus else 1.0)
        if m.start() >= end:
            score += rarity * reach.after_weight * math.exp(-(m.start() - end) / reach.after_decay)
        elif m.end() <= start:
            score += rarity * math.exp(-(start - m.end()) / reach.before_decay)
    # The qualifier right before a number tells parallel figures apart: "cấp tỉnh 62%; cấp huyện 54%".
    lead = words(text[before_start:start], folded)[-3:]
    score += reach.lead_weight * sum(1.0 / max(1, counts[w]) ** 0.5 for w in set(lead) if w in question_words)
    return score


@dataclass(frozen=True)
class Proximity:
    """How question words near a number count (service/answer/parameters.py holds the values in use)."""

    after_weight: float = 1.5  # a word after the number (its unit, what it counts) against one before
    after_decay: float = 30.0  # characters over which a following word's weight falls by e
    before_decay: float = 15.0  # the same for a preceding word
    focus_boost: float = 2.0  # a word of the counted thing weighs this much more
    lead_weight: float = 1.0  # each of the three words right before the number


_RANGE = re.compile(
    r"\btừ\s+(?:đủ\s+)?\d+(?:[.,]\d+)*(?:\s*%)?(?:\s+[^\W\d_]+){0,2}?\s+(?:đến|tới)\s+(?:dưới\s+)?"
    r"\d+(?:[.,]\d+)*(?:\s*%)?(?:\s+[^\W\d_]+){0,2}",
    re.IGNORECASE,
)


def count_phrase(text: str, n: NumberMention) -> str:
    """The number with its unit ("19 điểm"), or the whole range it belongs to ("từ 02 năm đến 07 năm")."""
    for m in _RANGE.finditer(text):
        if m.start() <= n.start < m.end():
            return _trim_unit(m.group(0))
    unit = "" if n.percent or re.search(r"[A-Za-z]$", n.text) else unit_words_after(text, n.end)
    return f"{n.text} {unit}".strip()


def _trim_unit(phrase: str) -> str:
    """Drop function words trailing a range ("từ 02 năm đến 07 năm và" -> "từ 02 năm đến 07 năm")."""
    words_ = phrase.split()
    while words_ and words_[-1].lower() in _PHRASE_STOP:
        words_.pop()
    return " ".join(words_)


_DATE = re.compile(
    r"((?:ngày\s+)?\d{1,2}/\d{1,2}/\d{4}|(?:tháng\s+)\d{1,2}(?:/\d{4}|\s+năm\s+\d{4})?|\d{1,2}/\d{4}|năm\s+\d{4}|"
    r"\d{4}-\d{2}-\d{2}|quý\s+[IV1-4]+(?:/\d{4})?)",
    re.IGNORECASE,
)


def date_phrase(text: str, question: str = "") -> str | None:
    """The most specific date in the text that is not just a year the question already names."""
    asked = set(re.findall(r"\d{4}", question))
    best, best_rank = None, -1
    for m in _DATE.finditer(text):
        value = m.group(0)
        digits = re.findall(r"\d+", value)
        if len(digits) == 1 and digits[0] in asked:
            continue
        rank = len(digits)
        if rank > best_rank:
            best, best_rank = value, rank
    return best


def list_phrase(sentence: str, question: str, folded: bool = True) -> str | None:
    """An enumeration: the parenthesised list nearest the question's words, or what follows "gồm"/":"."""
    q_words = set(content_words(question, folded))
    best, best_score, previous_end = None, -1.0, 0
    for m in re.finditer(r"\(([^()]{3,240})\)", sentence):
        inner = m.group(1)
        if len(re.split(r"[;,]", inner)) >= 2:
            lead = sentence[max(previous_end, m.start() - 90) : m.start()]  # what the list is a list of
            lead_words = words(lead, folded)
            score = sum(1.0 for w in set(lead_words) if w in q_words)
            if score > best_score:
                best, best_score = inner.strip(), score
        previous_end = m.end()
    if best is not None:
        return best
    after = re.search(
        r"(?:bao gồm|gồm có|gồm|như|là|:)\s+(.{5,240}?)(?=\s+(?:đã|đang|sẽ|được|nhằm|để|cùng)\s|[.;]|$)", sentence
    )
    if after and len(re.split(r",|\bvà\b", after.group(1))) >= 2:
        return after.group(1).strip(" ,")
    return None


_CAUSE = re.compile(r"\b(do|vì|bởi|nên|nguyên nhân|because|due to)\b", re.IGNORECASE)
_OPENERS = re.compile(r"^(tuy nhiên|nhưng|ngoài ra|bên cạnh đó|mặt khác|đồng thời|hiện nay|đặc biệt)\s*,?\s*", re.I)


def cause_phrase(sentence: str) -> str | None:
    """The clause that carries a cause: a parenthesised one, or the sentence up to its first stop."""
    for m in re.finditer(r"\(([^()]{5,300})\)", sentence):
        if _CAUSE.search(m.group(1)):
            return m.group(1).strip()
    if not _CAUSE.search(sentence):
        return None
    text = _OPENERS.sub("", sentence.strip())
    cut = re.search(r"[;.]", text)
    text = text[: cut.start()] if cut else text
    return shorten(text, 240)


def entity_phrase(text: str, question: str) -> str | None:
    """For "… <noun> nào?": the noun phrase of the text that starts with that noun ("Đề án 112"); where the
    noun occurs more than once, the occurrence whose next words the question does not already say ("quyền
    sử dụng" for "… quyền chiếm hữu, quyền định đoạt và quyền nào?")."""
    m = re.search(r"((?:[^\W\d_]+\s+){1,2}?)nào\b", question, re.IGNORECASE)
    if not m:
        return None
    words = m.group(1).split()
    if len(words) > 1 and is_stop(words[0].lower(), english=False):
        words = words[1:]
    head = " ".join(words)
    folded_text, folded_head = fold(text).lower(), fold(head).lower()
    asked = {fold(w) for w in raw_words(question)}
    limit = 40 if len(words) == 1 or not re.search(r"trường hợp|điều kiện", head, re.I) else 250
    best: tuple[int, str] | None = None
    for found in re.finditer(rf"\b{re.escape(folded_head)}\b", folded_text):
        at = found.start()
        rest = text[at + len(head) :]
        tail = re.match(rf"[^,.;:()]{{0,{limit}}}" if limit == 40 else rf"[^.;:]{{0,{limit}}}", rest)
        kept = tail.group(0) if tail else ""
        if len(kept) < len(rest) and rest[len(kept)].isalnum():  # stopped inside a word: end at the one before
            kept = kept[: kept.rfind(" ")] if " " in kept else ""
        new = sum(fold(w) not in asked for w in raw_words(kept)[:3])
        if best is None or new > best[0]:
            best = (new, (text[at : at + len(head)] + kept).strip())
    return shorten(best[1], 300) if best else None


def definition(text: str, question: str) -> str | None:
    """For "X là gì?": what the text says X is, with X ("Hình phạt là biện pháp …" -> "Hình phạt là biện
    pháp …"): a definition reads as a whole and names what it defines."""
    m = re.search(r"((?:[^\W\d_]+\s+){1,4})là\s+(?:gì|ai)\b", question, re.IGNORECASE)
    if not m:
        return None
    subject = " ".join(m.group(1).split()[-2:])
    at = fold(text).lower().find(fold(subject).lower() + " la ")
    if at < 0:
        return None
    head = fold(text[:at]).lower()
    begin = max(head.rfind(". "), head.rfind("; "), head.rfind(": "), head.rfind("\n"))
    begin = begin + 2 if begin >= 0 else 0
    if at - begin > 60:  # a long lead-in before X: start at X
        begin = at
    return shorten(text[begin:], 300)


def shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > 0 else limit - 1].rstrip(" ,;:") + "…"
