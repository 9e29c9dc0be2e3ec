"""English question words -> Vietnamese report vocabulary (service/data/glossary_en_vi.json), so English
questions can be matched lexically against Vietnamese text: "video-conference points" -> "điểm cầu"."""

from __future__ import annotations

import json
import re
from pathlib import Path

DATA_FILE = Path(__file__).parent / "data" / "glossary_en_vi.json"


class Glossary:
    def __init__(self, terms: dict[str, list[str]]) -> None:
        self.terms = {k.lower(): v for k, v in terms.items()}
        keys = sorted(self.terms, key=lambda k: (-len(k.split()), -len(k)))
        self._pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w-])", re.I)

    @classmethod
    def load(cls, path: Path = DATA_FILE) -> Glossary:
        return cls(json.loads(path.read_text(encoding="utf-8"))["terms"])

    def translate(self, text: str) -> list[str]:
        """Vietnamese phrases for the English terms of `text`, in order of appearance."""
        out: list[str] = []
        for m in self._pattern.finditer(text):
            for phrase in self.terms[m.group(1).lower()]:
                if phrase not in out:
                    out.append(phrase)
        return out
