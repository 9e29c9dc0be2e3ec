"""`hoidap feedback export`: 👍/👎 given through the API become a question set that ../shared/eval/score.py
reads and scores — run for real, on answers `hoidap ask --questions` gives for the exported file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from tests.conftest import ROOT, SHARED_EVAL

SCORE = SHARED_EVAL / "score.py"
FIRST, FOLLOW_UP, NOT_IN_REPORTS = (
    "Quảng Nam có bao nhiêu điểm cầu?",
    "Còn Kon Tum thì sao?",
    "Hà Nội có bao nhiêu điểm cầu hội nghị truyền hình?",
)


def hoidap(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOIDAP_")} | {"HOIDAP_DATABASE": str(database)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "service", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300
    )


def test_rated_answers_export_as_questions_that_score_py_scores(seed_holder, seed_index: Path, tmp_path: Path):
    if not SCORE.exists():
        pytest.skip("../shared/eval is not beside the checkout")
    database = tmp_path / "service.sqlite3"
    settings = seed_holder.settings.model_copy(update={"database": database})
    with TestClient(create_app(settings, holder=seed_holder)) as client:

        def ask(question: str, **extra: object) -> dict:
            return client.post("/v1/ask", json={"question": question, **extra}).json()

        def rate(reply: dict, rating: str, **extra: str) -> None:
            sent = client.post("/v1/feedback", json={"message_id": reply["message_id"], "rating": rating, **extra})
            assert sent.status_code == 200, sent.text

        right = ask(FIRST, store=True)
        assert right["answer"].startswith("19")
        rate(right, "up")
        refused = ask(NOT_IN_REPORTS, store=True)
        assert refused["answer"] is None
        rate(refused, "up", comment="Đúng, chưa có báo cáo của Hà Nội")
        wrong = ask(FOLLOW_UP, conversation_id=right["conversation_id"])  # a follow-up: exported standalone
        rate(wrong, "down", comment="Số liệu cũ", expected="99 điểm cầu")
        unexplained = ask("Quảng Nam có bao nhiêu máy chủ?", store=True)
        rate(unexplained, "down")

    questions = tmp_path / "regressions.jsonl"
    done = hoidap("feedback", "export", "--output", str(questions), "--only", "all", database=database)
    assert done.returncode == 0, done.stderr
    assert "4 question(s) written" in done.stderr and "1 without the right answer" in done.stderr
    rows = {row["feedback"]["message_id"]: row for row in map(json.loads, questions.read_text().splitlines())}
    assert set(rows) == {right["message_id"], refused["message_id"], wrong["message_id"], unexplained["message_id"]}
    kept = rows[right["message_id"]]
    assert (kept["question"], kept["answers"], kept["answerable"]) == (FIRST, [right["answer"]], True)
    assert kept["source"] == right["citations"][0]["source"] and kept["lang"] == "vi" and kept["review"] is None
    assert rows[refused["message_id"]]["answerable"] is False and rows[refused["message_id"]]["source"] is None
    regression = rows[wrong["message_id"]]
    assert regression["question"].startswith("Kon Tum") and regression["answers"] == ["99 điểm cầu"]
    assert regression["feedback"]["asked"] == FOLLOW_UP and regression["feedback"]["comment"] == "Số liệu cũ"
    assert (
        rows[unexplained["message_id"]]["answers"] == [] and "right answer" in rows[unexplained["message_id"]]["review"]
    )

    only_down = hoidap("feedback", "export", "--only", "down", database=database)
    assert only_down.returncode == 0 and len(only_down.stdout.splitlines()) == 2

    # score.py, for real: the exported questions asked again, then scored
    answers = tmp_path / "answers.jsonl"
    asked = hoidap("ask", "--questions", str(questions), "--json", "--index-dir", str(seed_index), database=database)
    assert asked.returncode == 0, asked.stderr
    answers.write_text(asked.stdout, encoding="utf-8")
    scored = subprocess.run(
        [sys.executable, str(SCORE), str(questions), str(answers), "--json"], capture_output=True, text=True
    )
    assert scored.returncode == 0, scored.stderr
    report = json.loads(scored.stdout)
    # the 👍 stay right (the answer, the refusal); the 👎 are misses until the service gives the right answer
    assert report["metrics"]["questions"] == 4 and report["metrics"]["all"] == 0.5
    assert report["metrics"]["unanswerable"] == 1.0
    missed = {f["id"] for f in report["failures"]}
    assert missed == {rows[wrong["message_id"]]["id"], rows[unexplained["message_id"]]["id"]}


def test_export_says_what_is_wrong(tmp_path: Path) -> None:
    missing = hoidap("feedback", "export", database=tmp_path / "none.sqlite3")
    assert missing.returncode == 1 and "no service database" in missing.stderr and "Traceback" not in missing.stderr
    bad = hoidap("feedback", "export", "--only", "sideways", database=tmp_path / "none.sqlite3")
    assert bad.returncode == 2 and "sideways" in bad.stderr
