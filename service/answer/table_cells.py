"""Answers read from a table cell: the row the question names (by its label, or a "Tổng cộng" row when the
question asks for the total) and the column it names (by its header's words, its year, plan or actual).

    "Huyện Krông Pắc có bao nhiêu máy tính?"  →  412 máy tính
    evidence "Huyện Krông Pắc — Số máy tính: 412", cited at the table (its caption and page)

The tables are those the indexer kept with the retrieved documents (indexer/tables.py).  A question that names
no row is one about the whole (the province): the "Tổng cộng" row answers it.  A cell is given only when one
row and one column are clearly named; otherwise the question goes to the sentence answerer.  A question
about a year that no column (nor the table's caption or report title) covers is refused, never answered with a
neighbouring year's cell."""

from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.tables import Row, Table
from indexer.types import Document
from indexer.vietnamese import fold
from service import phrases
from service.analysis import AnalyzedQuestion, Language
from service.answer.parameters import TableCellSettings
from service.answer.types import Citation
from service.retrieval import Hit
from service.search import SearchOutcome

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_UNIT = re.compile(r"\(([^()]{1,30})\)\s*$")  # "Cán bộ chuyên trách (người)", "Tỷ lệ (%)"
_MEASURE_PREFIX = re.compile(r"^(tổng số|số lượng|số)\s+", re.IGNORECASE)
_VALUE_UNIT = re.compile(r"[^\W\d_]|%")  # a cell that already says its unit ("38,5 tỷ", "96%")

# Phrases of a question or header, compared folded.
PLAN = ("ke hoach", "kh", "chi tieu", "muc tieu", "du kien", "plan", "planned", "target")
ACTUAL = ("thuc hien", "th", "uoc th", "thuc te", "ket qua", "dat duoc", "actual", "achieved")
TOTAL = ("tong cong", "toan tinh", "ca tinh", "tat ca cac", "toan bo cac", "in total", "whole province")
# Words that say what a row or column is but not which: place kinds, "số", "lượng", … (folded).
GENERIC = frozenset(
    "so luong tong cong nam huyen quan thi xa thanh pho tp phuong tran don vi stt tt".split()  # noqa: SIM905
)


class Stage:
    PLAN = "plan"
    ACTUAL = "actual"


@dataclass(frozen=True)
class Cell:
    """The cell (or the cells of one row, when the question names several columns) chosen for a question, and how
    it is written out."""

    document: Document
    hit: Hit
    table: Table
    row: Row
    columns: tuple[int, ...]
    match: float  # how well the row and column words match the question (0..1)

    @property
    def value(self) -> str:
        return "; ".join(self.row.cells[c] for c in self.columns)

    @property
    def evidence(self) -> str:
        """"Huyện Krông Pắc — Số máy tính: 412" """
        cells = "; ".join(f"{self.table.column_name(c)}: {self.row.cells[c]}" for c in self.columns)
        return f"{self.row.label} — {cells}"

    @property
    def answer(self) -> str:
        """Each value with the unit its header gives: "412 máy tính", "95%", "2 người"."""
        return "; ".join(self._with_unit(c) for c in self.columns)

    def _with_unit(self, column: int) -> str:
        value = self.row.cells[column]
        unit = self.unit(column)
        if not unit or _VALUE_UNIT.search(value):
            return value
        return f"{value}{unit}" if unit == "%" else f"{value} {unit}"

    def unit(self, column: int) -> str:
        """The unit in parentheses in the column's header or the row's label, else what the header (or, for a
        column named only by its year or stage, the row) says is counted, without "Số"."""
        header = self.table.column_name(column)
        for text in (header, self.row.label):
            found = _UNIT.search(text)
            if found:
                return found.group(1).strip()
        if _content(header, folded=True):
            measured = header.split(" - ")[-1]
        elif self.row.total:
            return ""
        else:
            measured = self.row.label
        measure = _MEASURE_PREFIX.sub("", measured).strip()
        if len(measure) > 1 and measure[1:2].islower():
            measure = measure[0].lower() + measure[1:]
        return measure

    def citation(self, outcome: SearchOutcome) -> Citation:
        """The row's line in the document, cited with the table's caption and page."""
        page = self.table.page or self.document.page_at(self.row.start)
        chunk_id = self.hit.chunk.chunk_id
        if not (self.hit.chunk.start <= self.row.start < self.hit.chunk.end):
            stored = outcome.index.store.chunk_at(self.document.source, self.row.start)
            chunk_id = stored.chunk.chunk_id if stored is not None else chunk_id
        return Citation(
            self.document.source,
            self.document.title,
            chunk_id,
            self.row.start,
            self.row.end,
            self.document.text[self.row.start : self.row.end],
            round(self.hit.score, 4),
            self.document.date,
            page,
            self.table.ocr or (page is not None and page in self.document.ocr_pages),
            self.table.caption or None,
            self.document.kind.value,
            self.document.about,
        )


@dataclass(frozen=True)
class YearNotCovered:
    """The question names a row and column of a table, but a year none of its columns holds."""

    asked: tuple[int, ...]
    held: tuple[int, ...]
    table: Table
    document: Document
    named: frozenset[str]  # the words of the row and column the question named
    folded: bool

    def also_said_by(self, evidence: str, min_share: float) -> bool:
        """Whether a sentence speaks of the same row and column (most of their words), so that its figure for the
        asked year may answer instead."""
        if not self.named:
            return False
        said = set(phrases.words(evidence, self.folded))
        return len(self.named & said) / len(self.named) >= min_share

    def message(self) -> str:
        asked = ", ".join(map(str, self.asked))
        held = ", ".join(map(str, self.held)) or "?"
        caption = f"“{self.table.caption}” " if self.table.caption else ""
        return (
            f"Bảng {caption}({self.document.source}) chỉ có số liệu năm {held}, không có năm {asked} "
            f"(the table holds {held}, not {asked})."
        )


def _folded(text: str) -> str:
    return " ".join(phrases.words(text, True))


def _has(text: str, wanted: tuple[str, ...]) -> bool:
    folded = f" {_folded(text)} "
    return any(f" {p} " in folded for p in wanted)


def _without(text: str, wanted: tuple[str, ...]) -> str:
    """`text` with the phrases `wanted` (folded) blanked out, wherever they are written."""
    folded = fold(text).lower()
    if len(folded) != len(text):
        return text
    for p in wanted:
        for m in re.finditer(rf"(?<!\w){re.escape(p)}(?!\w)", folded):
            text = text[: m.start()] + " " * (m.end() - m.start()) + text[m.end() :]
    return text


def _content(text: str, folded: bool) -> set[str]:
    """What a text names, in the question's word forms: content words, without years, plan/actual/total words
    and the generic words of headers."""
    text = _YEAR.sub(" ", _without(text, (*PLAN, *ACTUAL, *TOTAL)))
    return {w for w in phrases.content_words(text, folded) if fold(w) not in GENERIC}


def _named(header: str, folded: bool) -> set[str]:
    """What a row label or column header names, without its unit in parentheses."""
    return _content(_UNIT.sub(" ", header), folded)


def _one_edit(a: str, b: str) -> bool:
    """Whether two words differ by at most one letter added, dropped or changed."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def overlap(words: set[str], asked: set[str], ocr: bool) -> int:
    """How many of a header's words the question holds.  For a table OCR read, a word also counts when it is one
    letter or its diacritics away from a question word ("Pắe" read for "Pắc")."""
    if not ocr:
        return len(words & asked)
    folded = {fold(a) for a in asked}
    return sum(w in asked or any(len(w) >= 3 and _one_edit(fold(w), f) for f in folded) for w in words)


def _years(text: str) -> set[int]:
    return {int(y) for y in _YEAR.findall(text)}


def _stage(text: str) -> str | None:
    if _has(text, PLAN):
        return Stage.PLAN
    if _has(text, ACTUAL):
        return Stage.ACTUAL
    return None


def _asked(q: AnalyzedQuestion, province_words: frozenset[str]) -> list[list[set[str]]]:
    """What the question asks about, as groups of alternatives (each a set of words): one group a content word of
    a Vietnamese question; for an English one, each term's Vietnamese renderings ("computer": "máy tính" or
    "máy vi tính"), and the places it names."""
    if q.language is not Language.EN:
        return [[{w}] for w in sorted(_content(q.text, q.folded) - province_words)]
    groups = [[alt for t in term if (alt := _content(t, False) - province_words)] for term in q.english_terms]
    groups += [[{w}] for place in q.places for w in sorted(_content(place, False))]
    return [g for g in groups if g]


class TableCells:
    """Finds the one cell of the retrieved reports' tables that a question names, or the year it lacks."""

    def __init__(self, settings: TableCellSettings) -> None:
        self.settings = settings

    def find(
        self, q: AnalyzedQuestion, outcome: SearchOutcome, province_words: frozenset[str]
    ) -> Cell | YearNotCovered | None:
        groups = _asked(q, province_words)
        asked = set().union(*(w for group in groups for w in group)) if groups else set()
        if not asked:
            return None
        wants_total = _has(q.text, TOTAL)
        wants_stage = _stage(q.text)
        cells: list[Cell] = []
        refusal: YearNotCovered | None = None
        seen: set[tuple[str, int]] = set()
        for hit in outcome.hits[: self.settings.hits]:
            for table in hit.document.tables_between(hit.chunk.start, hit.chunk.end):
                if (hit.document.source, table.start) in seen:
                    continue
                seen.add((hit.document.source, table.start))
                found = self._in_table(q, groups, asked, wants_total, wants_stage, hit, table, outcome.hits[0])
                if isinstance(found, Cell):
                    cells.append(found)
                elif found is not None:
                    refusal = refusal or found
        if not cells:
            return refusal
        cells.sort(key=lambda c: -c.match)
        best = cells[0]
        if len(cells) > 1 and cells[1].match >= best.match - self.settings.margin and cells[1].value != best.value:
            return None  # two tables answer as well as each other with different figures: not a cell question
        return best

    def _in_table(
        self,
        q: AnalyzedQuestion,
        groups: list[list[set[str]]],
        asked: set[str],
        wants_total: bool,
        wants_stage: str | None,
        hit: Hit,
        table: Table,
        best_hit: Hit,
    ) -> Cell | YearNotCovered | None:
        folded = q.folded
        s = self.settings
        # The row: the one whose label's words the question holds (most of them), or the total row.
        scored: list[tuple[float, Row]] = []
        for row in table.rows:
            if row.total:
                continue
            words = _named(row.label, folded)
            if words:
                scored.append((overlap(words, asked, table.ocr) / len(words), row))
        scored.sort(key=lambda x: -x[0])
        if scored and scored[0][0] >= s.min_row_match and (len(scored) == 1 or scored[1][0] < scored[0][0]):
            row_match, row = scored[0]
        elif sum(r.total for r in table.rows) == 1 and (
            wants_total or (hit is best_hit and (not scored or scored[0][0] < s.min_row_match))
        ):
            # The total asked for; or no row named and the table is in the best passage: a question about the whole
            # (the province) is the total row's.
            row_match, row = 1.0, next(r for r in table.rows if r.total)
        else:
            return None
        # The columns with a value in that row, narrowed by the header's words, then the year, then plan/actual.
        columns = [i for i, v in enumerate(row.cells) if v]
        named = {i: _named(table.column_name(i), folded) for i in columns}
        column_match = 1.0
        if any(named.values()):
            fits = {i: overlap(w, asked, table.ocr) / len(w) for i, w in named.items() if w}
            top = max(fits.values())
            if top < s.min_column_match:
                return None
            columns = [i for i in columns if fits.get(i, 0.0) == top]
            column_match = top
        years = {i: _years(table.column_name(i)) for i in columns}
        row_words = frozenset(set() if row.total else _named(row.label, folded)).union(*(named[i] for i in columns))
        if q.years and any(years.values()):
            columns = [i for i in columns if years[i] & set(q.years)]
            if not columns:
                held = tuple(sorted(set().union(*years.values())))
                return YearNotCovered(q.years, held, table, hit.document, row_words, folded)
        elif q.years:
            context = _years(f"{table.caption} {hit.document.title}")
            if context and not context & set(q.years):
                return YearNotCovered(q.years, tuple(sorted(context)), table, hit.document, row_words, folded)
        stages = {i: _stage(table.column_name(i)) for i in columns}
        if any(stages.values()):
            wanted = wants_stage or Stage.ACTUAL  # without a word for it, what was done, not what was planned
            columns = [i for i in columns if stages[i] == wanted] or ([] if wants_stage else columns)
        if len(columns) > 1 and all(years.get(i) for i in columns):
            columns = [max(columns, key=lambda i: max(years[i]))]  # no year asked: the latest
        if not columns or (len(columns) > 1 and column_match < 1.0):
            return None  # no column, or several named as loosely as each other
        # Everything the question asks about must be in the table, its report or the chosen cell's headers.
        named_here = [row.label, *map(table.column_name, columns), table.caption, table.label_header]
        context_words = _content(" ".join([*named_here, hit.document.title]), folded)
        if table.ocr:  # a question word one letter away from a word OCR read counts as said
            context_words |= {w for w in asked if overlap({w}, context_words, ocr=True)}
        covered = sum(any(alt <= context_words for alt in group) for group in groups) / len(groups)
        if covered < s.min_question_coverage:
            return None
        return Cell(hit.document, hit, table, row, tuple(columns), (row_match + column_match + covered) / 3)
