"""Which bots run: each one whose secrets are configured; the others' endpoints answer 404."""

from __future__ import annotations

from typing import Any

import httpx

from service.asking import Asker
from service.bots.slack import SlackBot
from service.bots.work import BackgroundWork
from service.bots.zalo import TokenStore, ZaloBotPlatform, ZaloOABot, ZaloOAClient
from service.chat.memory import ConversationMemory
from service.history.store import HistoryStore
from service.settings import Settings


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None


class Bots:
    def __init__(self, settings: Settings, asker: Asker, history: HistoryStore) -> None:
        s = settings
        self.work = BackgroundWork(s.bot_max_pending)
        self.memory = ConversationMemory()
        self.http = httpx.AsyncClient(timeout=15)
        self.slack: SlackBot | None = None
        self.zalo_oa: ZaloOABot | None = None
        self.zalo_bot: ZaloBotPlatform | None = None
        if s.slack_bot_token and s.slack_signing_secret:
            self.slack = SlackBot(
                _secret(s.slack_bot_token) or "",
                _secret(s.slack_signing_secret) or "",
                s.slack_api_base_url,
                asker,
                self.work,
                self.memory,
                history,
                s.bot_collections(s.slack_collections),
            )
        if s.zalo_oa_app_id and s.zalo_oa_secret_key and s.zalo_oa_access_token:
            tokens = TokenStore(
                s.zalo_oa_token_file, _secret(s.zalo_oa_access_token) or "", _secret(s.zalo_oa_refresh_token)
            )
            client = ZaloOAClient(
                s.zalo_oa_api_base_url,
                s.zalo_oauth_base_url,
                s.zalo_oa_app_id,
                _secret(s.zalo_oa_app_secret),
                tokens,
                self.http,
            )
            self.zalo_oa = ZaloOABot(
                s.zalo_oa_app_id,
                _secret(s.zalo_oa_secret_key) or "",
                client,
                asker,
                self.work,
                self.memory,
                s.bot_collections(s.zalo_oa_collections),
            )
        if s.zalo_bot_token and s.zalo_bot_secret_token:
            self.zalo_bot = ZaloBotPlatform(
                _secret(s.zalo_bot_token) or "",
                _secret(s.zalo_bot_secret_token) or "",
                s.zalo_bot_api_base_url,
                self.http,
                asker,
                self.work,
                self.memory,
                s.bot_collections(s.zalo_bot_collections),
            )

    async def close(self) -> None:
        await self.work.drain()
        await self.http.aclose()
