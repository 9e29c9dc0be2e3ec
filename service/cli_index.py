"""`hoidap index`: build or update the index from a folder, locally or on a Ray cluster (`--ray`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from indexer.errors import IndexerError
from indexer.types import DEFAULT_COLLECTION, IndexSummary
from service.cli_common import IndexDirOption, RayOption, check_ray_address, fail, settings_or_exit


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

    settings = settings_or_exit(corpus_dir=corpus_dir, index_dir=index_dir, embedder=embedder)
    check_ray_address(ray)
    try:
        summary = run_index(
            settings, rebuild, not quiet and not as_json, ray, collection=collection, allow_empty=allow_empty
        )
    except (IndexerError, ValueError) as exc:
        fail(str(exc))
    except KeyboardInterrupt:
        fail("interrupted; the previous index is still the live one", code=130)
    if as_json:
        typer.echo(json.dumps(asdict(summary) | {"documents": summary.documents}, ensure_ascii=False))
    else:
        print_summary(summary)


def print_summary(summary: IndexSummary) -> None:
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
