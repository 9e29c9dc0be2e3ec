"""`hoidap feedback export`: the 👍/👎 given on answers as a question set for ../shared/eval/score.py."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

feedback_app = typer.Typer(no_args_is_help=True, help="Feedback given on answers (👍/👎 on the page, API, Slack).")


class Only(StrEnum):
    DOWN = "down"
    UP = "up"
    ALL = "all"


@feedback_app.command("export")
def export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="JSONL file to write (default: stdout)")] = None,
    only: Annotated[Only, typer.Option("--only", help="Which ratings: down (👎), up (👍) or all")] = Only.DOWN,
    database: Annotated[
        Path | None, typer.Option("--database", envvar="HOIDAP_DATABASE", help="The service's database")
    ] = None,
) -> None:
    """Write rated answers as JSONL in the question-set format of score.py: a department's 👎 become
    regression questions (see service/history/export.py for how each rating is written)."""
    from service.cli_common import fail, settings_or_exit
    from service.history.export import exported
    from service.history.store import HistoryStore, Rating

    settings = settings_or_exit(database=database)
    if not settings.database.is_file():
        fail(f"no service database at {settings.database}: nothing has been rated yet (or set HOIDAP_DATABASE)")
    store = HistoryStore(settings.database)
    rows = list(exported(store, None if only is Only.ALL else Rating(only.value)))
    store.close()
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if output is None:
        sys.stdout.write(lines)
    else:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(lines, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
    incomplete = sum(1 for row in rows if not row["answers"] and row["answerable"])
    where = "stdout" if output is None else str(output)
    note = f" ({incomplete} without the right answer: fill in their `answers`)" if incomplete else ""
    typer.echo(f"{len(rows)} question(s) written to {where}{note}", err=True)
