"""The HTTP API with TestClient (the real seed index and model) and once over a real uvicorn."""

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.engine import EngineHolder
from service.settings import Settings
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def client(seed_holder):
    with TestClient(create_app(seed_holder.settings, holder=seed_holder)) as c:
        yield c


def test_ask_contract(client) -> None:
    body = client.post("/v1/ask", json={"question": "Quảng Nam có bao nhiêu điểm cầu hội nghị truyền hình?"}).json()
    assert "19" in body["answer"] and len(body["answer"]) <= 80
    assert body["evidence"] and "19 điểm" in body["evidence"]
    first = body["citations"][0]
    assert first["source"] == "quang-nam-2012-may-vi-tinh-co-quan-nha-nuoc.txt"
    assert set(first) >= {"source", "title", "chunk_id", "start", "end", "text", "score", "date"}
    # what the cited document is: a portal's news item, about Quảng Nam (indexer/kinds.py, gazetteer subjects)
    assert first["document_kind"] == "news" and first["about"] == ["Quảng Nam"]
    assert body["query"]["language"] == "vi" and body["query"]["province"] == "Quảng Nam"
    assert body["query"]["kind"] == "count" and body["took_ms"] > 0
    documents = {d["source"]: d for d in client.get("/v1/documents").json()["documents"]}
    text_len = documents[first["source"]]["chars"]
    assert 0 <= first["start"] < first["end"] <= text_len


def test_documents_are_listed_a_page_at_a_time(client) -> None:
    whole = client.get("/v1/documents").json()
    assert whole["total"] == len(whole["documents"]) == 5 and whole["next_offset"] is None
    order = [(d["collection"], d["source"]) for d in whole["documents"]]
    assert order == sorted(order)
    pages, offset = [], 0
    while offset is not None:
        page = client.get("/v1/documents", params={"limit": 2, "offset": offset}).json()
        assert page["total"] == 5 and page["offset"] == offset and len(page["documents"]) <= 2
        pages.append(page["documents"])
        offset = page["next_offset"]
    assert [len(p) for p in pages] == [2, 2, 1] and [d for p in pages for d in p] == whole["documents"]
    one = whole["documents"][3]
    assert one["chars"] == len(client.get(f"/v1/documents/{one['source']}").json()["text"]) > 0
    beyond = client.get("/v1/documents", params={"offset": 9}).json()
    assert beyond["documents"] == [] and beyond["total"] == 5 and beyond["next_offset"] is None
    for bad in ({"limit": 0}, {"limit": 1001}, {"offset": -1}, {"limit": "all"}):
        refused = client.get("/v1/documents", params=bad)
        assert refused.status_code == 422 and next(iter(bad)) in refused.json()["error"]["message"], refused.text


def test_refusal_is_null_with_a_message(client) -> None:
    body = client.post("/v1/ask", json={"question": "Hà Nội có bao nhiêu điểm cầu hội nghị truyền hình?"}).json()
    assert body["answer"] is None and body["message"] and body["citations"] == []


def test_search_and_filters(client) -> None:
    body = client.post(
        "/v1/search", json={"question": "máy chủ", "top_k": 3, "filters": {"province": "Kon Tum"}}
    ).json()
    assert len(body["results"]) == 3
    assert all(r["source"].startswith("kon-tum") for r in body["results"])
    merged = client.post("/v1/search", json={"question": "điểm cầu", "filters": {"province": "Quảng Ngãi"}}).json()
    assert merged["results"] and merged["notes"]


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        ({"question": ""}, "question"),
        ({"question": "   "}, "must not be empty"),
        ({"question": "x" * 2001}, "at most 2000"),
        ({}, "question: Field required"),
        ({"question": "a", "top_k": 0}, "top_k"),
        ({"question": "a", "top_k": "many"}, "top_k"),
        ({"question": "a", "filters": {"planet": "Mars"}}, "unknown field"),
        ({"question": "a", "filters": {"province": "Atlantis"}}, "unknown province"),
        ({"question": "a", "filters": {"province": "huyện Châu Thành"}}, "unknown province"),  # in nine provinces
        ({"question": "a", "filters": {"source": "../etc/passwd"}}, "unknown source"),
        ({"question": "a", "filters": {"date_from": "yesterday"}}, "date_from"),
        ({"question": "a", "filters": {"date_to": 0}}, "a date is written YYYY-MM-DD"),
        ({"question": "a", "filters": {"date_from": "2015-01-01", "date_to": "2014-01-01"}}, "after"),
    ],
)
def test_bad_requests_get_a_4xx_that_says_what_to_fix(client, payload, fragment: str) -> None:
    response = client.post("/v1/ask", json=payload)
    assert response.status_code == 422
    assert fragment in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        (b"not json", 400, "not valid JSON: Expecting value at character 0"),
        (b'{"question": "a"', 400, "not valid JSON: Expecting ',' delimiter at character 16"),
        (b'{"question": "\xff\xfe"}', 400, "not UTF-8 text (byte 0xff at position 14)"),
        (b"[1, 2]", 422, "valid dictionary"),
    ],
)
def test_unreadable_bodies_get_a_precise_message(client, body: bytes, status: int, fragment: str) -> None:
    response = client.post("/v1/ask", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status and fragment in response.json()["error"]["message"]


def test_health_and_docs(client) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["manifest"]["counts"]["documents"] == 5
    assert "/v1/ask" in client.get("/openapi.json").json()["paths"]


def test_without_an_index_the_service_says_what_to_do(tmp_path: Path, embedder) -> None:
    holder = EngineHolder(Settings(index_dir=tmp_path / "none"), embedder=embedder)
    with TestClient(create_app(holder.settings, holder=holder)) as c:
        response = c.post("/v1/ask", json={"question": "Quảng Nam có bao nhiêu điểm cầu?"})
        assert response.status_code == 503 and "hoidap index" in response.json()["error"]["message"]
        assert c.get("/readyz").status_code == 503
        assert c.get("/healthz").status_code == 200


def test_real_uvicorn_on_loopback(live_server: str) -> None:
    body = httpx.post(
        f"{live_server}/v1/ask", json={"question": "kon tum da cap duoc bao nhieu hop thu dien tu cong vu"}, timeout=30
    ).json()
    assert "30" in body["answer"] and body["query"]["language"] == "vi-nodiac"
    # the CLI talks to it with --url
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "service",
            "ask",
            "Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?",
            "--url",
            live_server,
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert cli.returncode == 0, cli.stderr
    assert "67" in json.loads(cli.stdout)["answer"]
