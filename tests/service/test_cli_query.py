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
        + "\n\n"
        + json.dumps({"question": "Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?"}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["ask", "--questions", str(questions), "--json", "--index-dir", str(seed_index)])
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert result.exit_code == 0 and [r["id"] for r in rows] == ["a", 3]  # no id: the line number
    assert "97%" in rows[0]["answer"] and "67" in rows[1]["answer"]
    result = runner.invoke(
        app, ["search", "--questions", str(questions), "--top-k", "3", "--index-dir", str(seed_index)]
    )
    first = json.loads(result.output.splitlines()[0])
    assert first["id"] == "a" and len(first["results"]) == 3
    assert set(first["results"][0]) >= {"source", "chunk_id", "score", "text"}


def test_batch_input_errors_name_the_line_and_exit_non_zero(seed_index: Path, tmp_path: Path) -> None:
    questions = tmp_path / "q.jsonl"
    lines = [
        json.dumps({"id": "ok", "question": "Kon Tum có bao nhiêu máy chủ?"}, ensure_ascii=False),
        json.dumps({"id": "b"}),
        "not json",
        json.dumps({"id": "d", "question": ""}),
        json.dumps({"id": "e", "question": "x" * 5000}),
        json.dumps(["question"]),
    ]
    questions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["ask", "--questions", str(questions), "--json", "--index-dir", str(seed_index)])
    assert result.exit_code == 2 and '"answer"' not in result.output  # nothing answered
    for number, fragment in [
        (2, 'no "question"'),
        (3, "not JSON"),
        (4, "question must not be empty"),
        (5, "question is 5,000 characters"),
    ]:
        assert f"q.jsonl line {number}: {fragment}" in result.output
    assert "q.jsonl line 6:" in result.output and "line 1:" not in result.output


def test_the_same_limits_as_the_api(seed_index: Path) -> None:
    long = runner.invoke(app, ["ask", "x" * 5000, "--index-dir", str(seed_index)])
    assert long.exit_code == 2 and "5,000 characters; at most 2,000" in long.output
    for top_k, code in (("0", 2), ("101", 2), ("100", 0)):
        result = runner.invoke(app, ["search", "máy chủ", "-k", top_k, "--index-dir", str(seed_index)])
        assert result.exit_code == code, result.output


def test_search_text_and_errors(seed_index: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["search", "tường lửa", "-k", "2", "--index-dir", str(seed_index)])
    assert result.exit_code == 0 and "[2] " in result.output and "[3] " not in result.output
    empty = runner.invoke(app, ["ask", "", "--index-dir", str(seed_index)])
    assert empty.exit_code == 2 and "give a question" in empty.output
    missing = runner.invoke(app, ["ask", "x", "--index-dir", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "hoidap index" in missing.output
    no_file = runner.invoke(app, ["ask", "--questions", str(tmp_path / "nope.jsonl"), "--index-dir", str(seed_index)])
    assert no_file.exit_code == 2


def test_url_with_an_api_key_and_urls_that_are_not_hoidap(seed_holder) -> None:
    from fastapi import FastAPI
    from fastapi.responses import HTMLResponse

    from service.api.access import key_digest
    from service.api.app import create_app
    from tests.servers import ThreadedServer

    settings = seed_holder.settings.model_copy(update={"api_keys": [key_digest("hd_cli-key")]})
    other = FastAPI()
    other.post("/v1/ask")(lambda: HTMLResponse("<html>a router's login page</html>"))
    question = ["ask", "Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?", "--url"]
    with ThreadedServer(create_app(settings, holder=seed_holder)) as hoidap, ThreadedServer(other) as router:
        no_key = runner.invoke(app, [*question, hoidap.url])
        assert no_key.exit_code == 1 and "needs an API key: pass --api-key or set HOIDAP_API_KEY" in no_key.output
        by_option = runner.invoke(app, [*question, hoidap.url, "--api-key", "hd_cli-key"])
        assert by_option.exit_code == 0 and "67" in by_option.output.splitlines()[0]
        by_env = runner.invoke(app, [*question, hoidap.url, "--json"], env={"HOIDAP_API_KEY": "hd_cli-key"})
        assert by_env.exit_code == 0 and "67" in json.loads(by_env.output)["answer"]
        html = runner.invoke(app, [*question, router.url])
        assert html.exit_code == 1 and "does not look like a hoidap service (/v1/ask answered 200, text/html)" in (
            html.output
        )
        missing = runner.invoke(app, [*question, f"{router.url}/elsewhere"])
        assert missing.exit_code == 1 and "does not look like a hoidap service" in missing.output
    for result in (no_key, html, missing):
        assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
