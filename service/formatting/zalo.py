"""Zalo plain text: the answer, notes, confidence and numbered sources, within Zalo's 2,000 characters."""

from __future__ import annotations

import re

from service.answer import Answer
from service.formatting import ZALO, cited_text, confidence_line, conversational, quote, source_line


def cut_at_sentence(text: str, limit: int) -> str:
    """Text no longer than `limit`, cut after the last sentence (or line) that fits."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    ends = [m.end() for m in re.finditer(r"[.!?…](?=\s)|\n", head)]
    cut = ends[-1] if ends and ends[-1] > limit // 2 else head.rfind(" ")
    return head[: cut if cut > 0 else limit - 1].rstrip() + "…"


def zalo_text(answer: Answer, generated: str | None = None) -> str:
    lines = [conversational(answer, generated)]
    lines.extend(f"({n})" for n in answer.notes)
    confidence = confidence_line(answer)
    if confidence:
        lines.append(confidence)
    if answer.citations:
        lines.append("Nguồn:")
        for i, c in enumerate(answer.citations[: ZALO.sources], 1):
            lines.append(f"{source_line(i, c)}: “{quote(cited_text(answer, i, c), ZALO.quote)}”")
    return cut_at_sentence("\n".join(lines), ZALO.total or 2000)
