"""`hoidap ask` and `hoidap search` through the CLI runner on the real seed index."""

import json
from pathlib import Path

from typer.testing import CliRunner

from service.cli import app

runner = CliRunner()


def test_ask_prints_the_answer_and_numbered_sources(seed_index: Path) -> None:
    result = runner.invoke(app, ["ask", "Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?", "--index-dir", str(seed_index)])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert "67" in first
    assert "[1] " in result.output and "kon-tum-thieu-can-bo-chuyen-trach-cntt.txt" in result.output


def test_ask_json_is_the_contract(seed_index: Path) -> None:
    result = runner.invoke(app, ["ask", "Hà Nội có bao nhiêu điểm cầu?", "--json", "--index-dir", str(seed_index)])
    body = json.loads(result.output)
    assert result.exit_code == 0 and body["answer"] is None and body["message"]


def test_batch_ask_and_search(seed_index: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps(
            {"id": "a", "question": "Khánh Hòa: bao nhiêu phần trăm cơ quan chuyên môn có cán bộ phụ trách tin học?"},
            ensure_ascii=False,
        )
        + "\nnot json\n"
        + json.dumps({"id": "c", "question": ""})
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["ask", "--questions", str(questions), "--json", "--index-dir", str(seed_index)])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert result.exit_code == 0 and [r["id"] for r in rows] == ["a", 2, 3]
    assert "97%" in rows[0]["answer"] and "error" in rows[1] and "error" in rows[2]
    result = runner.invoke(
        app, ["search", "--questions", str(questions), "--top-k", "3", "--index-dir", str(seed_index)]
    )
    first = json.loads(result.output.splitlines()[0])
    assert first["id"] == "a" and len(first["results"]) == 3
    assert set(first["results"][0]) >= {"source", "chunk_id", "score", "text"}


def test_search_text_and_errors(seed_index: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["search", "tường lửa", "-k", "2", "--index-dir", str(seed_index)])
    assert result.exit_code == 0 and "[2] " in result.output and "[3] " not in result.output
    empty = runner.invoke(app, ["ask", "", "--index-dir", str(seed_index)])
    assert empty.exit_code == 2 and "give a question" in empty.output
    missing = runner.invoke(app, ["ask", "x", "--index-dir", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "hoidap index" in missing.output
    no_file = runner.invoke(app, ["ask", "--questions", str(tmp_path / "nope.jsonl"), "--index-dir", str(seed_index)])
    assert no_file.exit_code == 2
