"""One formatter per output kind, each taking the same Answer: plain text (CLI and chat), Slack Block Kit,
Zalo text.  (The chat page renders the JSON contract itself, in service/static/app.js.)  Each platform's
limits are named once, in `limits`."""

from __future__ import annotations

from dataclasses import dataclass

from service.answer import Answer, Citation

REFUSAL = "Xin lỗi, các báo cáo hiện có không trả lời được câu hỏi này"


@dataclass(frozen=True)
class Limits:
    quote: int  # characters of a cited passage shown
    sources: int  # citations listed
    total: int | None = None  # characters of the whole message, where the platform has a limit


PLAIN = Limits(quote=240, sources=10)
SLACK = Limits(quote=200, sources=5, total=3000)  # a section's text holds 3,000 characters
ZALO = Limits(quote=200, sources=5, total=2000)  # Zalo's text messages hold 2,000


def quote(text: str, limit: int) -> str:
    """One line, cut at a word boundary with "…" when over `limit`."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def headline(answer: Answer, generated: str | None = None) -> str:
    """What a person reads first: the (generated or extractive) answer, or why there is none."""
    if answer.answer is None:
        return answer.message or f"{REFUSAL}."
    return generated if generated is not None else answer.answer


def conversational(answer: Answer, generated: str | None = None) -> str:
    """The headline as a bot says it: a refusal begins with an apology ("Xin lỗi, … : <why>")."""
    if answer.answer is None:
        return f"{REFUSAL}: {answer.message}" if answer.message else f"{REFUSAL}."
    return headline(answer, generated)


def confidence_line(answer: Answer) -> str | None:
    if answer.answer is None:
        return None
    return f"Độ tin cậy / confidence: {answer.confidence:.2f}"


def source_line(i: int, c: Citation) -> str:
    """ "[1] Title (source, date, trang 2 (OCR), bảng “Biểu 1. …”)" """
    where = [c.source]
    if c.date:
        where.append(c.date)
    if c.page is not None:
        where.append(f"trang {c.page}" + (" (OCR)" if c.ocr else ""))
    elif c.ocr:
        where.append("OCR")
    if c.table:
        where.append(f"bảng “{c.table}”")
    return f"[{i}] {c.title} ({', '.join(where)})"


def cited_text(answer: Answer, i: int, c: Citation) -> str:
    """The passage to quote for citation i (1-based): the evidence sentence for the first when it is there, and
    for a table cell the cell with its row and column (not the row's other cells)."""
    if i == 1 and answer.evidence and (answer.evidence in c.text or c.table is not None):
        return answer.evidence
    return c.text
