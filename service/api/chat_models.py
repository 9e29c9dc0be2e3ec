"""OpenAI-compatible chat models (what Open WebUI, LibreChat and the openai client send and expect)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from indexer.types import check_collection
from service.limits import MAX_CHAT_MESSAGES, MAX_ID_CHARS, MAX_QUESTION_CHARS, TOP_K_DEFAULT, TOP_K_MAX, TOP_K_MIN

MODEL_ID = "hoidap"


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str = "text"
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")

    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(p.text for p in self.content if p.text)
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens… are accepted and ignored

    model: str = Field(MODEL_ID, description=f"Only {MODEL_ID!r} (GET /v1/models); another is a 404")
    messages: list[ChatMessage] = Field(..., min_length=1, max_length=MAX_CHAT_MESSAGES)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(1, description="Choices to generate: only 1 is supported")
    top_k: int = Field(TOP_K_DEFAULT, ge=TOP_K_MIN, le=TOP_K_MAX, description="Passages to cite (hoidap extension)")
    store: bool = Field(False, description="Remember this turn in a new conversation (OpenAI's `store`)")
    conversation_id: str | None = Field(
        None,
        max_length=MAX_ID_CHARS,
        examples=[None],
        description="Append this turn to one of your conversations (hoidap extension)",
    )
    collections: list[str] | None = Field(
        None, description="Only these collections, within the key's own (hoidap extension)", examples=[["so-tai-chinh"]]
    )

    @field_validator("collections")
    @classmethod
    def _collection_names(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("give at least one collection, or leave `collections` out to search all the key sees")
        return [check_collection(name) for name in value]

    @field_validator("messages")
    @classmethod
    def _ends_with_a_question(cls, messages: list[ChatMessage]) -> list[ChatMessage]:
        """The reply answers the last message, so it must be the user's: a conversation that ends with the
        assistant's (or a system) message has nothing new to answer."""
        last = messages[-1]
        if last.role != "user":
            raise ValueError(f"the conversation must end with a user message (the last one is {last.role!r})")
        if not last.text().strip():
            raise ValueError("the last user message is empty")
        if len(last.text()) > MAX_QUESTION_CHARS:
            raise ValueError(f"the last user message is over {MAX_QUESTION_CHARS:,} characters")
        return messages

    @field_validator("n")
    @classmethod
    def _one_choice(cls, n: int) -> int:
        if n != 1:
            raise ValueError("only n=1 is supported: there is one answer to a question")
        return n

    def user_messages(self) -> list[str]:
        return [m.text() for m in self.messages if m.role == "user"]


def usage(prompt: list[str], completion: str, count_tokens: Callable[[str], int]) -> dict[str, int]:
    """Token counts as the embedder's tokenizer counts them (the only tokenizer this service has)."""
    prompt_tokens = sum(count_tokens(text) for text in prompt)
    completion_tokens = count_tokens(completion)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }


def completion(
    completion_id: str, created: int, content: str, used: dict[str, int], extra: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": MODEL_ID,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": used,
        **extra,
    }


def chunk(
    completion_id: str,
    created: int,
    delta: dict[str, Any] | None,
    finish: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A chat.completion.chunk; `delta=None` makes the usage-only chunk (no choices) that ends a stream."""
    choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return {
        "id": completion_id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "choices": choices,
        **(extra or {}),
    }
