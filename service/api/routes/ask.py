import time

from fastapi import APIRouter, Request

from service.api.access import within_budget
from service.api.deps import EngineDep
from service.api.models import AskRequest, AskResponse, ErrorResponse

router = APIRouter(tags=["answers"])


@router.post(
    "/v1/ask", response_model=AskResponse, responses={422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}
)
async def ask(request: AskRequest, engine: EngineDep, http: Request) -> AskResponse:
    """Answer a question from the reports: a short answer, the sentence it came from, cited passages."""
    start = time.perf_counter()
    filters = request.filters.explicit() if request.filters else None
    answer, outcome = await within_budget(http, engine.ask, request.question, request.top_k, filters)
    http.app.state.metrics.answered(answer.answer is not None)
    return AskResponse.of(answer, outcome, (time.perf_counter() - start) * 1000)
