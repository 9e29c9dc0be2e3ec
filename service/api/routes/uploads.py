"""Changing the documents: upload (several files at once; a name already there is replaced), replace, delete
and re-index.  Each keeps the files in the collection's folder (service/document_files.py) and answers 202
with a job that indexes the collection in the background (service/job_runner.py); GET /v1/jobs/{id} follows
it.  Writes need `can_edit` on the collection."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from indexer.types import DEFAULT_COLLECTION, Document, collection_source
from service.api.deps import HolderDep, JobRunnerDep, JobsDep, SettingsDep
from service.api.job_models import REPLACE_FORM, UPLOAD_FORM, JobInfo, ReindexRequest
from service.api.models import error_responses
from service.api.principal import Principal, Role, principal_of
from service.document_files import (
    DocumentFile,
    Upload,
    check_uploads,
    checked_collection,
    checked_name,
    collection_folder,
    document_file,
    known_collections,
    store,
)
from service.engine import EngineHolder
from service.errors import Forbidden, InvalidRequest, NotFound, ServiceError, UnsupportedType
from service.job_runner import JobRunner
from service.jobs import JobKind, JobStore
from service.limits import MAX_UPLOAD_FILES
from service.settings import Settings

router = APIRouter(tags=["documents"])
WRITE_ERRORS = error_responses(403, 404, 409, 413, 415, 422)
MIB = 1024 * 1024


def is_upload(method: str, path: str) -> bool:
    """The requests whose body is files (the body guard lets them through up to HOIDAP_MAX_UPLOAD_MB)."""
    return (method == "POST" and path == "/v1/documents") or (method == "PUT" and path.startswith("/v1/documents/"))


def may_edit(principal: Principal, collection: str) -> None:
    if principal.can_edit(collection):
        return
    if principal.role == Role.READER:
        raise Forbidden("this key may read documents but not change them: an editor or admin key is needed")
    allowed = f" (it may change {', '.join(sorted(principal.collections))})" if principal.collections else ""
    raise Forbidden(f"this key may not change documents in collection {collection!r}{allowed}")


async def _form(request: Request) -> FormData:
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise UnsupportedType("send the files as multipart/form-data", param="files")
    return await request.form(max_files=MAX_UPLOAD_FILES, max_fields=8)


def _uploads(form: FormData, field: str) -> list[Upload]:
    values = form.getlist(field)
    if any(not isinstance(v, UploadFile) for v in values):
        raise InvalidRequest(f"`{field}` must hold files, not text", param=field)
    return [Upload(checked_name(v.filename), v.size or 0, v.file) for v in values if isinstance(v, UploadFile)]


def _unwritable(folder: Path, exc: OSError) -> ServiceError:
    return ServiceError(
        f"the service could not change {folder} ({exc.strerror or exc}): give the user it runs as write access "
        "there, or free some disk space"
    )


async def _keep(target: Path, upload: Upload) -> None:
    try:
        await run_in_threadpool(store, target, upload)
    except OSError as exc:
        raise _unwritable(target.parent, exc) from exc


def _indexed(holder: EngineHolder, source: str) -> Document | None:
    try:
        return holder.current().index.store.document(source)
    except ServiceError:  # no index yet: only kept files can be found
        return None


def _queue(
    jobs: JobStore,
    runner: JobRunner,
    request: Request,
    kind: JobKind,
    collection: str,
    folder: Path,
    files: list[str],
    rebuild: bool = False,
) -> JobInfo:
    job = jobs.create(principal_of(request).id, kind, collection, folder, files, rebuild)
    runner.wake()
    return JobInfo.of(job)


@router.post(
    "/v1/documents", status_code=202, response_model=JobInfo, openapi_extra=UPLOAD_FORM, responses=WRITE_ERRORS
)
async def upload(request: Request, settings: SettingsDep, jobs: JobsDep, runner: JobRunnerDep) -> JobInfo:
    """Upload one or more files (multipart field `files`) into a collection (field `collection`, default
    "default"); a file whose name is already there replaces it.  202: the job that indexes them."""
    form = await _form(request)
    try:
        collection = form.get("collection") or DEFAULT_COLLECTION
        if not isinstance(collection, str):
            raise InvalidRequest("`collection` must be text", param="collection")
        checked_collection(collection)
        may_edit(principal_of(request), collection)
        uploads = _uploads(form, "files")
        check_uploads(uploads, settings.max_file_mb * MIB)
        folder = collection_folder(settings, collection)
        for item in uploads:
            await _keep(folder / item.name, item)
    finally:
        await form.close()
    sources = [collection_source(collection, u.name) for u in uploads]
    return _queue(jobs, runner, request, JobKind.UPLOAD, collection, folder, sources)


@router.put(
    "/v1/documents/{source:path}",
    status_code=202,
    response_model=JobInfo,
    openapi_extra=REPLACE_FORM,
    responses=WRITE_ERRORS,
)
async def replace(
    source: str, request: Request, settings: SettingsDep, holder: HolderDep, jobs: JobsDep, runner: JobRunnerDep
) -> JobInfo:
    """Replace a document's file with a new version of the same type (multipart field `file`)."""
    target = _editable(request, settings, holder, source)
    form = await _form(request)
    try:
        uploads = _uploads(form, "file")
        if len(uploads) != 1:
            raise InvalidRequest("send exactly one file in the multipart field `file`", param="file")
        check_uploads(uploads, settings.max_file_mb * MIB)
        suffix = PurePosixPath(uploads[0].name).suffix.lower()
        if suffix != target.path.suffix.lower():
            raise InvalidRequest(
                f"{source!r} is a {target.path.suffix} file; replace it with a file of the same type, or delete "
                "it and upload the new one",
                param="file",
            )
        await _keep(target.path, uploads[0])
    finally:
        await form.close()
    return _queue(jobs, runner, request, JobKind.REPLACE, target.collection, target.folder, [target.source])


@router.delete("/v1/documents/{source:path}", status_code=202, response_model=JobInfo, responses=WRITE_ERRORS)
async def delete(
    source: str, request: Request, settings: SettingsDep, holder: HolderDep, jobs: JobsDep, runner: JobRunnerDep
) -> JobInfo:
    """Delete a document: its file is removed from the collection's folder and the collection re-indexed."""
    target = _editable(request, settings, holder, source)
    try:
        target.path.unlink(missing_ok=True)
    except OSError as exc:
        raise _unwritable(target.folder, exc) from exc
    return _queue(jobs, runner, request, JobKind.DELETE, target.collection, target.folder, [target.source])


@router.post("/v1/reindex", status_code=202, response_model=JobInfo, responses=WRITE_ERRORS)
async def reindex(
    body: ReindexRequest, request: Request, settings: SettingsDep, jobs: JobsDep, runner: JobRunnerDep
) -> JobInfo:
    """Index a collection again from its folder (files changed there by hand; `rebuild`: re-read everything)."""
    collection = checked_collection(body.collection)
    principal = principal_of(request)
    folder = collection_folder(settings, collection)
    if not principal.can_read(collection) or (
        collection not in known_collections(settings.index_dir) and not folder.is_dir()
    ):
        raise NotFound(f"no collection {collection!r}: upload files to make it")
    may_edit(principal, collection)
    return _queue(jobs, runner, request, JobKind.REINDEX, collection, folder, [], body.rebuild)


def _editable(request: Request, settings: Settings, holder: EngineHolder, source: str) -> DocumentFile:
    """The file of a document the caller may change: 404 as if it did not exist when the caller cannot read
    its collection, 403 when it can read but not change it."""
    target = document_file(settings, source, _indexed(holder, source))
    principal = principal_of(request)
    if not principal.can_read(target.collection):
        raise NotFound(f"no document {source!r}: GET /v1/documents lists them")
    may_edit(principal, target.collection)
    return target
