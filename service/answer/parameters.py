"""Every weight and threshold of the answerer, in one typed place.

The defaults below are the hand-set starting point; the values in use are read from
service/data/answer_parameters.json, which `benchmarks/fit_answerer.py` writes from a stated training split
(never the questions reported in the README) and stamps with where they came from.  A learned scorer or
calibrator plugs in by replacing the corresponding part, not by editing the answerer."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any

from service.phrases import Proximity

PARAMETERS_FILE = Path(__file__).resolve().parent.parent / "data" / "answer_parameters.json"


@dataclass(frozen=True)
class NumberWeights:
    """Choosing the number of a sentence that answers a count or percent question (added to its
    neighbourhood score, phrases.proximity_overlap)."""

    percent_wanted: float = 1.5  # a percentage when the question asks for one
    percent_unwanted: float = -3.0  # a percentage when it does not
    unit_agrees: float = 1.5  # its unit is the kind the question asks for ("bao lâu" and "năm")
    unit_disagrees: float = -4.0  # its unit is another kind ("bao lâu" and "đồng")
    counted_word: float = 2.0  # the word after it is the one the question counts ("bao nhiêu ngày" and "16 ngày")
    year: float = -3.0  # a year ("2012") is rarely the count asked for
    asked: float = -2.0  # a number the question itself states
    date_part: float = -1.0  # "ngày 26/10", "tháng 9"
    parenthesised: float = -0.5
    reference: float = -3.0  # "Điều 110", "khoản 2", "Quyết định số 123": a reference, not a figure
    order: float = -0.01  # per number before it: earlier first, all else equal
    proximity: Proximity = field(default_factory=Proximity)


# The hand-set scorer: the formula of the first answerer, as weights of service/answer/features.py's FEATURES.
_HAND_SCORER = {
    "similarity_gap": 6.0,
    "terms": 3.0,
    "kind_fit": 0.6,
    "number": 0.3,
    "year_match": 1.0,
    "year_mismatch": -3.0,
    "doc_year": 0.3,
    "title": -0.5,
    "rank": -0.08,
    "english": 1.5,
    "english_similarity_gap": 6.0,
}


@dataclass(frozen=True)
class ScorerWeights:
    """A linear score over the candidate features; the softmax of it over a question's candidates is the
    scorer's probability that a unit holds the answer."""

    weights: dict[str, float] = field(default_factory=lambda: dict(_HAND_SCORER))


@dataclass(frozen=True)
class SpanSettings:
    """Cutting the answer phrase out of a sentence (service/answer/spans.py)."""

    unmatched_cost: float = 1.0  # cost of leaving out a content word that is not in the question
    function_cost: float = 0.2  # the same for a function word
    max_phrase: int = 300  # an answer longer than this is cut at a word boundary
    front: float = 0.25  # a question word this near the start (0..1) puts the answer before the question's words
    back: float = 0.75  # … this near the end puts it after them; between, the answer is cut on both sides
    # How a free-text answer is cut, by question word (terms.WhKind values): "clause" (the sentence from its
    # first new word), "phrase" (the words in the question word's place), or — absent — the whole sentence.
    side_share: float = 0.8  # the question's words (by rarity) one side of "thì"/"là" must hold for the other to answer
    side_cover: float = 0.4  # … and at least this share of all the question's words
    span_modes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfidenceWeights:
    """A logistic model over answer-level features (service/answer/confidence.py): its output is the
    probability that the answer is right, calibrated on questions with known answers and on the same
    questions asked with their gold report removed."""

    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 2.0  # hand-set start: every answer 0.88 until fitted


@dataclass(frozen=True)
class Thresholds:
    candidate_hits: int = 8  # retrieved passages whose units are candidates
    phrase_tries: int = 4  # best-scored candidates tried for a phrase before refusing
    min_coverage: float = 0.34  # share of the question's word pairs the answering report must hold, at least
    min_confidence: float = 0.0  # default of HOIDAP_MIN_CONFIDENCE: answers below it are refused
    over_time_similarity: float = 0.05  # another report's version of a figure: its unit this much less similar
    over_time_margin: float = 5.0  # … and its score this much lower (logit) than the chosen one's, at most


@dataclass(frozen=True)
class TableCellSettings:
    """Answering from a table cell (service/answer/table_cells.py); hand-set, not fitted."""

    hits: int = 8  # retrieved passages whose tables are read
    min_row_match: float = 0.6  # share of a row label's words the question must hold
    min_column_match: float = 0.6  # … of a column header's words
    min_question_coverage: float = 0.8  # share of the question's words the table, its report and the cell name
    margin: float = 0.05  # a second table's cell this close in match, with another figure: no cell answer
    confidence: float = 0.9  # of an answer read from the one cell a row and a column name


@dataclass(frozen=True)
class AnswerParameters:
    numbers: NumberWeights = field(default_factory=NumberWeights)
    scorer: ScorerWeights = field(default_factory=ScorerWeights)
    spans: SpanSettings = field(default_factory=SpanSettings)
    confidence: ConfidenceWeights = field(default_factory=ConfidenceWeights)
    thresholds: Thresholds = field(default_factory=Thresholds)
    table_cells: TableCellSettings = field(default_factory=TableCellSettings)
    provenance: dict[str, Any] = field(default_factory=lambda: {"fitted": False})

    @classmethod
    def load(cls, path: Path = PARAMETERS_FILE) -> AnswerParameters:
        """The fitted parameters (the defaults where the file is absent or leaves a value out)."""
        if not path.is_file():
            return cls()
        return _build(cls, json.loads(path.read_text(encoding="utf-8")))

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)


def _build(kind: Any, data: dict[str, Any]) -> Any:
    values = {}
    for f in fields(kind):
        if f.name not in data:
            continue
        default = kind.__dataclass_fields__[f.name].default_factory  # type: ignore[misc]
        sample = default() if callable(default) else None
        values[f.name] = _build(type(sample), data[f.name]) if is_dataclass(sample) else data[f.name]
    return kind(**values)
