"""Request and response models of conversation history and feedback (service/history/)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.api.models import AskRequest, AskResponse
from service.history.store import Conversation, Turn
from service.limits import MAX_FEEDBACK_CHARS, MAX_ID_CHARS

ConversationId = Field(
    None,
    max_length=MAX_ID_CHARS,
    examples=[None],  # Swagger's "Try it out" sends no conversation (not "string", which would be a 404)
    description="Append this turn to one of your conversations (its follow-ups are resolved against it); "
    "the reply names it",
)
StoreField = Field(False, description="Remember this turn in a new conversation (implied by conversation_id)")


class AskInConversation(AskRequest):
    conversation_id: str | None = ConversationId
    store: bool = StoreField


class AskInConversationResponse(AskResponse):
    conversation_id: str | None = Field(None, description="The conversation the turn was stored in, if any")
    message_id: str | None = Field(None, description="The stored turn: POST /v1/feedback rates it")


def _time(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


class FeedbackInfo(BaseModel):
    rating: Literal["up", "down"]
    comment: str | None = None
    expected: str | None = None
    updated: dt.datetime


class MessageInfo(BaseModel):
    id: str = Field(description="The turn's id (POST /v1/feedback rates it)")
    question: str = Field(description="The question as it was asked")
    standalone: str = Field(description="The question as it was answered (a follow-up resolved)")
    content: str = Field(description="The reply as the chat API sent it")
    reply: dict[str, Any] = Field(description="The answer contract: answer, evidence, citations, confidence, …")
    created: dt.datetime
    feedback: FeedbackInfo | None = None

    @classmethod
    def of(cls, turn: Turn) -> MessageInfo:
        f = turn.feedback
        feedback = None
        if f is not None:
            feedback = FeedbackInfo(
                rating=f.rating.value, comment=f.comment, expected=f.expected, updated=_time(f.updated)
            )
        return cls(
            id=turn.id,
            question=turn.question,
            standalone=turn.standalone,
            content=turn.content,
            reply=turn.reply,
            created=_time(turn.created),
            feedback=feedback,
        )


class ConversationInfo(BaseModel):
    id: str
    title: str = Field(description="The start of its first question")
    created: dt.datetime
    updated: dt.datetime
    turns: int

    @classmethod
    def of(cls, c: Conversation) -> ConversationInfo:
        return cls(id=c.id, title=c.title, created=_time(c.created), updated=_time(c.updated), turns=c.turns)


class ConversationsResponse(BaseModel):
    conversations: list[ConversationInfo]


class ConversationDetail(ConversationInfo):
    messages: list[MessageInfo]


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message_id: str = Field(..., min_length=1, max_length=MAX_ID_CHARS, description="The answer's message_id")
    rating: Literal["up", "down"]
    comment: str | None = Field(None, max_length=MAX_FEEDBACK_CHARS, description="What was right or wrong")
    expected: str | None = Field(
        None, max_length=MAX_FEEDBACK_CHARS, description="The right answer, if you know it (for the export)"
    )

    @field_validator("comment", "expected")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None


class FeedbackResponse(BaseModel):
    message_id: str
    feedback: FeedbackInfo
