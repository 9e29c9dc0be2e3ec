"""Conversation history and feedback through the API: stored per caller in the service's SQLite database,
resumed (follow-ups resolved against the stored questions), rated, deleted by the owner only — another key sees
a 404 as if nothing were there — and still there after `hoidap serve` restarts (driven by the openai client)."""

import hashlib
import re
from pathlib import Path

import httpx
import openai
import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from tests.servers import hoidap_serve

KEY_A, KEY_B = "key-of-department-a", "key-of-department-b"
FIRST, FOLLOW_UP = "Quảng Nam có bao nhiêu điểm cầu?", "Còn Kon Tum thì sao?"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "service.sqlite3"


@pytest.fixture
def client(seed_holder, database: Path):
    digests = [hashlib.sha256(k.encode()).hexdigest() for k in (KEY_A, KEY_B)]
    settings = seed_holder.settings.model_copy(update={"database": database, "api_keys": digests})
    with TestClient(create_app(settings, holder=seed_holder)) as c:
        yield c


def chat(client: TestClient, key: str, text: str, **extra: object) -> dict:
    body = {"model": "hoidap", "messages": [{"role": "user", "content": text}], **extra}
    response = client.post("/v1/chat/completions", json=body, headers=bearer(key))
    assert response.status_code == 200, response.text
    return response.json()


def test_a_conversation_is_stored_resumed_and_listed(client: TestClient, database: Path) -> None:
    plain = chat(client, KEY_A, FIRST)
    assert "conversation_id" not in plain  # not asked to remember: nothing stored
    assert client.get("/v1/conversations", headers=bearer(KEY_A)).json() == {"conversations": []}
    first = chat(client, KEY_A, FIRST, store=True)
    conversation = first["conversation_id"]
    assert conversation.startswith("conv_") and first["message_id"].startswith("msg_")
    # /v1/ask continues it: the follow-up is resolved against the stored question, without resending it
    follow = client.post(
        "/v1/ask", json={"question": FOLLOW_UP, "conversation_id": conversation}, headers=bearer(KEY_A)
    ).json()
    assert follow["conversation_id"] == conversation and follow["message_id"] != first["message_id"]
    assert re.match(r"1[34] điểm cầu", follow["answer"]) and follow["citations"][0]["source"].startswith("kon-tum")
    listed = client.get("/v1/conversations", headers=bearer(KEY_A)).json()["conversations"]
    assert [(c["id"], c["title"], c["turns"]) for c in listed] == [(conversation, FIRST, 2)]
    detail = client.get(f"/v1/conversations/{conversation}", headers=bearer(KEY_A)).json()
    messages = detail["messages"]
    assert [m["question"] for m in messages] == [FIRST, FOLLOW_UP]
    assert messages[1]["standalone"].startswith("Kon Tum") and messages[1]["id"] == follow["message_id"]
    again = messages[0]["reply"]  # what the page re-renders: the answer contract as it was given
    assert again["answer"] == first["hoidap"]["answer"] and again["confidence"] == first["hoidap"]["confidence"]
    assert again["citations"] == first["citations"] and messages[0]["content"].startswith(again["answer"])
    # the key itself is nowhere in the database (its file and write-ahead log), though the conversation is
    stored = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    assert FIRST.encode() in stored and KEY_A.encode() not in stored


def test_another_key_cannot_see_rate_continue_or_delete(client: TestClient) -> None:
    mine = chat(client, KEY_A, FIRST, store=True)
    conversation, message = mine["conversation_id"], mine["message_id"]
    other = bearer(KEY_B)
    assert client.get("/v1/conversations", headers=other).json() == {"conversations": []}
    for response in (
        client.get(f"/v1/conversations/{conversation}", headers=other),
        client.delete(f"/v1/conversations/{conversation}", headers=other),
        client.post("/v1/feedback", json={"message_id": message, "rating": "down"}, headers=other),
        client.post("/v1/ask", json={"question": FOLLOW_UP, "conversation_id": conversation}, headers=other),
        client.post(
            "/v1/chat/completions",
            json={"messages": [{"role": "user", "content": FOLLOW_UP}], "conversation_id": conversation},
            headers=other,
        ),
    ):
        assert response.status_code == 404 and "no " in response.json()["error"]["message"], response.text
    unknown = client.get("/v1/conversations/conv_nothing", headers=other)
    assert unknown.status_code == 404 and unknown.json()["error"]["message"] == client.get(
        f"/v1/conversations/{conversation}", headers=other
    ).json()["error"]["message"].replace(conversation, "conv_nothing")  # the same answer as for a missing one
    assert client.get(f"/v1/conversations/{conversation}", headers=bearer(KEY_A)).json()["turns"] == 1
    assert client.get("/v1/conversations").status_code == 401  # keys are configured: no key, no history
    # the owner deletes it: gone, with its feedback
    client.post("/v1/feedback", json={"message_id": message, "rating": "up"}, headers=bearer(KEY_A))
    assert client.delete(f"/v1/conversations/{conversation}", headers=bearer(KEY_A)).status_code == 204
    assert client.get(f"/v1/conversations/{conversation}", headers=bearer(KEY_A)).status_code == 404
    rated = client.post("/v1/feedback", json={"message_id": message, "rating": "up"}, headers=bearer(KEY_A))
    assert rated.status_code == 404


def test_feedback_is_recorded_changed_and_checked(client: TestClient) -> None:
    mine = chat(client, KEY_A, FIRST, store=True)
    message, headers = mine["message_id"], bearer(KEY_A)
    up = client.post("/v1/feedback", json={"message_id": message, "rating": "up"}, headers=headers).json()
    assert up["message_id"] == message and up["feedback"]["rating"] == "up" and up["feedback"]["comment"] is None
    body = {"message_id": message, "rating": "down", "comment": " Sai năm ", "expected": "20 điểm"}
    down = client.post("/v1/feedback", json=body, headers=headers).json()["feedback"]
    assert (down["rating"], down["comment"], down["expected"]) == ("down", "Sai năm", "20 điểm")
    stored = client.get(f"/v1/conversations/{mine['conversation_id']}", headers=headers).json()["messages"][0]
    assert stored["feedback"]["rating"] == "down" and stored["feedback"]["comment"] == "Sai năm"
    for bad, says in (
        ({"message_id": message, "rating": "meh"}, "rating"),
        ({"message_id": message, "rating": "up", "comment": "x" * 2001}, "comment"),
        ({"message_id": message, "rating": "up", "stars": 5}, "stars"),
        ({"rating": "up"}, "message_id"),
    ):
        response = client.post("/v1/feedback", json=bad, headers=headers)
        assert response.status_code == 422 and says in response.json()["error"]["message"], response.text
    missing = client.post("/v1/feedback", json={"message_id": "msg_none", "rating": "up"}, headers=headers)
    assert missing.status_code == 404 and "msg_none" in missing.json()["error"]["message"]
    too_many = client.get("/v1/conversations?limit=0", headers=headers)
    assert too_many.status_code == 422 and "limit" in too_many.json()["error"]["message"]


def test_history_survives_a_restart_of_the_server(seed_index: Path, tmp_path: Path) -> None:
    """A real `hoidap serve`, the official openai client (hoidap's fields through extra_body / model_extra),
    the server stopped and started again on the same database."""
    database = str(tmp_path / "service.sqlite3")
    with hoidap_serve(seed_index, HOIDAP_DATABASE=database, HOIDAP_RATE_LIMIT_PER_MINUTE="0") as base:
        client = openai.OpenAI(base_url=f"{base}/v1", api_key="not-needed", max_retries=0)
        messages: list = [{"role": "user", "content": FIRST}]
        first = client.chat.completions.create(model="hoidap", messages=messages, store=True)
        conversation = (first.model_extra or {})["conversation_id"]
        messages += [{"role": "assistant", "content": first.choices[0].message.content or ""}]
        messages += [{"role": "user", "content": FOLLOW_UP}]
        stream = client.chat.completions.create(
            model="hoidap", messages=messages, stream=True, extra_body={"conversation_id": conversation}
        )
        last = [c for c in stream][-1]
        assert (last.model_extra or {})["conversation_id"] == conversation
        followed = (last.model_extra or {})["message_id"]
    with hoidap_serve(seed_index, HOIDAP_DATABASE=database, HOIDAP_RATE_LIMIT_PER_MINUTE="0") as base:
        detail = httpx.get(f"{base}/v1/conversations/{conversation}").json()
        assert [m["question"] for m in detail["messages"]] == [FIRST, FOLLOW_UP]
        assert detail["messages"][1]["id"] == followed and "kon-tum" in detail["messages"][1]["content"]
        rated = httpx.post(f"{base}/v1/feedback", json={"message_id": followed, "rating": "up"})
        assert rated.status_code == 200 and rated.json()["feedback"]["rating"] == "up"
