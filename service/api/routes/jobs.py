"""The jobs of the documents' writes: one by its id (its owner's or, for an admin, anyone's), or the caller's
newest."""

from fastapi import APIRouter, Request

from service.api.deps import JobsDep
from service.api.job_models import JobInfo, JobsResponse
from service.api.models import error_responses
from service.api.principal import Role, principal_of
from service.errors import NotFound
from service.limits import JOBS_LISTED

router = APIRouter(tags=["documents"])


@router.get("/v1/jobs", response_model=JobsResponse)
async def my_jobs(request: Request, jobs: JobsDep) -> JobsResponse:
    """The caller's newest jobs, newest first."""
    return JobsResponse(jobs=[JobInfo.of(j) for j in jobs.for_owner(principal_of(request).id, JOBS_LISTED)])


@router.get("/v1/jobs/{job_id}", response_model=JobInfo, responses=error_responses(404))
async def job(job_id: str, request: Request, jobs: JobsDep) -> JobInfo:
    """A job's status (queued, running, done, failed), progress (0-1, with its stage) and, when done, what
    its indexing run did: files added, updated, removed, and skipped with their reasons."""
    found = jobs.get(job_id)
    principal = principal_of(request)
    if found is None or (found.owner != principal.id and principal.role != Role.ADMIN):
        raise NotFound(f"no job {job_id!r}: GET /v1/jobs lists yours")
    return JobInfo.of(found)
