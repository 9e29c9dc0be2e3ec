"""Access and limits for /v1/*: API keys (named keys in the service's database, service/keys.py, and the
shared digests of HOIDAP_API_KEYS), per-key rate limits with 429 and Retry-After, and the request-body guard
(413 past the size limit, chunked or not; 400 for text that is not UTF-8).  The per-request time budget is
service/asking.py's."""

from __future__ import annotations

import hmac
import json
import math
import time
from collections.abc import Callable

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.principal import ANONYMOUS, Principal, Role
from service.errors import ServiceError, Unauthorized, error_body
from service.keys import KeyStore, key_digest
from service.settings import Settings

__all__ = ["RateLimiter", "RequestBodyGuard", "TooManyRequests", "authorize", "key_digest"]


class TooManyRequests(ServiceError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


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
    """Dependency of every /v1/* route: who the caller is (`request.state.principal`), then its rate limit.
    A key is required when HOIDAP_API_KEYS is set or the database holds keys; it is looked up on every request
    (one indexed SQLite read), so a key made or revoked with `hoidap keys` counts from the next request on."""
    settings: Settings = request.app.state.settings
    keys: KeyStore = request.app.state.keys
    caller = request.client.host if request.client else "unknown"
    required = bool(settings.api_keys) or keys.any()
    if required:
        header = request.headers.get("authorization", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthorized("an API key is required: send `Authorization: Bearer <key>`")
        digest = key_digest(key.strip())
        caller = digest[:16]
        if any(hmac.compare_digest(digest, known) for known in settings.api_keys):
            # HOIDAP_API_KEYS: one shared key (or a few), each allowed everything, as before keys had names
            request.state.principal = Principal(f"shared:{caller}", f"shared key {caller[:8]}", Role.ADMIN, None)
        elif (named := keys.find(digest)) is not None and named.revoked_at is None:
            request.state.principal = named.principal
        else:
            revoked = named is not None
            raise Unauthorized("the API key was revoked" if revoked else "the API key is not valid")
    else:
        request.state.principal = ANONYMOUS
    request.app.state.rate_limiter.check(caller)


_TEXT_TYPES = (b"application/json", b"application/x-www-form-urlencoded", b"text/")


class UploadTooLarge(ServiceError):
    status = 413
    code = "too_large"


class RequestBodyGuard:
    """Reads each request body before the app does, at most `limit` bytes: 413 past the limit whether it was
    announced by Content-Length or sent chunked, 400 for a JSON, form or text body that is not UTF-8.  The app
    then reads the buffered body; bodies are small (64 KiB by default), so nothing streams through.

    Uploads (`is_upload(method, path)`) are the exception: up to `upload_limit` bytes, streamed to the route
    (which spools the files to disk), counted as they come; past the limit the route's read fails with 413."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        upload_limit: int = 0,
        is_upload: Callable[[str, str], bool] | None = None,
    ) -> None:
        self.app, self.limit = app, limit
        self.upload_limit, self.is_upload = upload_limit, is_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        if self.is_upload is not None and self.is_upload(scope["method"], scope["path"]):
            await self._upload(scope, receive, send, headers.get(b"content-length"))
            return
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            announced = f"of {int(length):,} bytes " if length.isdigit() else ""
            await _reject(send, 413, "too_large", f"request body {announced}over the {self.limit:,}-byte limit")
            return
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if len(body) > self.limit:
                how = "sent chunked " if length is None else ""
                await _reject(send, 413, "too_large", f"request body {how}over the {self.limit:,}-byte limit")
                return
            if not message.get("more_body", False):
                break
        content_type = headers.get(b"content-type", b"").lower()
        if body and content_type.startswith(_TEXT_TYPES):
            try:
                body.decode("utf-8")
            except UnicodeDecodeError as exc:
                where = f"byte 0x{body[exc.start]:02x} at position {exc.start}"
                await _reject(send, 400, "invalid_body", f"the request body is not UTF-8 text ({where})")
                return
        replayed = False

        async def buffered() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # after the body: wait for the disconnect, as streaming responses do
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, buffered, send)

    async def _upload(self, scope: Scope, receive: Receive, send: Send, length: bytes | None) -> None:
        limit = self.upload_limit
        megabytes = f"{limit / (1024 * 1024):,.0f} MB"
        if length is not None and (not length.isdigit() or int(length) > limit):
            announced = f"of {int(length) / (1024 * 1024):,.1f} MB " if length.isdigit() else ""
            message = f"upload {announced}over the {megabytes} limit (HOIDAP_MAX_UPLOAD_MB): send fewer files at once"
            await _reject(send, 413, "too_large", message)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise UploadTooLarge(f"upload sent chunked over the {megabytes} limit (HOIDAP_MAX_UPLOAD_MB)")
            return message

        await self.app(scope, counted, send)


async def _reject(send: Send, status: int, code: str, message: str) -> None:
    body = json.dumps(error_body(status, code, message)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
