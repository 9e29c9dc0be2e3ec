from typing import Annotated

from fastapi import APIRouter, Query, Request

from indexer.store import ListedDocument
from indexer.types import Document
from service.api.deps import EngineDep
from service.api.models import (
    CollectionInfo,
    CollectionsResponse,
    DocumentInfo,
    DocumentsResponse,
    DocumentText,
    ErrorResponse,
    collection_names,
)
from service.api.principal import principal_of
from service.api.scoping import searched_collections, visible_collections
from service.errors import InvalidRequest, NotFound
from service.limits import DOCUMENTS_PAGE_DEFAULT, DOCUMENTS_PAGE_MAX

router = APIRouter(tags=["documents"])


def _info(d: Document) -> DocumentInfo:
    return DocumentInfo(
        source=d.source,
        collection=d.collection,
        title=d.title,
        date=d.date,
        provinces=list(d.provinces),
        format=d.format.value,
        chars=len(d.text),
    )


def _listed(d: ListedDocument) -> DocumentInfo:
    info = d.info
    return DocumentInfo(
        source=info.source,
        collection=info.collection,
        title=info.title,
        date=info.date,
        provinces=list(info.provinces),
        format=d.format,
        chars=d.chars,
    )


@router.get("/v1/collections", response_model=CollectionsResponse)
async def collections(engine: EngineDep, http: Request) -> CollectionsResponse:
    """The index's collections this key sees, with how many documents each holds."""
    counts = engine.index.store.collections()
    visible = visible_collections(principal_of(http), counts)
    return CollectionsResponse(
        generation=engine.generation, collections=[CollectionInfo(name=c, documents=counts[c]) for c in visible]
    )


@router.get("/v1/documents", response_model=DocumentsResponse, responses={422: {"model": ErrorResponse}})
async def documents(
    engine: EngineDep,
    http: Request,
    collection: Annotated[list[str] | None, Query(description="Only these collections (repeat for several)")] = None,
    limit: Annotated[int, Query(ge=1, le=DOCUMENTS_PAGE_MAX, description="Documents in this page")] = (
        DOCUMENTS_PAGE_DEFAULT
    ),
    offset: Annotated[int, Query(ge=0, description="Documents skipped: the `next_offset` of the page before")] = 0,
) -> DocumentsResponse:
    """The indexed reports the key sees, with their metadata, a page at a time by collection and source."""
    try:
        asked = collection_names(collection)
    except ValueError as exc:
        raise InvalidRequest(str(exc), "collection") from None
    scope = searched_collections(http, engine, asked, "collection")
    total, page = engine.index.store.listing(scope, offset, limit)
    following = offset + len(page)
    return DocumentsResponse(
        generation=engine.generation,
        documents=[_listed(d) for d in page],
        total=total,
        offset=offset,
        next_offset=following if following < total else None,
    )


@router.get(
    "/v1/documents/{source:path}",
    response_model=DocumentText,
    responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
async def document(source: str, engine: EngineDep, http: Request) -> DocumentText:
    """One report's normalised text (citation offsets index it).  Looked up by its source id in the index,
    never on the file system; another collection's report is not found, as if it did not exist."""
    doc = engine.index.store.document(source)
    principal = principal_of(http)
    if doc is None or not principal.can_read(doc.collection):
        raise NotFound(f"no document {source!r} in the index: GET /v1/documents lists them")
    http.state.collections = frozenset({doc.collection})
    return DocumentText(**_info(doc).model_dump(), text=doc.text)
