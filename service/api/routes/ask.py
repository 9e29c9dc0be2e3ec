import time

from fastapi import APIRouter, Request

from service.api.deps import AskerDep, EngineDep, HistoryDep
from service.api.history_models import AskInConversation, AskInConversationResponse
from service.api.models import AskResponse, ErrorResponse
from service.api.principal import principal_of
from service.api.scoping import searched_collections
from service.asking import Question
from service.formatting.text import plain_text
from service.history.turns import turn_of
from service.limits import MAX_CHAT_MESSAGES
from service.search import ExplicitFilters

router = APIRouter(tags=["answers"])


@router.post(
    "/v1/ask",
    response_model=AskInConversationResponse,
    responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
)
async def ask(
    request: AskInConversation, asker: AskerDep, engine: EngineDep, history: HistoryDep, http: Request
) -> AskInConversationResponse:
    """Answer a question from the reports: a short answer, the sentence it came from, cited passages, and a
    calibrated confidence — or an honest refusal with its reason.  Only the collections the key sees are
    searched (`filters.collections` narrows them).  With `store: true` or a `conversation_id` the turn is
    remembered (a follow-up is resolved against the conversation's earlier questions) and the reply names
    `conversation_id` and `message_id`."""
    start = time.perf_counter()
    owner = principal_of(http).id
    earlier = history.questions(owner, request.conversation_id) if request.conversation_id is not None else []
    earlier = earlier[-(MAX_CHAT_MESSAGES - 1) :]  # as many as a chat request may carry
    narrowed = request.filters.collections if request.filters else None
    scope = searched_collections(http, engine, narrowed, "filters.collections")
    filters = request.filters.explicit(scope) if request.filters else ExplicitFilters(collections=scope)
    asked = Question((*earlier, request.question), request.top_k, filters)
    reply = await asker.answer_within_budget(asked)
    http.app.state.metrics.answered(reply.answered)
    answered = AskResponse.of(reply.answer, reply.outcome, (time.perf_counter() - start) * 1000)
    body = AskInConversationResponse(**answered.model_dump())
    if request.store or request.conversation_id is not None:
        turn = turn_of(request.question, reply, plain_text(reply.answer, reply.generated, reply.notes))
        body.conversation_id, body.message_id = history.append(owner, request.conversation_id, turn)
    return body
