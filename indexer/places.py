"""Places below the province — districts, towns, provincial cities and communes, before and after the July 2025
reorganisation — kept as data (indexer/data/places.json, written by scripts/make_places.py from a public list of
administrative units; its source and date are in the file) and found in text by dictionary look-up.

A place is recognised after its kind ("huyện Krông Pắc", "TP. Buôn Ma Thuột", "xã Hòa Thắng") when its name
belongs to one province, and without its kind only when the name is a district-level unit's, has at least two
words, is written capitalised, does not end a longer name ("Văn Lâm" in "Đặng Văn Lâm" is a person) and names
no other unit anywhere in the country ("Buôn Ma Thuột").  A name that several provinces share ("huyện Châu
Thành") says nothing about the province and is not a mention.  Text without diacritics is matched on folded
names of two words or more, with the kind required below three words.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from indexer.vietnamese import fold, has_diacritics, normalize_tones

DATA_FILE = Path(__file__).parent / "data" / "places.json"

# Kind words, lower-cased, as they are written before a name; "tp" also as "tp." and "t.p".
DISTRICT_KINDS = ("huyện", "quận", "thị xã", "thành phố", "tp")
COMMUNE_KINDS = ("xã", "phường", "thị trấn", "đặc khu")
MAX_NAME_WORDS = 4  # "Krông A Na", "Buôn Ma Thuột": no unit's name is longer
MIN_BARE_WORDS = 2  # a name written without its kind needs at least this many words
MIN_FOLDED_BARE_WORDS = 3  # the same in text without diacritics, where capitals are no guide
MIN_FOLDED_PREFIXED_WORDS = 2  # "xa hoi" is not "xã Hội": after a kind, without diacritics, two words at least

_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_JOIN = re.compile(r"[ \t.]*")  # what may separate a kind and the words of a name ("TP. Buôn Ma Thuột")


@dataclass(frozen=True)
class PlaceMention:
    place: str  # the name as written in the data ("Krông Pắc")
    province: str  # the pre-2025 province it lies in ("Đắk Lắk")
    start: int
    end: int


class _Words:
    """Word forms, each computed once per distinct word (a few thousand syllables make up every name)."""

    def __init__(self) -> None:
        self._lower: dict[str, str] = {}
        self._folded: dict[str, str] = {}

    def lower(self, word: str) -> str:
        found = self._lower.get(word)
        if found is None:
            found = self._lower[word] = normalize_tones(word).lower()
        return found

    def folded(self, word: str) -> str:
        found = self._folded.get(word)
        if found is None:
            found = self._folded[word] = fold(self.lower(word))
        return found

    def key(self, words: list[str], folded: bool = False) -> str:
        return " ".join(self.folded(w) if folded else self.lower(w) for w in words)


_KIND_WORD = re.compile(
    r"(?<!\w)(?:" + "|".join(k.replace(" ", r"\s+") for k in (*DISTRICT_KINDS, *COMMUNE_KINDS)) + r")(?!\w)",
    re.IGNORECASE,
)


def _starts_sentence(text: str, i: int) -> bool:
    j = i - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    return j < 0 or text[j] in ".!?:;\n"


def _ends_a_longer_name(text: str, tokens: list[tuple[int, int, str]], glued: list[bool], i: int) -> bool:
    """Whether the capitalised words from token i continue a name begun before them, inside a sentence: "Văn Lâm"
    in "Đặng Văn Lâm", "Hồng Bàng" in "Trung tướng Mai Hồng Bàng" are people, not districts."""
    if i == 0 or not glued[i]:
        return False
    word = tokens[i - 1][2]
    return word[:1].isupper() and not word.isupper() and not _starts_sentence(text, tokens[i - 1][0])


def may_name_a_place(text: str) -> bool:
    """Whether `text` (normalised) could name a place: a kind word ("huyện", "TP"), a capitalised word inside a
    sentence, or no diacritics at all (folded names).  A question that cannot — "Kon Tum có bao nhiêu máy chủ?"
    with its province blanked out — leaves the list unread, which keeps a one-question process fast."""
    if not has_diacritics(text) or _KIND_WORD.search(text):
        return True
    return any(m.group(0)[:1].isupper() and not _starts_sentence(text, m.start()) for m in _TOKEN.finditer(text))


class Places:
    """Place names → the provinces they lie in; `mentions(text)` finds the ones that name a single province."""

    def __init__(self, districts: dict[str, set[str]], communes: dict[str, set[str]], names: dict[str, str]) -> None:
        self._words = _Words()
        self._names = names  # key -> the name as the data writes it
        self._folded_names = {self._words.key(k.split(), folded=True): v for k, v in names.items()}
        self._by_level = {"district": districts, "commune": communes}
        everything: dict[str, set[str]] = defaultdict(set)
        for table in (districts, communes):
            for key, provinces in table.items():
                everything[key] |= provinces
        self._bare = {
            key: next(iter(districts[key]))
            for key in districts
            if len(everything[key]) == 1 and len(key.split()) >= MIN_BARE_WORDS
        }
        self._folded = {level: self._fold_table(table) for level, table in self._by_level.items()}
        folded_all = self._fold_table(everything)
        self._folded_bare = {
            folded: province
            for key, province in self._bare.items()
            if len(key.split()) >= MIN_FOLDED_BARE_WORDS and len(folded_all[folded := self._fold(key)]) == 1
        }
        self._bare_first = {key.split()[0] for key in self._bare} | {key.split()[0] for key in self._folded_bare}
        self._kinds = [
            (kind.split(), level)
            for kinds, level in ((DISTRICT_KINDS, "district"), (COMMUNE_KINDS, "commune"))
            for kind in kinds
        ]
        self._kind_first = {w for words, _ in self._kinds for w in (words[0], fold(words[0]))}

    def _fold(self, key: str) -> str:
        return self._words.key(key.split(), folded=True)

    def _fold_table(self, table: dict[str, set[str]]) -> dict[str, set[str]]:
        folded: dict[str, set[str]] = defaultdict(set)
        for key, provinces in table.items():
            folded[self._fold(key)] |= provinces
        return dict(folded)

    @classmethod
    def load(cls, path: Path = DATA_FILE, province_names: frozenset[str] = frozenset()) -> Places:
        """Read the data file; names that are also province names (`province_names`, lower-cased) are left to the
        province gazetteer."""
        data = json.loads(path.read_text(encoding="utf-8"))
        words = _Words()
        districts: dict[str, set[str]] = defaultdict(set)
        communes: dict[str, set[str]] = defaultdict(set)
        names: dict[str, str] = {}

        def add(table: dict[str, set[str]], name: str, provinces: list[str]) -> None:
            key = words.key(name.split())
            if key in province_names or not provinces or name[:1].isdigit():
                return
            names.setdefault(key, name)
            table[key].update(provinces)

        for province, units in data["before_2025"].items():
            for _kind, name, wards in units:
                add(districts, name, [province])
                for _ward_kind, ward in wards:
                    add(communes, ward, [province])
        for _province, wards in data["since_2025"].items():
            for _ward_kind, ward, former in wards:
                add(communes, ward, former)
        return cls(dict(districts), dict(communes), names)

    # -- look-ups ------------------------------------------------------------------------------------
    def province_of(self, name: str) -> str | None:
        """The province of a place written with or without its kind ("huyện Krông Pắc", "Buôn Ma Thuột");
        None when the name is unknown or several provinces have a place of that name."""
        name = normalize_tones(" ".join(name.split()))
        found = self.mentions(name)
        if len(found) == 1 and found[0].start == 0 and found[0].end == len(name):
            return found[0].province
        key = self._words.key(_TOKEN.findall(name))
        for table in self._by_level.values():
            provinces = table.get(key)
            if provinces and len(provinces) == 1:
                return next(iter(provinces))
        return None

    def mentions(self, text: str) -> list[PlaceMention]:
        """Places that name a single province, in order, not overlapping; `text` has gone through
        `normalize_tones` (the gazetteer's mentions do that once for provinces and places)."""
        folded = not has_diacritics(text)
        tokens = [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]
        forms = [fold(t[2]).lower() if folded else t[2].lower() for t in tokens]
        glued = [i > 0 and _JOIN.fullmatch(text, tokens[i - 1][1], t[0]) is not None for i, t in enumerate(tokens)]
        found: list[PlaceMention] = []
        i = 0
        while i < len(tokens):
            match = None
            if forms[i] in self._kind_first:
                match = self._prefixed(tokens, forms, glued, i, folded)
            if (
                match is None
                and forms[i] in self._bare_first
                and (folded or tokens[i][2][:1].isupper())
                and not _ends_a_longer_name(text, tokens, glued, i)
            ):
                match = self._bare_at(tokens, forms, glued, i, folded)
            if match is None:
                i += 1
                continue
            found.append(match[0])
            i = match[1]
        return found

    # -- matching ------------------------------------------------------------------------------------
    def _prefixed(
        self, tokens: list[tuple[int, int, str]], forms: list[str], glued: list[bool], i: int, folded: bool
    ) -> tuple[PlaceMention, int] | None:
        for kind, level in self._kinds:
            first = i + len(kind)
            if first > len(tokens) or forms[i:first] != ([fold(w) for w in kind] if folded else kind):
                continue
            if not all(glued[i + 1 : first]):
                continue
            table = self._folded[level] if folded else self._by_level[level]
            shortest = MIN_FOLDED_PREFIXED_WORDS if folded else 1
            for n in range(min(MAX_NAME_WORDS, len(tokens) - first), shortest - 1, -1):
                if not all(glued[first : first + n]):
                    continue
                span = tokens[first : first + n]
                if not folded and not all(t[2][:1].isupper() for t in span):
                    continue
                provinces = table.get(" ".join(forms[first : first + n]))
                if provinces and len(provinces) == 1:
                    return self._mention(span, next(iter(provinces)), tokens[i][0]), first + n
        return None

    def _bare_at(
        self, tokens: list[tuple[int, int, str]], forms: list[str], glued: list[bool], i: int, folded: bool
    ) -> tuple[PlaceMention, int] | None:
        table = self._folded_bare if folded else self._bare
        for n in range(min(MAX_NAME_WORDS, len(tokens) - i), MIN_BARE_WORDS - 1, -1):
            if not all(glued[i + 1 : i + n]):
                continue
            span = tokens[i : i + n]
            if not folded and not all(t[2][:1].isupper() for t in span):
                continue
            province = table.get(" ".join(forms[i : i + n]))
            if province:
                return self._mention(span, province, span[0][0]), i + n
        return None

    def _mention(self, span: list[tuple[int, int, str]], province: str, start: int) -> PlaceMention:
        words = [t[2] for t in span]
        name = self._names.get(self._words.key(words)) or self._folded_names.get(self._words.key(words, folded=True))
        return PlaceMention(name or " ".join(words), province, start, span[-1][1])
