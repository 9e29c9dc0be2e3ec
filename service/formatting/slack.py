"""Slack Block Kit: the answer, notes and confidence, a divider, the sources as context elements, and a
plain-text fallback."""

from __future__ import annotations

from typing import Any

from service.answer import Answer
from service.formatting import SLACK, cited_text, confidence_line, conversational, quote, source_line


def slack_message(answer: Answer, generated: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks)."""
    first = conversational(answer, generated)
    text = f"*{quote(first, SLACK.total or 3000)}*" if answer.answer is not None else first
    blocks: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    context = [f"_{n}_" for n in answer.notes]
    confidence = confidence_line(answer)
    if confidence:
        context.append(confidence)
    for line in context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": line}]})
    if answer.citations:
        blocks.append({"type": "divider"})
        for i, c in enumerate(answer.citations[: SLACK.sources], 1):
            line = f"{source_line(i, c)}\n> {quote(cited_text(answer, i, c), SLACK.quote)}"
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": line}]})
    fallback = "\n".join([first] + [source_line(i, c) for i, c in enumerate(answer.citations, 1)])
    return fallback.strip(), blocks
