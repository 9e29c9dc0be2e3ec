"""A turn as it is remembered: the answer contract of a Reply (what the page needs to show it again)."""

from __future__ import annotations

from typing import Any

from service.api.models import AskResponse
from service.asking import Reply
from service.history.store import Turn


def contract(reply: Reply) -> dict[str, Any]:
    """The answer contract of /v1/ask for a reply (without timing), with the chat's generation mode."""
    body = AskResponse.of(reply.answer, reply.outcome, 0.0).model_dump(mode="json", exclude={"took_ms"})
    body["notes"] = reply.notes
    body["generation"] = {"mode": reply.mode, "fallback_reason": reply.fallback_reason}
    return body


def turn_of(question: str, reply: Reply, content: str) -> Turn:
    """A new turn (id, conversation and position are given by HistoryStore.append)."""
    return Turn("", "", 0, question, reply.question, content, contract(reply), 0.0)
