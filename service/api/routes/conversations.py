"""Conversation history and feedback: GET/DELETE /v1/conversations…, POST /v1/feedback.  Everything is the
caller's own (`Principal.id`): another caller's conversation or message is a 404, as if it did not exist."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from service.api.deps import HistoryDep
from service.api.history_models import (
    ConversationDetail,
    ConversationInfo,
    ConversationsResponse,
    FeedbackRequest,
    FeedbackResponse,
    MessageInfo,
)
from service.api.models import ErrorResponse
from service.api.principal import principal_of
from service.history.store import Rating
from service.limits import CONVERSATIONS_LISTED_DEFAULT, CONVERSATIONS_LISTED_MAX

router = APIRouter(tags=["history"])
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No such conversation or message of yours"}
}


@router.get("/v1/conversations", response_model=ConversationsResponse)
def conversations(
    history: HistoryDep,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=CONVERSATIONS_LISTED_MAX)] = CONVERSATIONS_LISTED_DEFAULT,
) -> ConversationsResponse:
    """Your conversations, the most recently continued first."""
    found = history.conversations(principal_of(request).id, limit)
    return ConversationsResponse(conversations=[ConversationInfo.of(c) for c in found])


@router.get("/v1/conversations/{conversation_id}", response_model=ConversationDetail, responses=NOT_FOUND)
def conversation(conversation_id: str, history: HistoryDep, request: Request) -> ConversationDetail:
    """One of your conversations with its messages: each question with its answer, citations, confidence
    and the feedback given on it."""
    found, turns = history.conversation(principal_of(request).id, conversation_id)
    return ConversationDetail(**ConversationInfo.of(found).model_dump(), messages=[MessageInfo.of(t) for t in turns])


@router.delete("/v1/conversations/{conversation_id}", status_code=204, responses=NOT_FOUND)
def delete_conversation(conversation_id: str, history: HistoryDep, request: Request) -> Response:
    """Delete one of your conversations, with its messages and the feedback on them."""
    history.delete(principal_of(request).id, conversation_id)
    return Response(status_code=204)


@router.post("/v1/feedback", response_model=FeedbackResponse, responses=NOT_FOUND)
def feedback(body: FeedbackRequest, history: HistoryDep, request: Request) -> FeedbackResponse:
    """👍 or 👎 on an answer (its `message_id`), with an optional comment and the right answer if you know
    it; rating the same message again replaces the earlier feedback."""
    turn = history.rate(principal_of(request).id, body.message_id, Rating(body.rating), body.comment, body.expected)
    given = MessageInfo.of(turn).feedback
    assert given is not None  # just recorded
    return FeedbackResponse(message_id=turn.id, feedback=given)
