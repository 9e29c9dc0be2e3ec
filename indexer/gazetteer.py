"""Provinces of Việt Nam, kept as data (indexer/data/provinces.json): the 63 units before 1 July 2025
with their short forms, and the unit each belongs to among the 34 after the merger.  Places below the province
(indexer/places.py) are mentions of their province: "huyện Krông Pắc" is a mention of Đắk Lắk."""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from indexer.places import DATA_FILE as PLACES_FILE
from indexer.places import Places, may_name_a_place
from indexer.vietnamese import fold, has_diacritics, normalize_tones

DATA_FILE = Path(__file__).parent / "data" / "provinces.json"


@dataclass(frozen=True)
class Province:
    name: str  # the name before 1 July 2025 ("Kon Tum")
    kind: str  # "tỉnh" | "thành phố"
    aliases: tuple[str, ...]
    ambiguous: bool
    since_2025: str  # the unit it belongs to after the merger ("Quảng Ngãi")


@dataclass(frozen=True)
class Mention:
    province: str
    start: int
    end: int
    place: str = ""  # the place below the province that was written ("Krông Pắc"), if it was one


def _pattern(forms: list[str], flags: int = 0) -> re.Pattern[str]:
    alternation = "|".join(re.escape(f) for f in sorted(set(forms), key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", flags)


class Gazetteer:
    def __init__(self, provinces: list[Province], merger_date: str, places_file: Path | None = PLACES_FILE) -> None:
        self.provinces = {p.name: p for p in provinces}
        self.merger_date = merger_date
        self._places_file = places_file  # read on the first look-up that needs it (None: provinces only)
        self._places: Places | None = None
        self._by_form: dict[str, str] = {}
        self._by_folded: dict[str, str] = {}
        plain: list[str] = []
        strict: list[str] = []
        for p in provinces:
            for form in (p.name, *p.aliases):
                form = normalize_tones(form)
                self._by_form[form.lower()] = p.name
                self._by_folded[fold(form).lower()] = p.name
                (strict if p.ambiguous else plain).append(form)
        self._plain = _pattern(plain, re.IGNORECASE)
        self._strict = _pattern(strict)  # capitalised only: "Hòa Bình" the province, not "hòa bình"
        self._strict_prefixed = _pattern(
            [f"{k} {s}" for s in strict for k in ("tỉnh", "thành phố", "tp")], re.IGNORECASE
        )
        folded = sorted(self._by_folded)
        self._folded = _pattern(folded)
        self._folded_plain = _pattern(
            [fold(normalize_tones(f)).lower() for p in provinces if not p.ambiguous for f in (p.name, *p.aliases)]
        )

    @classmethod
    def load(cls, path: Path = DATA_FILE, places_file: Path | None = PLACES_FILE) -> Gazetteer:
        data = json.loads(path.read_text(encoding="utf-8"))
        provinces = [
            Province(r["name"], r["kind"], tuple(r["aliases"]), r["ambiguous"], r["since_2025"])
            for r in data["provinces"]
        ]
        return cls(provinces, data["merger_date"], places_file)

    @property
    def places(self) -> Places | None:
        if self._places is None and self._places_file is not None:
            self._places = Places.load(self._places_file, frozenset(self._by_form))
        return self._places

    # -- lookups -------------------------------------------------------------------------------------
    def canonical(self, name: str) -> str | None:
        """The canonical (pre-2025) name for any form: "TP.HCM" -> "Hồ Chí Minh"; None if unknown."""
        name = " ".join(normalize_tones(name).split())
        return self._by_form.get(name.lower()) or self._by_folded.get(fold(name).lower())

    def resolve(self, name: str) -> str | None:
        """The province of a province or of a place below it: "Buôn Ma Thuột" -> "Đắk Lắk"; None if unknown."""
        found = self.canonical(name)
        if found is None and self.places is not None:
            found = self.places.province_of(name)
        return found

    def since_2025(self, name: str) -> str:
        return self.provinces[name].since_2025

    def merged_from(self, current: str) -> list[str]:
        """The former units that make up a post-2025 unit: "Quảng Ngãi" -> ["Kon Tum", "Quảng Ngãi"]."""
        return sorted(p.name for p in self.provinces.values() if p.since_2025 == current)

    def mentions(self, text: str) -> list[Mention]:
        """Province mentions in text, and places below a province as mentions of it; text without diacritics is
        matched on folded forms."""
        text = normalize_tones(text)
        found: list[Mention] = []
        taken: list[tuple[int, int]] = []

        def add(match: re.Match[str], surface: str, table: dict[str, str], offset: int = 0) -> None:
            start, end = match.start() + offset, match.end()
            if any(s < end and start < e for s, e in taken):
                return
            name = table.get(surface.lower())
            if name:
                taken.append((start, end))
                found.append(Mention(name, start, end))

        for m in self._strict_prefixed.finditer(text):
            surface = re.sub(r"^(tỉnh|thành phố|tp)\s+", "", m.group(0), flags=re.IGNORECASE)
            add(m, surface, self._by_form, len(m.group(0)) - len(surface))
        for pattern in (self._strict, self._plain):
            for m in pattern.finditer(text):
                add(m, m.group(0), self._by_form)
        folded = fold(text).lower()
        folded_pattern = self._folded if not has_diacritics(text) else self._folded_plain
        for m in folded_pattern.finditer(folded):
            add(m, m.group(0), self._by_folded)
        rest, at = [], 0  # the text with the provinces found blanked out: what a place could still be in
        for s, e in sorted(taken):
            rest += [text[at:s], " " * (e - s)]
            at = max(at, e)
        rest.append(text[at:])
        if self._places_file is not None and may_name_a_place("".join(rest)) and self.places is not None:
            for p in self.places.mentions(text):
                if not any(s < p.end and p.start < e for s, e in taken):
                    found.append(Mention(p.province, p.start, p.end, p.place))
        return sorted(found, key=lambda x: x.start)

    def provinces_in(self, text: str, title: str = "") -> list[str]:
        """Provinces a document is about, most mentioned first (a title mention counts three times)."""
        return self.profile(text, title).provinces

    def profile(self, text: str, title: str = "") -> ProvinceProfile:
        """The provinces a document names (for the province filter) and those it is about (its subject), from
        one pass over its text."""
        mentions = self.mentions(text)
        in_title = list(dict.fromkeys(m.province for m in self.mentions(title)))
        counts: Counter[str] = Counter(m.province for m in mentions)
        for name in in_title:
            counts[name] += 3
        if not counts:
            return ProvinceProfile([], [])
        top = counts.most_common(1)[0][1]
        provinces = [name for name, n in counts.most_common() if n >= max(1, top * 0.25)]
        lede = {m.province for m in mentions if m.start < LEDE_CHARS}
        return ProvinceProfile(provinces, subjects(counts, in_title, lede))


# What makes a province a document's subject rather than a place it names in passing (a news item on a match in
# Hà Nội that mentions a player from Quảng Nam is not about Quảng Nam).
LEDE_CHARS = 400  # the opening a document's subject is named in
SUBJECT_SHARE = 0.5  # … or its share of the document's province mentions (title mentions counted three times)
SUBJECT_LEDE_SHARE = 0.25  # … a smaller share will do for a province the opening names
SUBJECT_MIN_MENTIONS = 2  # and a province named once in a long text is named in passing


@dataclass(frozen=True)
class ProvinceProfile:
    provinces: list[str]  # every province it names often enough to be searched under, most mentioned first
    subjects: list[str]  # those it is about: named in its title, or a large share of its mentions


def subjects(counts: Counter[str], in_title: list[str], lede: set[str]) -> list[str]:
    """The provinces a document is about: those its title names; else those with at least half of its province
    mentions, or a quarter when its opening names them too, and named more than once."""
    total = sum(counts.values())
    out = list(in_title)
    for name, n in counts.most_common():
        if name in out or n < SUBJECT_MIN_MENTIONS:
            continue
        share = n / total
        if share >= SUBJECT_SHARE or (name in lede and share >= SUBJECT_LEDE_SHARE):
            out.append(name)
    return out
