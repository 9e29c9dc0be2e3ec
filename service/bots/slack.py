"""Slack: Events API (`app_mention`, direct messages) answered in the thread, and a slash command answered
through its `response_url`.  Built on slack_sdk alone (SignatureVerifier, AsyncWebClient, AsyncWebhookClient):
two endpoints need no framework, and acknowledging first and answering after stays in our hands (bounded
background work, retries de-duplicated by event_id)."""

from __future__ import annotations

import logging
import re
import sqlite3
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from service.asking import Asker, Question
from service.bots.payloads import json_object, text_field
from service.bots.slack_feedback import buttons, comment_view, conversation_id, owner_of, read_interaction
from service.bots.work import BackgroundWork, SeenIds
from service.chat.memory import ConversationMemory
from service.errors import BadRequest, NotFound, ServiceError, Unauthorized
from service.formatting.slack import slack_message
from service.formatting.text import plain_text
from service.history.store import HistoryStore
from service.history.turns import turn_of
from service.search import ExplicitFilters

log = logging.getLogger("hoidap.bots")
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # seconds since 1970, as Slack sends it
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_CHALLENGE = 'Slack-Signature realm="slack"'


class SlackBot:
    def __init__(
        self,
        token: str,
        signing_secret: str,
        base_url: str,
        asker: Asker,
        work: BackgroundWork,
        memory: ConversationMemory,
        history: HistoryStore,
        collections: frozenset[str] | None = None,  # what the bot's users see (HOIDAP_SLACK_COLLECTIONS)
    ) -> None:
        self.filters = ExplicitFilters(collections=collections)
        self.verifier = SignatureVerifier(signing_secret)  # v0 HMAC-SHA256, 5-minute window
        self.client = AsyncWebClient(token=token, base_url=base_url)
        self.asker = asker
        self.work = work
        self.memory = memory
        self.history = history
        self.seen = SeenIds()

    async def message(self, conversation: str, question: str, team: str) -> tuple[str, list[dict[str, Any]]]:
        """The answer as Slack blocks, through the one answering path (follow-ups within the conversation),
        remembered in the workspace's history with 👍/👎 buttons under it."""
        try:
            asked = Question(self.memory.add(conversation, question), filters=self.filters)
            reply = await self.asker.answer_within_budget(asked)
        except ServiceError as exc:  # no index, too slow: said to the user, not swallowed
            return exc.message, [{"type": "section", "text": {"type": "mrkdwn", "text": exc.message}}]
        text, blocks = slack_message(reply.answer, reply.generated)
        turn = turn_of(question, reply, plain_text(reply.answer, reply.generated, reply.notes))
        try:
            thread = conversation_id(f"{team}|{conversation}")
            _, message_id = self.history.append(owner_of(team), thread, turn, create=True)
        except sqlite3.Error:  # the answer still goes out, without buttons to rate it
            log.exception("slack answer not remembered in %s", self.history.path)
            return text, blocks
        return text, [*blocks, buttons(message_id)]

    async def reply_in_thread(self, channel: str, thread_ts: str, question: str, conversation: str, team: str) -> None:
        text, blocks = await self.message(conversation, question, team)
        await self.client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=text, blocks=blocks)

    async def reply_to_command(self, response_url: str, question: str, conversation: str, team: str) -> None:
        text, blocks = await self.message(conversation, question, team)
        await AsyncWebhookClient(response_url).send(
            text=text, blocks=blocks, response_type="in_channel", replace_original=False
        )


router = APIRouter(tags=["bots"], include_in_schema=False)


async def _verified(request: Request) -> tuple[SlackBot, str]:
    """The bot and the body as text, once the headers are well-formed and the signature checks out (slack_sdk
    would raise on a timestamp that is not a number or a signature that is not ASCII: checked first)."""
    bot: SlackBot | None = request.app.state.slack
    if bot is None:
        raise NotFound("Slack is not configured (set HOIDAP_SLACK_BOT_TOKEN and HOIDAP_SLACK_SIGNING_SECRET)")
    timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
        raise Unauthorized("missing or malformed X-Slack-Request-Timestamp / X-Slack-Signature", _CHALLENGE)
    try:
        body = (await request.body()).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("the body is not UTF-8 text") from None
    if not bot.verifier.is_valid(body, timestamp, signature):
        raise Unauthorized("bad or expired Slack signature", _CHALLENGE)
    return bot, body


@router.post("/slack/events")
async def slack_events(request: Request) -> Any:
    bot, body = await _verified(request)
    payload = json_object(body.encode())
    kind = text_field(payload, "type")
    if kind == "url_verification":
        return {"challenge": text_field(payload, "challenge")}
    event_id = text_field(payload, "event_id")
    if kind != "event_callback" or (event_id and not bot.seen.first_time(event_id)):
        return {"ok": True}  # not an event, or a retry of one being answered
    event = payload.get("event")
    if not isinstance(event, dict) or event.get("bot_id") or event.get("subtype"):
        return {"ok": True}  # our own and other bots' messages, edits, joins…
    direct = event.get("type") == "message" and event.get("channel_type") == "im"
    channel = text_field(event, "channel")
    if (event.get("type") == "app_mention" or direct) and channel:
        question = _MENTION.sub("", text_field(event, "text")).strip()
        if question:
            thread_ts = text_field(event, "thread_ts") or text_field(event, "ts")
            # a thread is a conversation; so is a direct-message channel outside threads
            key = f"slack:{channel}:{text_field(event, 'thread_ts') or ('' if direct else thread_ts)}"
            team = text_field(payload, "team_id")
            bot.work.submit(bot.reply_in_thread(channel, thread_ts, question, key, team), f"slack event {event_id}")
    return {"ok": True}


@router.post("/slack/commands")
async def slack_commands(request: Request) -> Any:
    bot, body = await _verified(request)
    form = {k: v[0] for k, v in parse_qs(body).items()}
    question = form.get("text", "").strip()
    if not question:
        return {
            "response_type": "ephemeral",
            "text": "Cách dùng: /hoidap <câu hỏi>, ví dụ /hoidap Quảng Nam có bao nhiêu điểm cầu?",
        }
    response_url = form.get("response_url", "")
    if not response_url.startswith(("https://", "http://")):
        raise BadRequest("a slash command without a response_url")
    key = f"slack-command:{form.get('channel_id', '')}:{form.get('user_id', '')}"
    work = bot.reply_to_command(response_url, question, key, form.get("team_id", ""))
    if not bot.work.submit(work, "slack command"):
        return {"response_type": "ephemeral", "text": "Hệ thống đang bận, vui lòng hỏi lại sau ít phút."}
    return {"response_type": "ephemeral", "text": f"Đang tìm câu trả lời cho: {question}"}


@router.post("/slack/interactivity")
async def slack_interactivity(request: Request) -> Response:
    """Button presses and dialog submissions (the app's Interactivity request URL): 👍/👎 under an answer
    records the rating and opens a dialog for an optional comment; submitting it adds the comment."""
    bot, body = await _verified(request)
    feedback = read_interaction(json_object(parse_qs(body).get("payload", ["{}"])[0].encode()))
    if feedback is None:
        return Response(status_code=200)  # another kind of interaction: acknowledged, nothing to do
    try:
        bot.history.rate(feedback.owner, feedback.message_id, feedback.rating, feedback.comment, feedback.expected)
    except NotFound:  # the conversation was deleted, or the button came from another workspace
        return Response(status_code=200)
    if feedback.trigger_id:
        view = comment_view(feedback.message_id, feedback.rating)
        bot.work.submit(bot.client.views_open(trigger_id=feedback.trigger_id, view=view), "slack feedback dialog")
    return Response(status_code=200)  # an empty 200 also closes a submitted dialog
