import time

from fastapi import APIRouter

from service.api.deps import EngineDep, SettingsDep
from service.api.models import ErrorResponse, SearchRequest, SearchResponse
from service.asking import within_budget

router = APIRouter(tags=["search"])


@router.post(
    "/v1/search",
    response_model=SearchResponse,
    responses={422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
)
async def search(request: SearchRequest, engine: EngineDep, settings: SettingsDep) -> SearchResponse:
    """Passages that match a question, best first (hybrid dense + BM25, province and date aware)."""
    start = time.perf_counter()
    filters = request.filters.explicit() if request.filters else None
    outcome = await within_budget(
        settings.request_timeout_seconds, engine.search, request.question, request.top_k, filters, request.mode
    )
    return SearchResponse.of(outcome, (time.perf_counter() - start) * 1000)
