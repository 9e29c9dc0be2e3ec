"""The evaluation sets of ../shared/eval, ready to answer in-process: materialised, indexed with the default
embedder, and split two ways that every answer benchmark and the fitting script share:

- questions: `train` when sha1(question id) is even, `test` otherwise (benchmarks/fit_answerer.py fits on
  train; the README reports test, and the whole set beside it);
- documents: half `a` when sha1(source) is even, `b` otherwise.  Asking the questions of one half against an
  index of the other half gives questions whose gold report is not in the index (they must be refused).

The seed questions are never trained on; their "gold report removed" runs index four of the five reports.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT.parent / "shared" / "eval"
SETS = {"alqac": "vire_alqac", "vinewsqa": "vinewsqa_dev", "vimedaqa": "vire_vimedaqa"}
WORK = Path("/tmp/hoidap-eval")


def scorer() -> Any:
    """../shared/eval/score.py, the yardstick (imported, never copied)."""
    sys.path.insert(0, str(EVAL))
    import score  # type: ignore[import-not-found]

    return score


def _even(key: str) -> bool:
    return int(hashlib.sha1(key.encode()).hexdigest(), 16) % 2 == 0


def question_split(question_id: str) -> str:
    return "train" if _even(question_id) else "test"


def document_half(source: str) -> str:
    return "a" if _even(source) else "b"


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@dataclass
class EvalSet:
    name: str
    directory: Path  # corpus/, questions.jsonl, qrels.jsonl, index/
    questions: list[dict[str, Any]]

    @property
    def corpus(self) -> Path:
        return self.directory / "corpus"

    @property
    def index(self) -> Path:
        return self.directory / "index"


def _index(embedder: Any, corpus: Path, index: Path, progress: bool) -> None:
    from indexer.pipeline import Indexer

    Indexer(embedder, progress=progress).run(corpus, index)


def prepare(name: str, embedder: Any, work: Path = WORK, progress: bool = True) -> EvalSet:
    """An external set materialised (../shared/eval/materialize.py) and indexed (incremental: reused)."""
    target = work / name
    if not (target / "questions.jsonl").exists():
        subprocess.run(
            [sys.executable, str(EVAL / "materialize.py"), str(EVAL / "external" / SETS[name]), str(target)], check=True
        )
    _index(embedder, target / "corpus", target / "index", progress)
    return EvalSet(name, target, load_jsonl(target / "questions.jsonl"))


def seed_set(embedder: Any, work: Path = WORK, progress: bool = True) -> EvalSet:
    target = work / "seed"
    corpus = target / "corpus"
    if not corpus.exists():
        shutil.copytree(ROOT / "corpus", corpus)
    _index(embedder, corpus, target / "index", progress)
    return EvalSet("seed", target, load_jsonl(EVAL / "seed_questions.jsonl"))


def without(evalset: EvalSet, keep: set[str], label: str, embedder: Any, progress: bool = True) -> Path:
    """An index of `evalset`'s documents in `keep` only (its vectors reused from the full index)."""
    base = evalset.directory / f"without-{label}"
    corpus = base / "corpus"
    if not corpus.exists():
        corpus.mkdir(parents=True)
        for path in sorted(evalset.corpus.rglob("*")):
            source = path.relative_to(evalset.corpus).as_posix()
            if path.is_file() and source in keep:
                (corpus / source).parent.mkdir(parents=True, exist_ok=True)
                (corpus / source).symlink_to(path)
    index = base / "index"
    if not index.exists():
        shutil.copytree(evalset.index, index, symlinks=True)  # incremental: removed documents drop out
    _index(embedder, corpus, index, progress)
    return index


def removal_runs(evalset: EvalSet, embedder: Any, progress: bool = True) -> list[tuple[Path, list[dict[str, Any]]]]:
    """(index, questions whose gold report is not in that index) pairs covering every answerable question."""
    sources = sorted(p.relative_to(evalset.corpus).as_posix() for p in evalset.corpus.rglob("*") if p.is_file())
    answerable = [q for q in evalset.questions if q.get("answerable", True) and q.get("source")]
    if evalset.name == "seed":
        runs = []
        for gold in sources:
            index = without(evalset, set(sources) - {gold}, gold.removesuffix(".txt"), embedder, progress)
            runs.append((index, [q for q in answerable if q["source"] == gold]))
        return runs
    halves = {h: {s for s in sources if document_half(s) == h} for h in ("a", "b")}
    runs = []
    for half, other in (("a", "b"), ("b", "a")):
        index = without(evalset, halves[half], f"half-{half}", embedder, progress)
        runs.append((index, [q for q in answerable if q["source"] in halves[other]]))
    return runs
