"""`hoidap keys`: named API keys in the service's database (new, list, revoke), and, for HOIDAP_API_KEYS, the
shared key of old (`hoidap keys new` without --name).  Changes count at once in a running service."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from service.api.principal import Role

app = typer.Typer(
    no_args_is_help=True,
    help="API keys: named keys with a role and collections, kept in the service's database (HOIDAP_DATABASE).",
)

DatabaseOption = Annotated[
    Path | None,
    typer.Option("--database", envvar="HOIDAP_DATABASE", help="The service's database (default data/service.sqlite3)"),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(code)


def _store(database: Path | None):  # -> KeyStore; imported here so that `hoidap --help` stays quick
    from service.cli_common import settings_or_exit
    from service.keys import KeyStore

    return KeyStore(settings_or_exit(database=database).database)


def _shared_key() -> None:
    """Today's `hoidap keys new`: a key and its digest for HOIDAP_API_KEYS (one shared key, admin of all)."""
    import secrets

    from service.keys import KEY_BYTES, KEY_PREFIX, key_digest

    key = KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
    typer.echo(f"key (give it to the client, it is not stored): {key}")
    typer.echo(f"digest (add to HOIDAP_API_KEYS, comma-separated): {key_digest(key)}")
    typer.echo('(a named key with a role and collections, kept in the database: hoidap keys new --name "…")', err=True)


def _unknown_collections(names: frozenset[str] | None) -> list[str]:
    """Collections the key names that the live index does not hold (yet): worth a note, not an error, since
    a key may be made before its department's reports are indexed."""
    from indexer.errors import IndexLoadError
    from indexer.layout import IndexLayout
    from indexer.manifest import Manifest
    from indexer.types import DEFAULT_COLLECTION
    from service.cli_common import settings_or_exit

    current = IndexLayout(settings_or_exit().index_dir).current_dir()
    if names is None or current is None:
        return []
    try:
        known = set(Manifest.read(current).collections) or {DEFAULT_COLLECTION}
    except IndexLoadError:
        return []
    return sorted(names - known)


def _collections_text(collections: frozenset[str] | None) -> str:
    return "every collection" if collections is None else ", ".join(sorted(collections))


@app.command("new")
def new(
    name: Annotated[str | None, typer.Option("--name", help='Who holds the key, e.g. "Sở Tài chính"')] = None,
    role: Annotated[
        Role | None, typer.Option("--role", help="reader: asks and reads; editor: and uploads; admin: everything")
    ] = None,
    collections: Annotated[
        list[str] | None,
        typer.Option("--collections", help="The collections it sees (comma-separated or repeated); '*' = all"),
    ] = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a named key: printed once, only its sha256 digest is stored.

    Without --name: a shared key and its digest for HOIDAP_API_KEYS, stored nowhere, as before keys had names.
    """
    from service.keys import KeyProblem, parse_collections

    if name is None:
        if role is not None or collections:
            _fail('--role and --collections belong to a named key: add --name "…"', code=2)
        _shared_key()
        return
    role = role or Role.READER
    store = _store(database)
    try:
        scope = parse_collections(collections or [], role)
        record, key = store.create(name, role, scope)
    except (KeyProblem, ValueError) as exc:
        _fail(str(exc), code=2)
        return
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(record.public() | {"key": key}, ensure_ascii=False))
        return
    typer.echo(f"key {record.id} {record.name!r}: {record.role.value} of {_collections_text(record.collections)}")
    typer.echo(f"key (give it to its holder now: it is shown only this once and not stored): {key}")
    for missing in _unknown_collections(record.collections):
        typer.echo(f"note: the index has no collection {missing!r} yet (hoidap index DIR --collection {missing})")


@app.command("list")
def list_keys(database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The keys: id, name, role, collections, when made, last used and revoked (never a key or its digest)."""
    store = _store(database)
    keys = store.list()
    store.close()
    if as_json:
        typer.echo(json.dumps([k.public() for k in keys], ensure_ascii=False, indent=1))
        return
    if not keys:
        typer.echo('No named keys (hoidap keys new --name "…" --role reader --collections …).')
        return
    rows = [
        [str(k["id"]), str(k["name"]), str(k["role"]), ",".join(k["collections"]) if isinstance(k["collections"], list)
         else str(k["collections"]), str(k["created_at"]), str(k["last_used_at"] or "-"),
         f"revoked {k['revoked_at']}" if k["revoked_at"] else "active"]
        for k in (key.public() for key in keys)
    ]  # fmt: skip
    header = ["id", "name", "role", "collections", "created", "last used", "status"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        typer.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@app.command("revoke")
def revoke(
    which: Annotated[str, typer.Argument(help="The key's id or name (as `hoidap keys list` shows them)")],
    database: DatabaseOption = None,
) -> None:
    """Revoke a named key: requests with it get 401 from the next one on, without a restart."""
    from service.keys import KeyProblem

    store = _store(database)
    try:
        record = store.revoke(which)
    except KeyProblem as exc:
        _fail(str(exc))
        return
    finally:
        store.close()
    typer.echo(f"revoked key {record.id} {record.name!r}: requests with it are refused from now on")
