import time

from fastapi import APIRouter, Request

from service.api.access import within_budget
from service.api.deps import EngineDep
from service.api.models import ErrorResponse, SearchRequest, SearchResponse

router = APIRouter(tags=["search"])


@router.post(
    "/v1/search",
    response_model=SearchResponse,
    responses={422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
)
async def search(request: SearchRequest, engine: EngineDep, http: Request) -> SearchResponse:
    """Passages that match a question, best first (hybrid dense + BM25, province and date aware)."""
    start = time.perf_counter()
    filters = request.filters.explicit() if request.filters else None
    outcome = await within_budget(http, engine.search, request.question, request.top_k, filters, request.mode)
    return SearchResponse.of(outcome, (time.perf_counter() - start) * 1000)
