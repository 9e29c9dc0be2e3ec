from fastapi import APIRouter

from service.api.deps import EngineDep
from service.api.models import DocumentInfo, DocumentsResponse

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
                title=d.title,
                date=d.date,
                provinces=list(d.provinces),
                format=d.format.value,
                chars=len(d.text),
            )
            for d in docs
        ],
    )
