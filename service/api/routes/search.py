import time

from fastapi import APIRouter, Request

from service.api.deps import EngineDep, SettingsDep
from service.api.models import ErrorResponse, SearchRequest, SearchResponse
from service.api.scoping import searched_collections
from service.asking import within_budget
from service.search import ExplicitFilters

router = APIRouter(tags=["search"])


@router.post(
    "/v1/search",
    response_model=SearchResponse,
    responses={422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}},
)
async def search(request: SearchRequest, engine: EngineDep, settings: SettingsDep, http: Request) -> SearchResponse:
    """Passages that match a question, best first (hybrid dense + BM25, province and date aware), from the
    collections the key sees (`filters.collections` narrows them)."""
    start = time.perf_counter()
    asked = request.filters.collections if request.filters else None
    scope = searched_collections(http, engine, asked, "filters.collections")
    filters = request.filters.explicit(scope) if request.filters else ExplicitFilters(collections=scope)
    outcome = await within_budget(
        settings.request_timeout_seconds, engine.search, request.question, request.top_k, filters, request.mode
    )
    return SearchResponse.of(outcome, (time.perf_counter() - start) * 1000)
