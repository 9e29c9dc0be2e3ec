"""Citations: the passages an answer came from, the answering passage first."""

from __future__ import annotations

from service.answer.types import Candidate, Citation
from service.retrieval import Hit


def cite(hit: Hit, start: int, end: int, text: str) -> Citation:
    """A passage of the hit's document (its chunk, or a sentence of it) as a citation, with its page, whether
    OCR read it, the table it is a row of, and what the document is (its kind and the provinces it is about)."""
    document = hit.document
    page = document.page_at(start)
    table = next((t.caption or None for t in document.tables_between(start, end) if t.start <= start), None)
    return Citation(
        hit.chunk.source,
        document.title,
        hit.chunk.chunk_id,
        start,
        end,
        text,
        round(hit.score, 4),
        document.date,
        page,
        page is not None and page in document.ocr_pages,
        table,
        document.kind.value,
        document.about,
    )


def citations(hits: list[Hit], top_k: int, chosen: Candidate | None = None, also: Hit | None = None) -> list[Citation]:
    """The first `top_k` hits as citations; the chosen candidate's passage first and `also` (an older report the
    answer differs from) second.  A list item's lead line and a unit that straddles two chunks are cited
    themselves, so the evidence is always inside a citation."""
    ordered = list(hits)
    if also is not None:
        ordered.remove(also)
        ordered.insert(0, also)
    if chosen is not None:
        ordered.remove(chosen.hit)
        ordered.insert(0, chosen.hit)
    out = [cite(hit, hit.chunk.start, hit.chunk.end, hit.chunk.text) for hit in ordered[:top_k]]
    if chosen is not None:
        lead, unit = chosen.lead, chosen.unit
        if lead is not None and not any(lead.text in c.text for c in out):
            out.insert(1, cite(chosen.hit, lead.start, lead.end, lead.text))
        if unit.text not in out[0].text:  # the unit straddles two chunks: cite the unit itself
            out.insert(0, cite(chosen.hit, unit.start, unit.end, unit.text))
            out = out[:top_k]
    return out
