"""One JSON log line per request (id, route, status, time, the key's name and the collections searched; the
question only when configured) and Prometheus
metrics at /metrics: requests, latency, answers vs refusals, index generation and size."""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sys
import time
import uuid

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("hoidap.access")
_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:-]{1,64}")  # a caller's X-Request-Id is kept only in this form


def configure_access_log() -> None:
    """JSON lines to stdout, in every worker process (spawned workers do not inherit logging setup)."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


class Metrics:
    """Metrics of one app (its own registry: several apps can live in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("hoidap_requests", "HTTP requests", ["route", "status"], registry=self.registry)
        self.latency = Histogram(
            "hoidap_request_seconds",
            "Request latency",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30),
        )
        self.answers = Counter("hoidap_answers", "Answers given and refused", ["outcome"], registry=self.registry)
        self.generation = Gauge("hoidap_index_generation", "Serving index generation number", registry=self.registry)
        self.documents = Gauge("hoidap_index_documents", "Documents in the serving index", registry=self.registry)
        self.chunks = Gauge("hoidap_index_chunks", "Chunks in the serving index", registry=self.registry)

    def answered(self, answered: bool) -> None:
        self.answers.labels("answered" if answered else "refused").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class RequestLog:
    """ASGI middleware: request id header, access log line, request metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics, log_questions: bool = False) -> None:
        self.app, self.metrics, self.log_questions = app, metrics, log_questions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"")
        request_id = given.decode() if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        start = time.perf_counter()
        status = 500
        question: str | None = None

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        async def receiving() -> Message:
            nonlocal question
            message = await receive()
            if self.log_questions and message.get("body"):
                with contextlib.suppress(ValueError, AttributeError):
                    question = json.loads(message["body"]).get("question")
            return message

        try:
            await self.app(scope, receiving, sending)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            seconds = time.perf_counter() - start
            self.metrics.requests.labels(path, str(status)).inc()
            self.metrics.latency.labels(path).observe(seconds)
            line = {
                "request_id": request_id,
                "method": scope.get("method"),
                "route": path,
                "status": status,
                "ms": round(seconds * 1000, 1),
            }
            line.update(_audit(scope))
            if question:
                line["question"] = question
            log.info(json.dumps(line, ensure_ascii=False))


def _audit(scope: Scope) -> dict[str, object]:
    """Who asked (the key's name, never the key) and the collections searched, as the request left them in
    its state (service/api/access.py, service/api/scoping.py)."""
    state = scope.get("state") or {}
    audit: dict[str, object] = {}
    principal = state.get("principal")
    if principal is not None:
        audit["key"] = principal.name
        audit["key_id"] = principal.id
    if "collections" in state:
        searched = state["collections"]
        audit["collections"] = "*" if searched is None else sorted(searched)
    return audit


def metrics_response(request: Request) -> bytes:
    metrics: Metrics = request.app.state.metrics
    engine = request.app.state.holder.engine
    if engine is not None:
        metrics.generation.set(int(engine.generation.split("-")[-1]))
        metrics.documents.set(engine.index.manifest.counts.get("documents", 0))
        metrics.chunks.set(engine.index.manifest.counts.get("chunks", 0))
    return metrics.render()
