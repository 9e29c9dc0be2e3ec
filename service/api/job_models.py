"""Request and response models of the documents' writes and their jobs (POST/PUT/DELETE /v1/documents,
POST /v1/reindex, GET /v1/jobs)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from indexer.types import DEFAULT_COLLECTION
from service.jobs import Job

UPLOAD_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["files"],
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "collection": {"type": "string", "default": DEFAULT_COLLECTION},
                    },
                }
            }
        },
    }
}
REPLACE_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


class ReindexRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    collection: str = Field(DEFAULT_COLLECTION, description="The collection to index again from its folder")
    rebuild: bool = Field(False, description="Re-read and re-embed every file (else only new or changed ones)")


class SkippedInfo(BaseModel):
    source: str
    reason: str


class JobSummary(BaseModel):
    added: list[str]
    updated: list[str]
    removed: list[str]
    unchanged: int
    skipped: list[SkippedInfo] = Field(description="Files that could not be indexed, each with its reason")
    notes: list[str]
    documents: int
    chunks: int
    embedded_chunks: int
    published: bool
    generation: str | None


class JobInfo(BaseModel):
    id: str
    kind: Literal["upload", "replace", "delete", "reindex"]
    collection: str
    status: Literal["queued", "running", "done", "failed"]
    stage: str = Field(description="What the job is doing: reading, ocr, embedding, writing, done…")
    progress: float = Field(ge=0, le=1)
    files: list[str] = Field(description="The documents (source ids) the request touched")
    created_at: str
    started_at: str | None
    finished_at: str | None
    error: str | None = Field(description="Why the job failed")
    summary: JobSummary | None = Field(description="What the indexing run did, when it is done")

    @classmethod
    def of(cls, job: Job) -> JobInfo:
        return cls(
            id=job.id,
            kind=job.kind.value,  # type: ignore[arg-type]
            collection=job.collection,
            status=job.status.value,  # type: ignore[arg-type]
            stage=job.stage,
            progress=job.progress,
            files=list(job.files),
            created_at=job.created_at,
            started_at=job.started_at,
            finished_at=job.finished_at,
            error=job.error,
            summary=JobSummary.model_validate(job.summary) if job.summary else None,
        )


class JobsResponse(BaseModel):
    jobs: list[JobInfo]
