"""English question words -> Vietnamese report vocabulary (service/data/glossary_en_vi.json), so English
questions can be matched lexically against Vietnamese text: "video-conference points" -> "điểm cầu"."""

from __future__ import annotations

import json
import re
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "glossary_en_vi.json"


def canonical(term: str) -> str:
    """A term as written with a hyphen or a space alike: "district-level", "district level" -> "district level"."""
    return re.sub(r"[-\s]+", " ", term.strip().lower())


class Glossary:
    def __init__(self, terms: dict[str, list[str]]) -> None:
        self.terms: dict[str, list[str]] = {}
        for key, phrases in terms.items():
            merged = self.terms.setdefault(canonical(key), [])
            merged.extend(p for p in phrases if p not in merged)
        keys = sorted(self.terms, key=lambda k: (-len(k.split()), -len(k)))
        alternatives = "|".join(re.escape(k).replace(r"\ ", r"[-\s]+") for k in keys)
        self._pattern = re.compile(r"(?<![\w-])(" + alternatives + r")(?![\w-])", re.I)

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> Glossary:
        return cls(json.loads(path.read_text(encoding="utf-8"))["terms"])

    def translate(self, text: str) -> list[str]:
        """Vietnamese phrases for the English terms of `text`, in order of appearance."""
        out: list[str] = []
        for group in self.groups(text):
            for phrase in group:
                if phrase not in out:
                    out.append(phrase)
        return out

    def groups(self, text: str) -> list[tuple[str, ...]]:
        """For each English term of `text`, in order, its Vietnamese alternatives ("agencies" -> "cơ quan",
        "đơn vị"): a report that says any one of them speaks of that term."""
        return [tuple(self.terms[canonical(m.group(1))]) for m in self._pattern.finditer(text)]
