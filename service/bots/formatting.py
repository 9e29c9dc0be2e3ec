"""One answer, each platform's message: Slack Block Kit (with a plain-text fallback) and Zalo plain text."""

from __future__ import annotations

import re
from typing import Any

from service.answering import Answer

ZALO_LIMIT = 2000
_REFUSAL = "Xin lỗi, các báo cáo hiện có không trả lời được câu hỏi này."


def _quote(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _headline(answer: Answer) -> str:
    if answer.answer is None:
        return f"{_REFUSAL} ({answer.message})" if answer.message else _REFUSAL
    return answer.answer


def slack_message(question: str, answer: Answer) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks): the answer, a divider, the sources as context elements."""
    headline = _headline(answer)
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{headline}*" if answer.answer else headline}}
    ]
    for note in answer.notes:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"_{note}_"}]})
    if answer.citations:
        blocks.append({"type": "divider"})
        for i, c in enumerate(answer.citations[:5], 1):
            quote = answer.evidence if i == 1 and answer.evidence and answer.evidence in c.text else c.text
            date = f", {c.date}" if c.date else ""
            blocks.append(
                {
                    "type": "context",
                    "elements": [
                        {"type": "mrkdwn", "text": f"[{i}] *{c.title}* ({c.source}{date})\n> {_quote(quote)}"}
                    ],
                }
            )
    fallback = f"{headline}\n" + "\n".join(f"[{i}] {c.title} ({c.source})" for i, c in enumerate(answer.citations, 1))
    return fallback.strip(), blocks


def cut_at_sentence(text: str, limit: int = ZALO_LIMIT) -> str:
    """Text no longer than `limit`, cut after the last sentence (or line) that fits."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    ends = [m.end() for m in re.finditer(r"[.!?…](?=\s)|\n", head)]
    cut = ends[-1] if ends and ends[-1] > limit // 2 else head.rfind(" ")
    return head[: cut if cut > 0 else limit - 1].rstrip() + "…"


def zalo_text(answer: Answer) -> str:
    """Plain text with numbered sources, within Zalo's 2,000 characters."""
    lines = [_headline(answer)]
    lines.extend(f"({n})" for n in answer.notes)
    if answer.citations:
        lines.append("Nguồn:")
        for i, c in enumerate(answer.citations[:5], 1):
            quote = answer.evidence if i == 1 and answer.evidence and answer.evidence in c.text else c.text
            date = f", {c.date}" if c.date else ""
            lines.append(f"[{i}] {c.title} ({c.source}{date}): “{_quote(quote)}”")
    return cut_at_sentence("\n".join(lines))
