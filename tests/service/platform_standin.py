"""Stand-ins for Slack's Web API, Slack response URLs, the Zalo OA API and OAuth, and the Zalo Bot API, on
127.0.0.1, recording what they receive.  The OA API answers "token expired" to the token "expired-token"."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Request

from tests.servers import ThreadedServer

app = FastAPI()
received: list[dict[str, Any]] = []


def record(kind: str, body: Any, headers: dict[str, str]) -> None:
    received.append({"kind": kind, "body": body, "headers": headers})


async def _body(request: Request) -> Any:
    if request.headers.get("content-type", "").startswith("application/json"):
        return await request.json()
    return {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}


@app.post("/api/chat.postMessage")
async def post_message(request: Request) -> dict[str, Any]:
    record("slack.postMessage", await _body(request), dict(request.headers))
    return {"ok": True, "ts": "1700000000.000200"}


@app.post("/api/views.open")
async def views_open(request: Request) -> dict[str, Any]:
    record("slack.views.open", await _body(request), dict(request.headers))
    return {"ok": True, "view": {"id": "V1"}}


@app.post("/response/{hook}")
async def response_url(hook: str, request: Request) -> str:
    record(f"slack.response.{hook}", await request.json(), dict(request.headers))
    return "ok"


@app.post("/v3.0/oa/message/cs")
async def oa_message(request: Request) -> dict[str, Any]:
    body = await request.json()
    token = request.headers.get("access_token", "")
    record("zalo.oa.send", {"token": token, **body}, dict(request.headers))
    if token == "expired-token":
        return {"error": -216, "message": "Access token is invalid"}
    return {"error": 0, "message": "Success", "data": {"message_id": "m1", "user_id": body["recipient"]["user_id"]}}


@app.post("/v4/oa/access_token")
async def oa_refresh(request: Request) -> dict[str, Any]:
    record("zalo.oa.refresh", await _body(request), dict(request.headers))
    return {"access_token": "fresh-token", "refresh_token": "fresh-refresh", "expires_in": "90000"}


@app.post("/bot{token}/sendMessage")
async def bot_send(token: str, request: Request) -> dict[str, Any]:
    record("zalo.bot.send", {"token": token, **(await request.json())}, dict(request.headers))
    return {"ok": True, "result": {"message_id": "1"}}


def wait_for(kind: str, count: int = 1, timeout: float = 30.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [r for r in received if r["kind"] == kind]
        if len(found) >= count:
            return found
        time.sleep(0.05)
    return [r for r in received if r["kind"] == kind]


def platform_standin() -> ThreadedServer:
    return ThreadedServer(app)
