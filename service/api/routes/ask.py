import time

from fastapi import APIRouter, Request

from service.api.deps import AskerDep
from service.api.models import AskRequest, AskResponse, ErrorResponse
from service.asking import Question

router = APIRouter(tags=["answers"])


@router.post(
    "/v1/ask", response_model=AskResponse, responses={422: {"model": ErrorResponse}, 503: {"model": ErrorResponse}}
)
async def ask(request: AskRequest, asker: AskerDep, http: Request) -> AskResponse:
    """Answer a question from the reports: a short answer, the sentence it came from, cited passages, and a
    calibrated confidence — or an honest refusal with its reason."""
    start = time.perf_counter()
    filters = request.filters.explicit() if request.filters else None
    reply = await asker.answer_within_budget(Question.single(request.question, request.top_k, filters))
    http.app.state.metrics.answered(reply.answered)
    return AskResponse.of(reply.answer, reply.outcome, (time.perf_counter() - start) * 1000)
