"""Plain text: the chat reply and the CLI's output."""

from __future__ import annotations

from service.answer import Answer
from service.formatting import PLAIN, cited_text, confidence_line, headline, quote, source_line


def sources(answer: Answer) -> str:
    return "\n".join(
        f"{source_line(i, c)}: “{quote(cited_text(answer, i, c), PLAIN.quote)}”"
        for i, c in enumerate(answer.citations[: PLAIN.sources], 1)
    )


def plain_text(answer: Answer, generated: str | None = None, notes: list[str] | None = None) -> str:
    """The answer (with "[1]" pointing at its source), notes, confidence, then numbered sources."""
    body = headline(answer, generated)
    if answer.answer is not None and generated is None and answer.citations:
        body += " [1]"
    parts = [body]
    parts.extend(f"({n})" for n in (answer.notes if notes is None else notes))
    confidence = confidence_line(answer)
    if confidence:
        parts.append(confidence)
    if answer.citations:
        parts.append("Nguồn / Sources:\n" + sources(answer))
    return "\n\n".join(parts)
