import time

from fastapi import APIRouter, Request

from service.api.deps import AskerDep, EngineDep
from service.api.models import AskRequest, AskResponse, ErrorResponse
from service.api.scoping import searched_collections
from service.asking import Question
from service.search import ExplicitFilters

router = APIRouter(tags=["answers"])


@router.post(
    "/v1/ask", response_model=AskResponse, responses={422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}
)
async def ask(request: AskRequest, asker: AskerDep, engine: EngineDep, http: Request) -> AskResponse:
    """Answer a question from the reports: a short answer, the sentence it came from, cited passages, and a
    calibrated confidence — or an honest refusal with its reason.  Only the collections the key sees are
    searched (`filters.collections` narrows them)."""
    start = time.perf_counter()
    asked = request.filters.collections if request.filters else None
    scope = searched_collections(http, engine, asked, "filters.collections")
    filters = request.filters.explicit(scope) if request.filters else ExplicitFilters(collections=scope)
    reply = await asker.answer_within_budget(Question.single(request.question, request.top_k, filters))
    http.app.state.metrics.answered(reply.answered)
    return AskResponse.of(reply.answer, reply.outcome, (time.perf_counter() - start) * 1000)
