"""The `hoidap` command line: index, search, ask, serve."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from indexer.errors import IndexerError
from indexer.types import IndexSummary
from service.settings import Settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="hoidap (hỏi đáp): questions answered from Vietnamese reports, with citations.",
)

IndexDirOption = Annotated[
    Path | None, typer.Option("--index-dir", envvar="HOIDAP_INDEX_DIR", help="Index directory (default data/index)")
]


@app.callback()
def _root() -> None:
    """hoidap (hỏi đáp): questions answered from Vietnamese reports, with citations."""


def _settings(**overrides: Any) -> Settings:
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        _fail(f"invalid settings: {problems}", code=2)
        raise  # unreachable


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
    typer.echo(f"  {summary.documents} documents, {summary.chunks} chunks ({summary.embedded_chunks} embedded now)")


@app.command()
def index(
    corpus_dir: Annotated[Path | None, typer.Argument(help="Folder of reports (default corpus/)")] = None,
    index_dir: IndexDirOption = None,
    embedder: Annotated[str | None, typer.Option(envvar="HOIDAP_EMBEDDER", help="Embedder spec")] = None,
    rebuild: Annotated[bool, typer.Option(help="Re-read and re-embed everything")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
) -> None:
    """Build or update the index from a folder of .txt .md .html .pdf .docx files."""
    from dataclasses import asdict

    from indexer.embedders import make_embedder
    from indexer.pipeline import Indexer

    settings = _settings(corpus_dir=corpus_dir, index_dir=index_dir, embedder=embedder)
    try:
        indexer = Indexer(
            make_embedder(settings.embedder, settings.embed_threads),
            max_file_bytes=settings.max_file_mb * 1024 * 1024,
            progress=not quiet and not as_json,
        )
        summary = indexer.run(settings.corpus_dir, settings.index_dir, rebuild=rebuild)
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
