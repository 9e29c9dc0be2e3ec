"""Slack and Zalo bots: requests signed with the real libraries, replies sent through the real clients to
stand-in servers on 127.0.0.1 that record what they receive."""

import hashlib
import json
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from slack_sdk.signature import SignatureVerifier

from service.api.app import create_app
from service.formatting.zalo import cut_at_sentence
from tests.service.platform_standin import platform_standin, received, wait_for

SIGNING_SECRET = "slack-signing-secret"
OA_APP_ID, OA_SECRET = "1234567890", "oa-secret-key"
BOT_SECRET = "zalo-bot-webhook-secret"
QUESTION = "Kon Tum có bao nhiêu máy chủ ở cấp tỉnh?"


@pytest.fixture(scope="module")
def standin():
    with platform_standin() as server:
        yield server


@pytest.fixture
def client(seed_holder, standin, tmp_path: Path):
    received.clear()
    settings = seed_holder.settings.model_copy(
        update={
            "slack_bot_token": "xoxb-test",
            "slack_signing_secret": SIGNING_SECRET,
            "slack_api_base_url": f"{standin.url}/api/",
            "zalo_oa_app_id": OA_APP_ID,
            "zalo_oa_secret_key": OA_SECRET,
            "zalo_oa_app_secret": "app-secret",
            "zalo_oa_access_token": "expired-token",
            "zalo_oa_refresh_token": "old-refresh",
            "zalo_oa_token_file": tmp_path / "tokens.json",
            "zalo_oa_api_base_url": standin.url,
            "zalo_oauth_base_url": standin.url,
            "zalo_bot_token": "123:abc",
            "zalo_bot_secret_token": BOT_SECRET,
            "zalo_bot_api_base_url": standin.url,
            "database": tmp_path / "service.sqlite3",
        }
    )
    # pydantic-settings keeps SecretStr fields as given by model_copy: wrap them as the settings would
    from pydantic import SecretStr

    for name in (
        "slack_bot_token",
        "slack_signing_secret",
        "zalo_oa_secret_key",
        "zalo_oa_app_secret",
        "zalo_oa_access_token",
        "zalo_oa_refresh_token",
        "zalo_bot_token",
        "zalo_bot_secret_token",
    ):
        object.__setattr__(settings, name, SecretStr(getattr(settings, name)))
    with TestClient(create_app(settings, holder=seed_holder)) as c:
        yield c


def slack_post(
    client: TestClient,
    path: str,
    body: str,
    *,
    content_type: str,
    timestamp: int | None = None,
    secret: str = SIGNING_SECRET,
    retry: int | None = None,
):
    ts = str(timestamp if timestamp is not None else int(time.time()))
    headers = {
        "X-Slack-Request-Timestamp": ts,
        "Content-Type": content_type,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body),
    }
    if retry is not None:
        headers["X-Slack-Retry-Num"], headers["X-Slack-Retry-Reason"] = str(retry), "http_timeout"
    return client.post(path, content=body.encode(), headers=headers)


def event(event_id: str, **fields) -> str:
    return json.dumps({"type": "event_callback", "event_id": event_id, "team_id": "T1", "event": fields})


def test_url_verification(client) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123"})
    assert slack_post(client, "/slack/events", body, content_type="application/json").json() == {"challenge": "abc123"}


def test_mention_answered_in_thread_once_despite_a_retry(client) -> None:
    body = event("Ev1", type="app_mention", user="U1", text=f"<@UBOT> {QUESTION}", channel="C1", ts="1700000000.000100")
    assert slack_post(client, "/slack/events", body, content_type="application/json").status_code == 200
    assert slack_post(client, "/slack/events", body, content_type="application/json", retry=1).status_code == 200
    posts = wait_for("slack.postMessage")
    time.sleep(0.5)
    posts = [r for r in received if r["kind"] == "slack.postMessage"]
    assert len(posts) == 1  # the retry was not answered again
    message = posts[0]["body"]
    assert message["channel"] == "C1" and message["thread_ts"] == "1700000000.000100"
    assert "67" in message["text"]
    blocks = json.loads(message["blocks"]) if isinstance(message["blocks"], str) else message["blocks"]
    assert blocks[0]["type"] == "section" and "67" in blocks[0]["text"]["text"]
    assert any(b["type"] == "divider" for b in blocks)
    assert any(b["type"] == "context" and "kon-tum" in b["elements"][0]["text"] for b in blocks)
    assert posts[0]["headers"]["authorization"] == "Bearer xoxb-test"


def test_direct_message_and_ignored_events(client) -> None:
    slack_post(
        client,
        "/slack/events",
        event(
            "Ev2",
            type="message",
            channel_type="im",
            user="U1",
            text="Hà Nội có bao nhiêu điểm cầu?",
            channel="D1",
            ts="1.2",
        ),
        content_type="application/json",
    )
    slack_post(
        client,
        "/slack/events",
        event("Ev3", type="message", channel_type="im", bot_id="B1", text="echo", channel="D1", ts="1.3"),
        content_type="application/json",
    )
    slack_post(
        client,
        "/slack/events",
        event("Ev4", type="message", subtype="message_changed", channel_type="im", text="edit", channel="D1", ts="1.4"),
        content_type="application/json",
    )
    posts = wait_for("slack.postMessage")
    time.sleep(0.5)
    posts = [r for r in received if r["kind"] == "slack.postMessage"]
    assert len(posts) == 1 and posts[0]["body"]["channel"] == "D1"
    assert "không trả lời được" in posts[0]["body"]["text"]  # a refusal that reads naturally


def test_slash_command_acknowledged_then_answered_via_response_url(client, standin) -> None:
    form = urlencode(
        {
            "command": "/hoidap",
            "text": QUESTION,
            "user_id": "U1",
            "channel_id": "C1",
            "response_url": f"{standin.url}/response/hook1",
        }
    )
    started = time.monotonic()
    ack = slack_post(client, "/slack/commands", form, content_type="application/x-www-form-urlencoded")
    assert ack.status_code == 200 and time.monotonic() - started < 3
    assert ack.json()["response_type"] == "ephemeral" and QUESTION in ack.json()["text"]
    hook = wait_for("slack.response.hook1")
    assert hook and "67" in hook[0]["body"]["text"] and hook[0]["body"]["response_type"] == "in_channel"


@pytest.mark.parametrize("problem", ["bad secret", "stale"])
def test_bad_or_stale_slack_signature_is_rejected(client, problem: str) -> None:
    body = event("Ev9", type="app_mention", user="U1", text=QUESTION, channel="C9", ts="9.9")
    kwargs = {"secret": "wrong"} if problem == "bad secret" else {"timestamp": int(time.time()) - 600}
    response = slack_post(client, "/slack/events", body, content_type="application/json", **kwargs)
    assert response.status_code == 401
    time.sleep(0.5)
    assert not [r for r in received if r["kind"] == "slack.postMessage"]


def oa_post(client: TestClient, payload: dict, secret: str = OA_SECRET):
    body = json.dumps(payload, ensure_ascii=False)
    mac = hashlib.sha256((OA_APP_ID + body + str(payload["timestamp"]) + secret).encode()).hexdigest()
    return client.post(
        "/zalo/oa",
        content=body.encode(),
        headers={"X-ZEvent-Signature": f"mac={mac}", "Content-Type": "application/json"},
    )


def test_zalo_oa_message_answered_after_refreshing_an_expired_token(client, tmp_path: Path) -> None:
    payload = {
        "app_id": OA_APP_ID,
        "event_name": "user_send_text",
        "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": "user-42"},
        "recipient": {"id": "oa-1"},
        "message": {"text": QUESTION, "msg_id": "m"},
    }
    assert oa_post(client, payload).status_code == 200
    sends = wait_for("zalo.oa.send", 2)
    refreshes = [r for r in received if r["kind"] == "zalo.oa.refresh"]
    assert [s["body"]["token"] for s in sends] == ["expired-token", "fresh-token"]  # refreshed once, sent again
    assert len(refreshes) == 1 and refreshes[0]["body"]["refresh_token"] == "old-refresh"
    assert refreshes[0]["headers"]["secret_key"] == "app-secret"
    final = sends[1]["body"]
    assert final["recipient"] == {"user_id": "user-42"} and "67" in final["message"]["text"]
    assert len(final["message"]["text"]) <= 2000
    saved = json.loads((tmp_path / "tokens.json").read_text())
    assert saved == {"access_token": "fresh-token", "refresh_token": "fresh-refresh"}
    assert oct((tmp_path / "tokens.json").stat().st_mode & 0o777) == "0o600"


def test_zalo_oa_bad_signature(client) -> None:
    payload = {"event_name": "user_send_text", "timestamp": "1", "sender": {"id": "u"}, "message": {"text": "x"}}
    assert oa_post(client, payload, secret="wrong").status_code == 401
    time.sleep(0.3)
    assert not [r for r in received if r["kind"] == "zalo.oa.send"]


@pytest.mark.parametrize("wrapped", [True, False])
def test_zalo_bot_message_answered(client, wrapped: bool) -> None:
    update = {
        "event_name": "message.text.received",
        "message": {"from": {"id": "u1"}, "chat": {"id": "chat-7", "chat_type": "PRIVATE"}, "text": QUESTION},
    }
    body = {"ok": True, "result": update} if wrapped else update
    response = client.post("/zalo/bot", json=body, headers={"X-Bot-Api-Secret-Token": BOT_SECRET})
    assert response.status_code == 200
    sent = wait_for("zalo.bot.send")
    assert sent[0]["body"]["token"] == "123:abc" and sent[0]["body"]["chat_id"] == "chat-7"
    assert "67" in sent[0]["body"]["text"]


def test_zalo_bot_wrong_secret(client) -> None:
    response = client.post(
        "/zalo/bot", json={"event_name": "message.text.received"}, headers={"X-Bot-Api-Secret-Token": "nope"}
    )
    assert response.status_code == 401


def test_unconfigured_bots_answer_404(seed_holder) -> None:
    with TestClient(create_app(seed_holder.settings, holder=seed_holder)) as c:
        for path in ("/slack/events", "/slack/commands", "/zalo/oa", "/zalo/bot"):
            assert c.post(path, content=b"{}").status_code == 404


def test_cut_at_sentence() -> None:
    text = "Câu một rất dài. " * 200
    cut = cut_at_sentence(text, 2000)
    assert len(cut) <= 2000 and cut.endswith(".…")


def test_one_question_gets_the_same_answer_and_confidence_on_every_surface(client, seed_index: Path) -> None:
    """API, chat, Slack, Zalo OA, Zalo Bot and the CLI all answer through service/asking.py."""
    import subprocess
    import sys

    api = client.post("/v1/ask", json={"question": QUESTION}).json()
    assert api["answer"] and "67" in api["answer"] and 0 < api["confidence"] <= 1
    shown = f"{api['confidence']:.2f}"
    chat = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": QUESTION}]}).json()
    assert chat["hoidap"]["answer"] == api["answer"] and chat["hoidap"]["confidence"] == api["confidence"]
    assert (
        chat["choices"][0]["message"]["content"].startswith(api["answer"])
        and shown in chat["choices"][0]["message"]["content"]
    )
    cli = subprocess.run(
        [sys.executable, "-m", "service", "ask", QUESTION, "--json", "--index-dir", str(seed_index)],
        capture_output=True,
        text=True,
        check=True,
    )
    from_cli = json.loads(cli.stdout)
    assert from_cli["answer"] == api["answer"] and from_cli["confidence"] == api["confidence"]
    slack_post(
        client,
        "/slack/events",
        event("EvSame", type="app_mention", text=QUESTION, channel="C5", ts="5.5"),
        content_type="application/json",
    )
    slack = wait_for("slack.postMessage")[0]["body"]
    blocks = json.loads(slack["blocks"]) if isinstance(slack["blocks"], str) else slack["blocks"]
    assert api["answer"] in blocks[0]["text"]["text"] and any(shown in json.dumps(b) for b in blocks)
    payload = {
        "app_id": OA_APP_ID,
        "event_name": "user_send_text",
        "timestamp": str(int(time.time() * 1000)),
        "sender": {"id": "user-same"},
        "message": {"text": QUESTION, "msg_id": "m"},
    }
    oa_post(client, payload)
    oa = wait_for("zalo.oa.send", 2)[-1]["body"]["message"]["text"]
    assert oa.startswith(api["answer"]) and shown in oa
    update = {"event_name": "message.text.received", "message": {"chat": {"id": "chat-same"}, "text": QUESTION}}
    client.post("/zalo/bot", json=update, headers={"X-Bot-Api-Secret-Token": BOT_SECRET})
    bot = wait_for("zalo.bot.send")[0]["body"]["text"]
    assert bot.startswith(api["answer"]) and shown in bot


def test_a_follow_up_in_a_slack_thread_and_a_zalo_chat(client) -> None:
    first = event("EvF1", type="app_mention", text="<@UBOT> Quảng Nam có bao nhiêu điểm cầu?", channel="C7", ts="7.1")
    slack_post(client, "/slack/events", first, content_type="application/json")
    wait_for("slack.postMessage")
    received.clear()
    follow = event(
        "EvF2", type="app_mention", text="<@UBOT> Còn Kon Tum thì sao?", channel="C7", ts="7.2", thread_ts="7.1"
    )
    slack_post(client, "/slack/events", follow, content_type="application/json")
    reply = wait_for("slack.postMessage")[0]["body"]
    assert reply["thread_ts"] == "7.1" and "kon-tum" in reply["text"] and re.search(r"1[34] điểm", reply["text"])
    received.clear()
    for turn, text in enumerate(("Quảng Nam có bao nhiêu điểm cầu?", "Còn Kon Tum thì sao?"), 1):
        update = {"event_name": "message.text.received", "message": {"chat": {"id": "chat-f"}, "text": text}}
        client.post("/zalo/bot", json=update, headers={"X-Bot-Api-Secret-Token": BOT_SECRET})
        sent = wait_for("zalo.bot.send", turn)
    assert len(sent) == 2 and "19 điểm" in sent[0]["body"]["text"]
    assert re.search(r"1[34] điểm", sent[1]["body"]["text"]) and "kon-tum" in sent[1]["body"]["text"]


def interact(client: TestClient, payload: dict, secret: str = SIGNING_SECRET):
    form = urlencode({"payload": json.dumps(payload)})
    return slack_post(
        client, "/slack/interactivity", form, content_type="application/x-www-form-urlencoded", secret=secret
    )


def test_slack_answer_rated_with_a_button_and_commented_in_the_dialog(client, tmp_path: Path) -> None:
    from service.history.store import HistoryStore

    body = event("EvRate", type="app_mention", text=f"<@UBOT> {QUESTION}", channel="C9", ts="9.1")
    slack_post(client, "/slack/events", body, content_type="application/json")
    blocks = wait_for("slack.postMessage")[0]["body"]["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    actions = blocks[-1]
    assert actions["type"] == "actions" and [e["action_id"] for e in actions["elements"]] == [
        "feedback_up",
        "feedback_down",
    ]
    message_id = actions["elements"][1]["value"]
    pressed = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "user": {"id": "U1", "team_id": "T1"},
        "trigger_id": "trigger-1",
        "actions": [{"action_id": "feedback_down", "value": message_id, "type": "button"}],
    }
    assert interact(client, pressed, secret="wrong-secret").status_code == 401  # signed like every Slack request
    assert interact(client, pressed).status_code == 200
    view = wait_for("slack.views.open")[0]["body"]
    assert view["trigger_id"] == "trigger-1"
    view = json.loads(view["view"]) if isinstance(view["view"], str) else view["view"]
    assert [b["block_id"] for b in view["blocks"]] == ["comment", "expected"]  # after 👎: the right answer too
    store = HistoryStore(tmp_path / "service.sqlite3")
    [(owner, turn)] = list(store.rated())
    assert owner == "slack:T1" and turn.id == message_id and turn.feedback and turn.feedback.rating == "down"
    assert turn.question == QUESTION and turn.reply["answer"] and "67" in turn.reply["answer"]
    submitted = {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "view": {
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": {"comment": {"value": {"value": "Thiếu cấp huyện"}}, "expected": {"value": {}}}},
        },
    }
    answered = interact(client, submitted)
    assert answered.status_code == 200 and answered.content == b""  # an empty 200 closes the dialog
    [(_, turn)] = list(store.rated())
    assert turn.feedback and (turn.feedback.comment, turn.feedback.expected) == ("Thiếu cấp huyện", None)
    # a button pressed in another workspace rates nothing there; other interactions are acknowledged
    elsewhere = pressed | {"team": {"id": "T2"}, "actions": [{"action_id": "feedback_up", "value": message_id}]}
    assert interact(client, elsewhere).status_code == 200
    assert interact(client, {"type": "shortcut", "callback_id": "x"}).status_code == 200
    [(_, turn)] = list(store.rated())
    assert turn.feedback and turn.feedback.rating == "down"
    store.close()
