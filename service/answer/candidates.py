"""Candidates: the answer units of the best retrieved passages, each with its similarity to the question.  A
table's row lines are not candidates: a row holds several figures, and one is given only as a cell."""

from __future__ import annotations

import re

import numpy as np

from indexer.store import Unit
from service.answer.types import Candidate
from service.search import SearchOutcome

_LIST_ITEM = re.compile(r"^(?:[a-zđ]|\d{1,2})\)\s|^[-+•]\s")


def list_lead(unit: Unit, document_text: str) -> Unit | None:
    """The line ending in ":" that introduces the list a unit is an item of ("… thì bị phạt tù từ 02 năm đến
    07 năm:" before "a) Có tổ chức;")."""
    if not _LIST_ITEM.match(unit.text):
        return None
    colon = document_text.rfind(":\n", max(0, unit.start - 3000), unit.start)
    if colon < 0:
        return None
    start = document_text.rfind("\n", 0, colon) + 1
    return Unit(-1, unit.source, start, colon + 1, document_text[start : colon + 1])


def collect(outcome: SearchOutcome, hits: int) -> list[Candidate]:
    """Units of the first `hits` passages (each unit once), in passage order."""
    store = outcome.index.store
    q_vec = outcome.query_vector
    seen: set[int] = set()
    units: list[tuple[Unit, int]] = []
    for rank, hit in enumerate(outcome.hits[:hits]):
        for unit in store.units_between(hit.chunk.source, hit.chunk.start, hit.chunk.end):
            if hit.document.tables_between(unit.start, unit.end):
                continue  # a table's row line: its figures are read from their cells (table_cells), not as prose
            if unit.row not in seen:
                seen.add(unit.row)
                units.append((unit, rank))
    if not units:
        return []
    if q_vec is not None:
        rows = np.fromiter((u.row for u, _ in units), dtype=np.int64, count=len(units))
        similarities = np.asarray(outcome.index.unit_vectors[rows]) @ q_vec
    else:
        similarities = np.zeros(len(units), dtype=np.float32)
    out = []
    for (unit, rank), sim in zip(units, similarities.tolist(), strict=True):
        hit = outcome.hits[rank]
        out.append(Candidate(unit, hit, rank, float(sim), list_lead(unit, hit.document.text)))
    return out
