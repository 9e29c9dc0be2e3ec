"""The chat page at `/`: static files, no build step (the question's length limit is filled in from
service/limits.py, so the page and the API agree)."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from service.limits import MAX_QUESTION_CHARS

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"
PAGE = (
    (STATIC_DIR / "index.html").read_text(encoding="utf-8").replace("{{MAX_QUESTION_CHARS}}", str(MAX_QUESTION_CHARS))
)

router = APIRouter(tags=["page"])


@router.get("/", include_in_schema=False)
async def index() -> HTMLResponse:
    return HTMLResponse(PAGE)
