import time

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from service.api.deps import EngineDep
from service.api.models import AskRequest, AskResponse, ErrorResponse

router = APIRouter(tags=["answers"])


@router.post(
    "/v1/ask", response_model=AskResponse, responses={422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}
)
async def ask(request: AskRequest, engine: EngineDep) -> AskResponse:
    """Answer a question from the reports: a short answer, the sentence it came from, cited passages."""
    start = time.perf_counter()
    filters = request.filters.explicit() if request.filters else None
    answer, outcome = await run_in_threadpool(engine.ask, request.question, request.top_k, filters)
    return AskResponse.of(answer, outcome, (time.perf_counter() - start) * 1000)
