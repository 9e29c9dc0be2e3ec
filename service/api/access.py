"""Access and limits for /v1/*: API keys (kept as sha256 digests), per-key rate limits with 429 and
Retry-After, a request-body size limit (413), and the per-request time budget."""

from __future__ import annotations

import functools
import hashlib
import hmac
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import ServiceError
from service.settings import Settings

T = TypeVar("T")


class Unauthorized(ServiceError):
    status = 401
    code = "unauthorized"


class TooManyRequests(ServiceError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooSlow(ServiceError):
    status = 503
    code = "timeout"


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class RateLimiter:
    """A token bucket per caller: `per_minute` requests a minute, bursts up to the same number."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, tuple[float, float]] = {}

    def check(self, caller: str) -> None:
        if self.per_minute <= 0:
            return
        now = time.monotonic()
        rate = self.per_minute / 60.0
        tokens, last = self._buckets.get(caller, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * rate)
        if tokens < 1.0:
            wait = math.ceil((1.0 - tokens) / rate)
            self._buckets[caller] = (tokens, now)
            raise TooManyRequests(f"rate limit of {self.per_minute} requests a minute reached", wait)
        self._buckets[caller] = (tokens - 1.0, now)
        if len(self._buckets) > 100_000:  # forget idle callers
            self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 120}


def authorize(request: Request) -> None:
    """Dependency of every /v1/* route: the key when keys are configured, then the caller's rate limit."""
    settings: Settings = request.app.state.settings
    caller = request.client.host if request.client else "unknown"
    if settings.api_keys:
        header = request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key:
            raise Unauthorized("an API key is required: send `Authorization: Bearer <key>`")
        digest = key_digest(key.strip())
        if not any(hmac.compare_digest(digest, known) for known in settings.api_keys):
            raise Unauthorized("the API key is not valid")
        caller = digest[:16]
    request.app.state.rate_limiter.check(caller)


async def within_budget(request: Request, work: Callable[..., T], *args: Any) -> T:
    """Run blocking work in the thread pool within the request time budget (503 past it)."""
    budget = request.app.state.settings.request_timeout_seconds
    try:
        # A thread cannot be stopped: past the budget its result is abandoned and the caller answered now.
        with anyio.fail_after(budget):
            return await anyio.to_thread.run_sync(functools.partial(work, *args), abandon_on_cancel=True)
    except TimeoutError as exc:
        raise TooSlow(f"the answer took longer than {budget:g} s; try again or narrow the question") from exc


class BodySizeLimit:
    """413 for request bodies over `limit` bytes, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await self._reject(send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await self._reject(send)

    async def _reject(self, send: Send) -> None:
        body = b'{"error": {"code": "too_large", "message": "request body over the size limit"}}'
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
