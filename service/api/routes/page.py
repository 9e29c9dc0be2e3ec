"""The chat page at `/` and the documents page at `/documents`: static files, no build step (the question's
length limit and the accepted file types are filled in from service/limits.py and the indexer's loaders, so
the pages and the API agree)."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from service.document_files import ACCEPTED_SUFFIXES
from service.limits import MAX_QUESTION_CHARS

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
PAGE = (
    (STATIC_DIR / "index.html").read_text(encoding="utf-8").replace("{{MAX_QUESTION_CHARS}}", str(MAX_QUESTION_CHARS))
)
DOCUMENTS_PAGE = (
    (STATIC_DIR / "documents.html")
    .read_text(encoding="utf-8")
    .replace("{{ACCEPTED}}", ",".join(ACCEPTED_SUFFIXES))
    .replace("{{ACCEPTED_LIST}}", ", ".join(ACCEPTED_SUFFIXES))
)

router = APIRouter(tags=["page"])


@router.get("/", include_in_schema=False)
async def index() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get("/documents", include_in_schema=False)
async def documents() -> HTMLResponse:
    return HTMLResponse(DOCUMENTS_PAGE)
