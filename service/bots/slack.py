"""Slack: Events API (`app_mention`, direct messages) answered in the thread, and a slash command answered
through its `response_url`.  Built on slack_sdk alone (SignatureVerifier, AsyncWebClient, AsyncWebhookClient):
two endpoints need no framework, and acknowledging first and answering after stays in our hands (bounded
background work, retries de-duplicated by event_id)."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from service.bots.formatting import slack_message
from service.bots.work import BackgroundWork, SeenIds
from service.engine import EngineHolder
from service.errors import NotFound

_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


class SlackBot:
    def __init__(
        self, token: str, signing_secret: str, base_url: str, holder: EngineHolder, work: BackgroundWork
    ) -> None:
        self.verifier = SignatureVerifier(signing_secret)  # v0 HMAC-SHA256, 5-minute window
        self.client = AsyncWebClient(token=token, base_url=base_url)
        self.holder = holder
        self.work = work
        self.seen = SeenIds()

    async def message(self, question: str) -> tuple[str, list[dict[str, Any]]]:
        answer, _ = await asyncio.to_thread(self.holder.current().ask, question, 5)
        return slack_message(question, answer)

    async def reply_in_thread(self, channel: str, thread_ts: str, question: str) -> None:
        text, blocks = await self.message(question)
        await self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)

    async def reply_to_command(self, response_url: str, question: str) -> None:
        text, blocks = await self.message(question)
        await AsyncWebhookClient(response_url).send(
            text=text, blocks=blocks, response_type="in_channel", replace_original=False
        )


router = APIRouter(tags=["bots"], include_in_schema=False)


async def _verified(request: Request) -> tuple[SlackBot, bytes]:
    bot: SlackBot | None = request.app.state.slack
    if bot is None:
        raise NotFound("Slack is not configured (set HOIDAP_SLACK_BOT_TOKEN and HOIDAP_SLACK_SIGNING_SECRET)")
    body = await request.body()
    if not bot.verifier.is_valid_request(body, dict(request.headers)):
        raise _Unauthorized()
    return bot, body


class _Unauthorized(Exception):
    pass


def unauthorized_response() -> JSONResponse:
    return JSONResponse(status_code=401, content={"error": {"code": "unauthorized", "message": "bad signature"}})


@router.post("/slack/events")
async def slack_events(request: Request) -> Any:
    try:
        bot, body = await _verified(request)
    except _Unauthorized:
        return unauthorized_response()
    payload = json.loads(body or b"{}")
    if payload.get("type") == "url_verification":
        return {"challenge": payload.get("challenge", "")}
    event = payload.get("event") or {}
    event_id = payload.get("event_id")
    if payload.get("type") != "event_callback" or (event_id and not bot.seen.first_time(event_id)):
        return {"ok": True}  # not an event, or a retry of one being answered
    if event.get("bot_id") or event.get("subtype"):
        return {"ok": True}  # our own and other bots' messages, edits, joins…
    direct = event.get("type") == "message" and event.get("channel_type") == "im"
    if event.get("type") == "app_mention" or direct:
        question = _MENTION.sub("", event.get("text", "")).strip()
        if question:
            thread_ts = str(event.get("thread_ts") or event.get("ts") or "")
            bot.work.submit(bot.reply_in_thread(event["channel"], thread_ts, question), f"slack event {event_id}")
    return {"ok": True}


@router.post("/slack/commands")
async def slack_commands(request: Request) -> Any:
    try:
        bot, body = await _verified(request)
    except _Unauthorized:
        return unauthorized_response()
    form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    question = form.get("text", "").strip()
    if not question:
        return {
            "response_type": "ephemeral",
            "text": "Cách dùng: /hoidap <câu hỏi>, ví dụ /hoidap Quảng Nam có bao nhiêu điểm cầu?",
        }
    if not bot.work.submit(bot.reply_to_command(form["response_url"], question), "slack command"):
        return {"response_type": "ephemeral", "text": "Hệ thống đang bận, vui lòng hỏi lại sau ít phút."}
    return {"response_type": "ephemeral", "text": f"Đang tìm câu trả lời cho: {question}"}
