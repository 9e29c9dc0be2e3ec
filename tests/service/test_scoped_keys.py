"""Two departments' reports in two collections of one index, served by the real app over a real uvicorn with
the real model: a department's key sees its own reports only, on every surface (ask, search, chat,
documents, the bots), refused exactly as if the other's report were not in the index; keys made and revoked
with `hoidap keys` count at once; the request log names the key and the collections searched."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from service.api.access import key_digest
from service.api.app import create_app
from service.cli import app as cli
from service.engine import EngineHolder
from service.settings import Settings
from tests.conftest import CORPUS, ROOT
from tests.servers import ThreadedServer

A, B = "so-tt-tt", "so-tai-chinh"  # the departments' collections
QN = "quang-nam-2012-may-vi-tinh-co-quan-nha-nuoc.txt"  # department A's report
QN_SOURCE = f"{A}/{QN}"
ABOUT_A = "Quảng Nam có bao nhiêu điểm cầu hội nghị truyền hình?"  # answered from A's report only: 19
ABOUT_B = "Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?"  # answered from B's reports only: 67
SHARED_KEY = "hd_shared-key-of-HOIDAP_API_KEYS"
runner = CliRunner()


def make_key(database: Path, name: str, *options: str) -> str:
    result = runner.invoke(cli, ["keys", "new", "--name", name, *options, "--database", str(database), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["key"]


def keys_command(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`hoidap keys …` as another process would run it, beside the running server."""
    env = {"PYTHONPATH": str(ROOT), "HOIDAP_DATABASE": str(database), "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "service", "keys", *args], capture_output=True, text=True, cwd=ROOT, env=env
    )


@dataclass
class Servers:
    both: str  # both departments' collections; named keys in its database, and the shared key
    absent: str  # the same index without department A's report; no keys (open)
    database: Path
    key_a: str
    key_b: str
    admin: str


@pytest.fixture(scope="module")
def department_indexes(tmp_path_factory: pytest.TempPathFactory, embedder) -> tuple[Path, Path]:
    from indexer.pipeline import Indexer

    root = tmp_path_factory.mktemp("departments")
    folder_a, folder_b = root / A, root / B
    folder_a.mkdir()
    shutil.copytree(CORPUS, folder_b)
    shutil.move(folder_b / QN, folder_a / QN)
    indexer = Indexer(embedder, progress=False)
    indexer.run(folder_b, root / "both", collection=B)
    indexer.run(folder_a, root / "both", collection=A)
    indexer.run(folder_b, root / "absent", collection=B)
    return root / "both", root / "absent"


def serve(index_dir: Path, database: Path, embedder, **settings: object) -> ThreadedServer:
    config = Settings(index_dir=index_dir, database=database, rate_limit_per_minute=0, **settings)
    return ThreadedServer(create_app(config, holder=EngineHolder(config, embedder=embedder)))


@pytest.fixture(scope="module")
def servers(department_indexes, embedder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    both, absent = department_indexes
    databases = tmp_path_factory.mktemp("databases")
    database = databases / "service.sqlite3"
    key_a = make_key(database, "Sở Thông tin và Truyền thông", "--collections", A)
    key_b = make_key(database, "Sở Tài chính", "--collections", B, "--role", "reader")
    admin = make_key(database, "Quản trị", "--role", "admin")
    with (
        serve(both, database, embedder, api_keys=[key_digest(SHARED_KEY)]) as full,
        serve(absent, databases / "open.sqlite3", embedder) as without,
    ):
        yield Servers(full.url, without.url, database, key_a, key_b, admin)


def call(base: str, key: str | None, method: str, path: str, body: dict | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.request(method, base + path, json=body, headers=headers, timeout=60)


def ask(base: str, key: str | None, question: str, **extra: object) -> dict:
    response = call(base, key, "POST", "/v1/ask", {"question": question, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def refusal(body: dict) -> dict:
    """What a refusal says, without the timing, the index generation and the collections searched."""
    query = body["query"] | {"index_generation": None, "filters": body["query"]["filters"] | {"collections": None}}
    return {k: v for k, v in body.items() if k != "took_ms"} | {"query": query}


def test_ask_another_departments_report_is_refused_as_if_it_did_not_exist(servers: Servers) -> None:
    own = ask(servers.both, servers.key_a, ABOUT_A)
    assert "19" in own["answer"] and {c["source"] for c in own["citations"]} == {QN_SOURCE}

    other = ask(servers.both, servers.key_b, ABOUT_A)
    absent = ask(servers.absent, None, ABOUT_A)
    assert other["answer"] is None and absent["answer"] is None
    assert refusal(other) == refusal(absent)  # the same refusal, word for word, passages and all
    assert other["query"]["filters"]["collections"] == [B]
    assert all(not c["source"].startswith(f"{A}/") for c in other["citations"])

    assert "67" in ask(servers.both, servers.key_b, ABOUT_B)["answer"]
    assert ask(servers.both, servers.key_a, ABOUT_B)["answer"] is None
    for everything in (servers.admin, SHARED_KEY):  # an admin key and HOIDAP_API_KEYS's shared key see both
        assert "19" in ask(servers.both, everything, ABOUT_A)["answer"]
        assert "67" in ask(servers.both, everything, ABOUT_B)["answer"]


def test_search_and_chat_see_the_keys_collections_only(servers: Servers) -> None:
    def sources(base: str, key: str | None) -> list[str]:
        response = call(base, key, "POST", "/v1/search", {"question": ABOUT_A, "top_k": 20})
        assert response.status_code == 200
        return [r["source"] for r in response.json()["results"]]

    assert sources(servers.both, servers.key_a)[0] == QN_SOURCE
    assert QN_SOURCE in sources(servers.both, servers.admin)
    assert sources(servers.both, servers.key_b) == sources(servers.absent, None)

    def chat(base: str, key: str | None, question: str) -> dict:
        body = {"model": "hoidap", "messages": [{"role": "user", "content": question}]}
        response = call(base, key, "POST", "/v1/chat/completions", body)
        assert response.status_code == 200, response.text
        return response.json()

    mine = chat(servers.both, servers.key_a, ABOUT_A)
    assert "19" in mine["hoidap"]["answer"] and {c["source"] for c in mine["citations"]} == {QN_SOURCE}
    theirs, absent = chat(servers.both, servers.key_b, ABOUT_A), chat(servers.absent, None, ABOUT_A)
    assert theirs["hoidap"]["answer"] is None
    assert theirs["choices"][0]["message"]["content"] == absent["choices"][0]["message"]["content"]
    assert theirs["citations"] == absent["citations"]
    assert refusal(theirs["hoidap"] | {"took_ms": 0}) == refusal(absent["hoidap"] | {"took_ms": 0})


def test_documents_of_another_department_are_not_found(servers: Servers) -> None:
    def listed(base: str, key: str | None) -> list[str]:
        response = call(base, key, "GET", "/v1/documents")
        assert response.status_code == 200
        return [d["source"] for d in response.json()["documents"]]

    assert listed(servers.both, servers.key_a) == [QN_SOURCE]
    assert listed(servers.both, servers.key_b) == listed(servers.absent, None)
    assert QN_SOURCE in listed(servers.both, servers.admin)
    assert call(servers.both, servers.key_a, "GET", f"/v1/documents/{QN_SOURCE}").json()["collection"] == A
    hidden = call(servers.both, servers.key_b, "GET", f"/v1/documents/{QN_SOURCE}")
    missing = call(servers.absent, None, "GET", f"/v1/documents/{QN_SOURCE}")
    assert hidden.status_code == missing.status_code == 404 and hidden.json() == missing.json()
    # A report named as a filter: "unknown source", as on the index without it.
    by_source = {"question": ABOUT_A, "filters": {"source": QN_SOURCE}}
    refused = call(servers.both, servers.key_b, "POST", "/v1/ask", by_source)
    unknown = call(servers.absent, None, "POST", "/v1/ask", by_source)
    assert refused.status_code == 422 and refused.json() == unknown.json()
    collections = call(servers.both, servers.key_b, "GET", "/v1/collections").json()["collections"]
    assert collections == [{"name": B, "documents": 4}]


def test_a_request_narrows_its_keys_collections_and_never_widens_them(servers: Servers) -> None:
    narrowed = ask(servers.both, servers.admin, ABOUT_A, filters={"collections": [B]})
    assert narrowed["answer"] is None and all(c["source"].startswith(f"{B}/") for c in narrowed["citations"])
    assert "19" in ask(servers.both, servers.admin, ABOUT_A, filters={"collections": [A, B]})["answer"]

    # B's key asking for A's collection is told what it is told of a collection that does not exist.
    def error(collection: str) -> str:
        body = {"question": ABOUT_A, "filters": {"collections": [collection]}}
        response = call(servers.both, servers.key_b, "POST", "/v1/ask", body)
        assert response.status_code == 422 and response.json()["error"]["param"] == "filters.collections"
        return response.json()["error"]["message"]

    assert error(A).replace(A, "X") == error("so-khong-co").replace("so-khong-co", "X")
    assert f"the collections this key sees are {B}" in error(A)
    chat = {"messages": [{"role": "user", "content": ABOUT_A}], "collections": [A]}
    assert call(servers.both, servers.key_b, "POST", "/v1/chat/completions", chat).status_code == 422
    listed = call(servers.both, servers.key_b, "GET", f"/v1/documents?collection={A}")
    assert listed.status_code == 422
    bad = call(servers.both, servers.admin, "POST", "/v1/search", {"question": "x", "filters": {"collections": []}})
    assert bad.status_code == 422 and "at least one collection" in bad.json()["error"]["message"]


def test_keys_made_and_revoked_count_at_once(servers: Servers) -> None:
    assert call(servers.both, None, "POST", "/v1/ask", {"question": ABOUT_B}).status_code == 401
    made = keys_command(servers.database, "new", "--name", "Sở Y tế", "--collections", B, "--json")
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)["key"]
    assert "67" in ask(servers.both, key, ABOUT_B)["answer"]  # the running server knows it without a restart
    revoked = keys_command(servers.database, "revoke", "Sở Y tế")
    assert revoked.returncode == 0 and "revoked key" in revoked.stdout
    refused = call(servers.both, key, "POST", "/v1/ask", {"question": ABOUT_B})
    assert refused.status_code == 401 and refused.json()["error"]["message"] == "the API key was revoked"
    listed = json.loads(keys_command(servers.database, "list", "--json").stdout)
    row = next(k for k in listed if k["name"] == "Sở Y tế")
    assert row["revoked_at"] and row["last_used_at"] and key not in json.dumps(listed)
    assert key_digest(key) not in json.dumps(listed)

    # `hoidap ask --url --api-key` with a named key: its department's answers only.
    question = ["ask", ABOUT_A, "--url", servers.both, "--json", "--api-key"]
    own = runner.invoke(cli, [*question, servers.key_a])
    assert own.exit_code == 0 and "19" in json.loads(own.output)["answer"]
    other = runner.invoke(cli, [*question, servers.key_b])
    assert other.exit_code == 0 and json.loads(other.output)["answer"] is None
    gone = runner.invoke(cli, [*question, key])
    assert gone.exit_code == 1 and "refused the API key: the API key was revoked" in gone.output
    search = runner.invoke(cli, ["search", ABOUT_A, "--url", servers.both, "--json", "--api-key", servers.key_b])
    assert search.exit_code == 0 and all(r["source"] != QN_SOURCE for r in json.loads(search.output)["results"])


def logged(caplog, responses: list[httpx.Response]) -> list[dict]:
    """The request-log lines of these responses, in their order.  A line is written once its response has gone
    out, so a request of an earlier test may log during this one and a line may come a moment after its
    response: lines are matched by request id, waiting for them up to 10 s."""
    ids = [r.headers["x-request-id"] for r in responses]
    deadline = time.monotonic() + 10
    while True:
        lines = {}
        for record in caplog.records:
            if record.name == "hoidap.access":
                line = json.loads(record.getMessage())
                lines[line["request_id"]] = line
        if all(i in lines for i in ids) or time.monotonic() > deadline:
            return [lines[i] for i in ids if i in lines]
        time.sleep(0.05)


def test_the_request_log_names_the_key_and_the_collections(servers: Servers, caplog) -> None:
    narrowed = {"question": ABOUT_A, "filters": {"collections": [A]}}
    with caplog.at_level(logging.INFO, logger="hoidap.access"):
        responses = [
            call(servers.both, servers.key_b, "POST", "/v1/ask", {"question": ABOUT_A}),
            call(servers.both, servers.admin, "POST", "/v1/ask", narrowed),
            call(servers.both, servers.key_a, "GET", f"/v1/documents/{QN_SOURCE}"),
            call(servers.both, "hd_not-a-key", "POST", "/v1/ask", {"question": ABOUT_A}),
        ]
        lines = logged(caplog, responses)
    assert [(line["route"], line["status"], line.get("key"), line.get("collections")) for line in lines] == [
        ("/v1/ask", 200, "Sở Tài chính", [B]),
        ("/v1/ask", 200, "Quản trị", [A]),
        ("/v1/documents/{source:path}", 200, "Sở Thông tin và Truyền thông", [A]),
        ("/v1/ask", 401, None, None),
    ]
    text = caplog.text
    for key in (servers.key_a, servers.key_b, servers.admin, "hd_not-a-key"):
        assert key not in text and key_digest(key) not in text
    with caplog.at_level(logging.INFO, logger="hoidap.access"):
        (shared,) = logged(caplog, [call(servers.both, SHARED_KEY, "POST", "/v1/ask", {"question": ABOUT_B})])
    assert shared["status"] == 200
    assert shared["key"].startswith("shared key ") and shared["collections"] == "*"


def test_each_bot_answers_from_its_collections(department_indexes, embedder, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from tests.service.platform_standin import platform_standin, received, wait_for
    from tests.service.test_bots import SIGNING_SECRET, event, slack_post

    def sent(kind: str) -> int:
        return len([r for r in received if r["kind"] == kind])

    def zalo(client: TestClient, chat: str, question: str) -> str:
        before = sent("zalo.bot.send")
        update = {"event_name": "message.text.received", "message": {"chat": {"id": chat}, "text": question}}
        assert client.post("/zalo/bot", json=update, headers={"X-Bot-Api-Secret-Token": "s"}).status_code == 200
        return wait_for("zalo.bot.send", count=before + 1)[before]["body"]["text"]

    def slack(client: TestClient, ts: str, question: str) -> str:
        before = sent("slack.postMessage")
        body = event(f"Ev{ts}", type="app_mention", user="U1", text=f"<@UBOT> {question}", channel="C1", ts=ts)
        assert slack_post(client, "/slack/events", body, content_type="application/json").status_code == 200
        return wait_for("slack.postMessage", count=before + 1)[before]["body"]["text"]

    with platform_standin() as standin:
        received.clear()
        settings = Settings(
            index_dir=department_indexes[0],
            database=tmp_path / "service.sqlite3",
            slack_bot_token="xoxb-test",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_base_url=f"{standin.url}/api/",
            slack_collections=[A],
            zalo_bot_token="1:abc",
            zalo_bot_secret_token="s",
            zalo_bot_api_base_url=standin.url,
            zalo_bot_collections=[B],
        )
        with TestClient(create_app(settings, holder=EngineHolder(settings, embedder=embedder))) as client:
            assert "19" in slack(client, "1.1", ABOUT_A)
            assert "67" not in slack(client, "1.2", ABOUT_B)
            assert "67" in zalo(client, "c1", ABOUT_B)
            refused = zalo(client, "c2", ABOUT_A)
            assert "19" not in refused and "quang-nam" not in refused
