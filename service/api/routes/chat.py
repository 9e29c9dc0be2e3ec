"""OpenAI-compatible chat: POST /v1/chat/completions (streaming or not) and GET /v1/models."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from indexer.embedders import Embedder
from indexer.types import EmbedKind
from service.api.chat_models import MODEL_ID, ChatRequest, chunk, completion, usage
from service.api.deps import AskerDep, EngineDep, HistoryDep, HolderDep
from service.api.models import AskResponse, ErrorResponse
from service.api.principal import principal_of
from service.api.scoping import searched_collections
from service.asking import Question, Reply
from service.errors import ModelNotFound
from service.formatting.text import plain_text
from service.history.turns import turn_of
from service.search import ExplicitFilters

router = APIRouter(tags=["chat"])


@router.get("/v1/models")
async def models() -> dict[str, Any]:
    return {"object": "list", "data": [{"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "hoidap"}]}


def _extra(reply: Reply) -> dict[str, Any]:
    ask = AskResponse.of(reply.answer, reply.outcome, 0.0).model_dump(mode="json")
    return {
        "citations": ask["citations"],
        "hoidap": {
            "question": reply.question,
            "answer": ask["answer"],
            "evidence": ask["evidence"],
            "confidence": ask["confidence"],
            "outcome": ask["outcome"],
            "message": ask["message"],
            "notes": reply.notes,
            "query": ask["query"],
            "generation": {"mode": reply.mode, "fallback_reason": reply.fallback_reason},
        },
    }


def _content(reply: Reply) -> str:
    """What the assistant says: the answer (or refusal), notes, confidence, numbered sources."""
    return plain_text(reply.answer, reply.generated, reply.notes)


def _pieces(text: str) -> Iterator[str]:
    """The reply in small pieces (a few words each), as a model would stream it."""
    words = re.findall(r"\S+\s*|\s+", text)
    for i in range(0, len(words), 3):
        yield "".join(words[i : i + 3])


def token_counter(embedder: Embedder) -> Callable[[str], int]:
    """Tokens of a text as the embedder's tokenizer counts them, without the prompt and special tokens every
    count includes (an embedder without a tokenizer API counts words)."""
    count = getattr(embedder, "count_tokens", None)
    if count is None:
        return lambda text: len(text.split())
    overhead = count("", EmbedKind.PASSAGE)
    return lambda text: max(count(text, EmbedKind.PASSAGE) - overhead, 0) if text else 0


def _stream(
    reply: Reply, content: str, completion_id: str, created: int, used: dict[str, int] | None, stored: dict[str, str]
) -> Iterator[str]:
    def event(data: dict[str, Any]) -> str:
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"

    yield event(chunk(completion_id, created, {"role": "assistant", "content": ""}))
    for piece in _pieces(content):
        yield event(chunk(completion_id, created, {"content": piece}))
    yield event(chunk(completion_id, created, {}, "stop", _extra(reply) | stored))
    if used is not None:  # stream_options.include_usage: one last chunk with no choices, as OpenAI sends
        yield event(chunk(completion_id, created, None, extra={"usage": used}))
    yield "data: [DONE]\n\n"


@router.post(
    "/v1/chat/completions",
    response_model=None,
    responses={
        200: {
            "description": "A chat.completion, or with stream: a server-sent event stream of chunks",
            "content": {"application/json": {}, "text/event-stream": {}},
        },
        404: {"model": ErrorResponse, "description": "An unknown model (code model_not_found)"},
        422: {"model": ErrorResponse},
        503: {"model": ErrorResponse},
    },
)
async def chat_completions(
    request: ChatRequest, asker: AskerDep, holder: HolderDep, engine: EngineDep, history: HistoryDep, http: Request
) -> Any:
    """Chat with the reports the key sees.  Follow-up questions use the conversation; the reply answers its last
    (user) message, as the answer followed by numbered sources; the structured citations come in `citations`.
    With `store: true` (a new conversation) or a `conversation_id` (one of yours) the turn is remembered, and
    the reply names `conversation_id` and `message_id` (POST /v1/feedback rates it)."""
    if request.model != MODEL_ID:
        raise ModelNotFound(f"The model {request.model!r} does not exist: this service has {MODEL_ID!r}", "model")
    owner = principal_of(http).id
    if request.conversation_id is not None:
        history.require(owner, request.conversation_id)  # another caller's conversation: 404 before answering
    filters = ExplicitFilters(collections=searched_collections(http, engine, request.collections))
    reply = await asker.answer_within_budget(Question(tuple(request.user_messages()), request.top_k, filters))
    http.app.state.metrics.answered(reply.answered)
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex[:24]}", int(time.time())
    content = _content(reply)
    stored: dict[str, str] = {}
    if request.store or request.conversation_id is not None:
        turn = turn_of(request.user_messages()[-1], reply, content)
        conversation_id, message_id = history.append(owner, request.conversation_id, turn)
        stored = {"conversation_id": conversation_id, "message_id": message_id}
    used = usage([m.text() for m in request.messages], content, token_counter(holder.embedder))
    if request.stream:
        include_usage = request.stream_options is not None and request.stream_options.include_usage
        return StreamingResponse(
            _stream(reply, content, completion_id, created, used if include_usage else None, stored),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    return completion(completion_id, created, content, used, _extra(reply) | stored)
