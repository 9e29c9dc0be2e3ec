"""Zalo: an Official Account (OA) webhook answered through the OA v3 customer-service message API, with
access-token refresh, and a Zalo Bot Platform webhook answered with sendMessage.  No maintained Python SDK
exists, so this is a small httpx client."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from pathlib import Path
from typing import Any

import httpx
from fastapi import APIRouter, Request

from service.asking import Asker, Question
from service.bots.payloads import json_object, same_secret, text_field
from service.bots.work import BackgroundWork
from service.chat.memory import ConversationMemory
from service.errors import NotFound, ServiceError, Unauthorized
from service.formatting.zalo import zalo_text
from service.search import ExplicitFilters

EXPIRED_TOKEN_ERRORS = {-216, -124}  # "access token is invalid" / "expired"


class ZaloError(Exception):
    pass


class TokenStore:
    """OA tokens kept in a JSON file, replaced atomically (temp file, fsync, rename) and readable by us only."""

    def __init__(self, path: Path, access_token: str, refresh_token: str | None) -> None:
        self.path = path
        self.access_token, self.refresh_token = access_token, refresh_token
        if path.is_file():
            saved = json.loads(path.read_text(encoding="utf-8"))
            self.access_token = saved.get("access_token") or access_token
            self.refresh_token = saved.get("refresh_token") or refresh_token

    def save(self, access_token: str, refresh_token: str | None) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"access_token": access_token, "refresh_token": refresh_token}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        self.access_token, self.refresh_token = access_token, refresh_token


class ZaloOAClient:
    def __init__(
        self,
        api_base: str,
        oauth_base: str,
        app_id: str,
        app_secret: str | None,
        tokens: TokenStore,
        http: httpx.AsyncClient,
    ) -> None:
        self.api_base, self.oauth_base = api_base.rstrip("/"), oauth_base.rstrip("/")
        self.app_id, self.app_secret = app_id, app_secret
        self.tokens = tokens
        self.http = http
        self._refreshing = asyncio.Lock()

    async def _send(self, user_id: str, text: str) -> dict[str, Any]:
        response = await self.http.post(
            f"{self.api_base}/v3.0/oa/message/cs",
            headers={"access_token": self.tokens.access_token},
            json={"recipient": {"user_id": user_id}, "message": {"text": text}},
        )
        return response.json()

    async def send_text(self, user_id: str, text: str) -> dict[str, Any]:
        """Send; on an expired token refresh it once and send again."""
        used = self.tokens.access_token
        result = await self._send(user_id, text)
        if result.get("error") in EXPIRED_TOKEN_ERRORS:
            await self.refresh(used)
            result = await self._send(user_id, text)
        if result.get("error", 0) != 0:
            raise ZaloError(f"Zalo OA answered error {result.get('error')}: {result.get('message')}")
        return result

    async def refresh(self, expired: str) -> None:
        async with self._refreshing:
            if self.tokens.access_token != expired:
                return  # another request refreshed it meanwhile
            if not (self.tokens.refresh_token and self.app_secret):
                raise ZaloError("the OA access token expired and no refresh token / app secret is configured")
            response = await self.http.post(
                f"{self.oauth_base}/v4/oa/access_token",
                headers={"secret_key": self.app_secret},
                data={"refresh_token": self.tokens.refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"},
            )
            body = response.json()
            if "access_token" not in body:
                raise ZaloError(f"token refresh failed: {body}")
            self.tokens.save(body["access_token"], body.get("refresh_token", self.tokens.refresh_token))


async def answer_text(
    asker: Asker,
    memory: ConversationMemory,
    conversation: str,
    question: str,
    collections: frozenset[str] | None = None,
) -> str:
    """The answer as Zalo text, through the one answering path (follow-ups within the conversation), from the
    bot's collections (None: every one)."""
    try:
        filters = ExplicitFilters(collections=collections)
        reply = await asker.answer_within_budget(Question(memory.add(conversation, question), filters=filters))
    except ServiceError as exc:  # no index, too slow: said to the user
        return exc.message
    return zalo_text(reply.answer, reply.generated)


class ZaloOABot:
    def __init__(
        self,
        app_id: str,
        secret_key: str,
        client: ZaloOAClient,
        asker: Asker,
        work: BackgroundWork,
        memory: ConversationMemory,
        collections: frozenset[str] | None = None,  # what the bot's users see (HOIDAP_ZALO_OA_COLLECTIONS)
    ) -> None:
        self.app_id, self.secret_key = app_id, secret_key
        self.client, self.asker, self.work, self.memory = client, asker, work, memory
        self.collections = collections

    def signature_ok(self, body: bytes, timestamp: str, header: str) -> bool:
        """X-ZEvent-Signature = "mac=" + sha256(app_id + raw body + timestamp + OA secret key)."""
        digest = hashlib.sha256(self.app_id.encode() + body + timestamp.encode() + self.secret_key.encode())
        return same_secret(f"mac={digest.hexdigest()}", header)

    async def reply(self, user_id: str, question: str) -> None:
        await self.client.send_text(
            user_id, await answer_text(self.asker, self.memory, f"zalo-oa:{user_id}", question, self.collections)
        )


class ZaloBotPlatform:
    def __init__(
        self,
        token: str,
        secret: str,
        api_base: str,
        http: httpx.AsyncClient,
        asker: Asker,
        work: BackgroundWork,
        memory: ConversationMemory,
        collections: frozenset[str] | None = None,  # what the bot's users see (HOIDAP_ZALO_BOT_COLLECTIONS)
    ) -> None:
        self.token, self.secret, self.api_base = token, secret, api_base.rstrip("/")
        self.http, self.asker, self.work, self.memory = http, asker, work, memory
        self.collections = collections

    async def reply(self, chat_id: str, question: str) -> None:
        text = await answer_text(self.asker, self.memory, f"zalo-bot:{chat_id}", question, self.collections)
        response = await self.http.post(
            f"{self.api_base}/bot{self.token}/sendMessage", json={"chat_id": chat_id, "text": text}
        )
        body = response.json()
        if not body.get("ok", False):
            raise ZaloError(f"Zalo Bot sendMessage failed: {body}")


router = APIRouter(tags=["bots"], include_in_schema=False)


@router.post("/zalo/oa")
async def zalo_oa(request: Request) -> Any:
    bot: ZaloOABot | None = request.app.state.zalo_oa
    if bot is None:
        raise NotFound("Zalo OA is not configured (see the README's Zalo section)")
    body = await request.body()
    payload = json_object(body)
    if not bot.signature_ok(body, text_field(payload, "timestamp"), request.headers.get("X-ZEvent-Signature", "")):
        raise Unauthorized("bad X-ZEvent-Signature", 'Zalo-Signature realm="zalo-oa"')
    if payload.get("event_name") == "user_send_text":
        user_id = text_field(payload, "sender", "id")
        text = text_field(payload, "message", "text").strip()
        if user_id and text:
            bot.work.submit(bot.reply(user_id, text), "zalo oa message")
    return {"ok": True}


@router.post("/zalo/bot")
async def zalo_bot(request: Request) -> Any:
    bot: ZaloBotPlatform | None = request.app.state.zalo_bot
    if bot is None:
        raise NotFound("Zalo Bot is not configured (see the README's Zalo section)")
    if not same_secret(bot.secret, request.headers.get("X-Bot-Api-Secret-Token", "")):
        raise Unauthorized("bad X-Bot-Api-Secret-Token", 'Zalo-Secret-Token realm="zalo-bot"')
    payload = json_object(await request.body())
    update = payload.get("result", payload)
    if isinstance(update, dict) and update.get("event_name") == "message.text.received":
        chat_id = text_field(update, "message", "chat", "id")
        text = text_field(update, "message", "text").strip()
        if chat_id and text:
            bot.work.submit(bot.reply(chat_id, text), "zalo bot message")
    return {"ok": True}
