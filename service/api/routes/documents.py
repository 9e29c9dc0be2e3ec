from typing import Annotated

from fastapi import APIRouter, Query, Request

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
) -> DocumentsResponse:
    """The indexed reports the key sees, with their metadata."""
    try:
        asked = collection_names(collection)
    except ValueError as exc:
        raise InvalidRequest(str(exc), "collection") from None
    scope = searched_collections(http, engine, asked, "collection")
    docs = sorted(
        (d for d in engine.index.store.documents() if scope is None or d.collection in scope), key=lambda d: d.source
    )
    return DocumentsResponse(generation=engine.generation, documents=[_info(d) for d in docs])


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
