"""`hoidap keys`: named keys in a real SQLite database (the digest only), list and revoke, the shared key of
HOIDAP_API_KEYS as before, clear errors; and when keys are required."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from indexer.pipeline import Indexer
from service.api.access import key_digest
from service.api.app import create_app
from service.cli import app
from service.keys import LAST_USED_EVERY_SECONDS, KeyStore
from tests.conftest import CORPUS
from tests.fakes import HashEmbedder

runner = CliRunner()


def keys(database: Path, *args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, ["keys", *args, "--database", str(database)], env=env)


def test_a_named_key_is_printed_once_and_only_its_digest_stored(tmp_path: Path) -> None:
    database = tmp_path / "service.sqlite3"
    made = keys(database, "new", "--name", "Sở Tài chính", "--collections", "so-tai-chinh", "--role", "reader")
    assert made.exit_code == 0, made.output
    key = made.output.split("not stored): ")[1].split()[0]
    assert key.startswith("hd_") and "reader of so-tai-chinh" in made.output
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT name, role, collections, digest FROM api_keys").fetchall()
    assert rows == [("Sở Tài chính", "reader", '["so-tai-chinh"]', key_digest(key))]
    assert key.encode() not in b"".join(p.read_bytes() for p in tmp_path.iterdir())

    several = keys(database, "new", "--name", "Ban", "--collections", "so-a,so-b", "--collections", "so-c", "--json")
    assert json.loads(several.output)["collections"] == ["so-a", "so-b", "so-c"]
    admin = json.loads(keys(database, "new", "--name", "Quản trị", "--role", "admin", "--json").output)
    assert admin["collections"] == "*" and admin["role"] == "admin" and admin["key"].startswith("hd_")
    everything = json.loads(keys(database, "new", "--name", "Lãnh đạo", "--collections", "*", "--json").output)
    assert everything["collections"] == "*" and everything["role"] == "reader"

    table = keys(database, "list")
    assert table.exit_code == 0 and table.output.splitlines()[0].split() == [
        "id", "name", "role", "collections", "created", "last", "used", "status"
    ]  # fmt: skip
    assert "Sở Tài chính  reader  so-tai-chinh" in table.output and key not in table.output
    listed = json.loads(keys(database, "list", "--json").output)
    assert [k["name"] for k in listed] == ["Sở Tài chính", "Ban", "Quản trị", "Lãnh đạo"]
    fields = {"id", "name", "role", "collections", "created_at", "last_used_at", "revoked_at"}
    assert all(set(k) == fields for k in listed)

    by_name = keys(database, "revoke", "Sở Tài chính")
    assert by_name.exit_code == 0 and "revoked key 1" in by_name.output
    again = keys(database, "revoke", "1")
    assert again.exit_code == 1 and "already revoked" in again.output
    assert keys(database, "revoke", "2").exit_code == 0
    unknown = keys(database, "revoke", "Sở Y tế")
    assert unknown.exit_code == 1 and "no key 'Sở Y tế': `hoidap keys list`" in unknown.output
    assert "revoked 20" in keys(database, "list").output
    # A revoked key's name can be given to a new key.
    assert keys(database, "new", "--name", "Sở Tài chính", "--collections", "so-tai-chinh").exit_code == 0


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--name", "x", "--role", "admin", "--collections", "so-a"], "an admin key sees every collection"),
        (["--name", "x"], "a reader key needs --collections"),
        (["--name", "x", "--role", "editor"], "an editor key needs --collections"),
        (["--name", "x", "--collections", "Sở A"], "is not a collection name"),
        (["--name", "x", "--collections", "*,so-a"], "'*' already means every collection"),
        (["--name", "  ", "--collections", "so-a"], "a key needs a name"),
        (["--name", "42", "--collections", "so-a"], "cannot be only digits"),
        (["--name", "x", "--role", "owner"], "'owner' is not one of"),
        (["--role", "reader"], "belong to a named key"),
    ],
)
def test_bad_keys_are_refused_with_what_to_do(tmp_path: Path, options: list[str], message: str) -> None:
    result = keys(tmp_path / "service.sqlite3", "new", *options)
    assert result.exit_code == 2 and message in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback


def test_a_taken_name_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "service.sqlite3"
    assert keys(database, "new", "--name", "Sở A", "--collections", "so-a").exit_code == 0
    taken = keys(database, "new", "--name", "Sở  A", "--collections", "so-b")  # spaces are tidied first
    assert taken.exit_code == 2 and "a key named 'Sở A' is in use: revoke it first" in taken.output


def test_without_a_name_the_shared_key_for_hoidap_api_keys_as_before(tmp_path: Path) -> None:
    database = tmp_path / "service.sqlite3"
    result = keys(database, "new")
    assert result.exit_code == 0
    key = result.output.split("it is not stored): ")[1].split()[0]
    digest = result.output.split("comma-separated): ")[1].split()[0]
    assert digest == key_digest(key) and not database.exists()
    assert "hoidap keys new --name" in result.output  # the hint toward named keys
    listed = keys(database, "list")
    assert listed.exit_code == 0 and "No named keys" in listed.output and not database.exists()


def test_a_note_when_the_index_has_no_such_collection(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    Indexer(HashEmbedder(), progress=False).run(CORPUS, index_dir)
    env = {"HOIDAP_INDEX_DIR": str(index_dir)}
    made = keys(tmp_path / "db.sqlite3", "new", "--name", "Sở B", "--collections", "default,so-b", env=env)
    assert made.exit_code == 0
    assert "note: the index has no collection 'so-b' yet (hoidap index DIR --collection so-b)" in made.output
    assert "'default'" not in made.output


def test_keys_are_required_once_the_database_holds_one(seed_holder, tmp_path: Path) -> None:
    database = tmp_path / "service.sqlite3"
    settings = seed_holder.settings.model_copy(update={"database": database})
    body = {"question": "Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?"}
    with TestClient(create_app(settings, holder=seed_holder)) as client:
        assert client.post("/v1/ask", json=body).status_code == 200  # no keys anywhere: open, as before
        # no key was made by reading (the database itself exists: the job store keeps its jobs there)
        assert sqlite3.connect(database).execute("SELECT COUNT(*) FROM api_keys").fetchone() == (0,)
        made = keys(database, "new", "--name", "Sở A", "--collections", "default", "--json")
        key = json.loads(made.output)["key"]
        missing = client.post("/v1/ask", json=body)
        assert missing.status_code == 401 and "Authorization: Bearer" in missing.json()["error"]["message"]
        assert missing.headers["WWW-Authenticate"].startswith("Bearer")
        assert client.post("/v1/ask", json=body, headers={"Authorization": f"Bearer {key}"}).status_code == 200
        wrong = client.post("/v1/ask", json=body, headers={"Authorization": "Bearer hd_nope"})
        assert wrong.status_code == 401 and wrong.json()["error"]["message"] == "the API key is not valid"
        keys(database, "revoke", "Sở A")
        # Every key revoked: keys are still required (revoking the last one does not open the service).
        assert client.post("/v1/ask", json=body).status_code == 401
        assert client.post("/v1/ask", json=body, headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_last_used_is_written_at_most_once_a_minute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import service.keys

    store = KeyStore(tmp_path / "service.sqlite3")
    record, key = store.create("Sở A", service.keys.Role.READER, frozenset({"so-a"}))
    clock = [1_000_000.0]
    monkeypatch.setattr(service.keys.time, "time", lambda: clock[0])
    assert store.find(key_digest(key)).principal.name == "Sở A"
    clock[0] += LAST_USED_EVERY_SECONDS / 2
    store.find(key_digest(key))
    assert store.list()[0].last_used_at == 1_000_000.0  # not written again within the minute
    clock[0] += LAST_USED_EVERY_SECONDS
    store.find(key_digest(key))
    assert store.list()[0].last_used_at == clock[0]
    assert store.find(key_digest("hd_other")) is None
    store.close()
