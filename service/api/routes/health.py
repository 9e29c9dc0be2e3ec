from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service.api.deps import HolderDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(holder: HolderDep) -> JSONResponse:
    """Ready when an index is loaded; the body carries its manifest (or what to do)."""
    holder.refresh()
    engine = holder.engine
    if engine is None:
        return JSONResponse(status_code=503, content={"status": "not ready", "reason": holder.error})
    manifest = engine.index.manifest
    return JSONResponse(
        content={
            "status": "ready",
            "generation": manifest.generation,
            "manifest": {
                "created_at": manifest.created_at,
                "embedder": manifest.embedder,
                "counts": manifest.counts,
                "chunker": manifest.chunker,
                "schema_version": manifest.schema_version,
            },
            "error": holder.error,
        }
    )
