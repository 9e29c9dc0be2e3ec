from fastapi import APIRouter

from service.api.deps import EngineDep
from service.api.models import DocumentInfo, DocumentsResponse, DocumentText, ErrorResponse
from service.errors import NotFound

router = APIRouter(tags=["documents"])


@router.get("/v1/documents", response_model=DocumentsResponse)
async def documents(engine: EngineDep) -> DocumentsResponse:
    """The indexed reports with their metadata."""
    docs = sorted(engine.index.store.documents(), key=lambda d: d.source)
    return DocumentsResponse(
        generation=engine.generation,
        documents=[
            DocumentInfo(
                source=d.source,
                collection=d.collection,
                title=d.title,
                date=d.date,
                provinces=list(d.provinces),
                format=d.format.value,
                chars=len(d.text),
            )
            for d in docs
        ],
    )


@router.get(
    "/v1/documents/{source:path}",
    response_model=DocumentText,
    responses={404: {"model": ErrorResponse}, 422: {"model": ErrorResponse}},
)
async def document(source: str, engine: EngineDep) -> DocumentText:
    """One report's normalised text (citation offsets index it).  Looked up by its source id in the index,
    never on the file system."""
    doc = engine.index.store.document(source)
    if doc is None:
        raise NotFound(f"no document {source!r} in the index: GET /v1/documents lists them")
    return DocumentText(
        source=doc.source,
        collection=doc.collection,
        title=doc.title,
        date=doc.date,
        provinces=list(doc.provinces),
        format=doc.format.value,
        chars=len(doc.text),
        text=doc.text,
    )
