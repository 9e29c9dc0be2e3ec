"""The FastAPI application: heavy things load in the lifespan, errors map in one place."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.api.access import RateLimiter, RequestBodyGuard, TooManyRequests, authorize
from service.api.models import error_responses
from service.api.observability import Metrics, RequestLog, configure_access_log, metrics_response
from service.api.routes import ask, chat, conversations, documents, health, jobs, page, search, uploads
from service.api.routes.page import STATIC_DIR
from service.api.security import SecurityHeaders, add_offline_docs
from service.asking import Asker
from service.bots import slack, zalo
from service.bots.setup import Bots
from service.chat.llm import llm_from_settings
from service.engine import EngineHolder
from service.errors import ServiceError, Unauthorized, error_body
from service.history.store import HistoryStore
from service.job_runner import JobRunner
from service.jobs import JobStore
from service.keys import KeyStore
from service.settings import Settings


def _error(status: int, code: str, message: str, param: str | None = None) -> JSONResponse:
    return JSONResponse(status_code=status, content=error_body(status, code, message, param))


def _field(error: dict) -> str:
    return ".".join(str(p) for p in error.get("loc", ()) if p != "body")


def _describe(exc: RequestValidationError) -> str:
    parts = []
    for error in exc.errors():
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        if error.get("type") == "extra_forbidden":
            message = "unknown field (filters accept province, source, date_from, date_to, collections)"
        parts.append(f"{_field(error) or 'body'}: {message}")
    return "; ".join(parts)


def _validation_error(exc: RequestValidationError) -> JSONResponse:
    errors = list(exc.errors())
    for error in errors:
        if error.get("type") == "json_invalid":  # the body is not JSON at all: a 400 that says where
            position = next((p for p in error.get("loc", ())[1:] if isinstance(p, int)), None)
            reason = (error.get("ctx") or {}).get("error", "invalid JSON")
            where = f" at character {position}" if position is not None else ""
            return _error(400, "invalid_json", f"the request body is not valid JSON: {reason}{where}")
    param = (_field(errors[0]) or None) if errors else None
    return _error(422, "invalid_request", _describe(exc), param)


def create_app(settings: Settings | None = None, holder: EngineHolder | None = None) -> FastAPI:
    """The app.  `holder` may be given (tests, several apps in one process); else it is built from settings."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine_holder = holder or EngineHolder(settings)
        engine_holder.load()
        app.state.holder = engine_holder
        app.state.asker = asker = Asker(engine_holder, llm_from_settings(settings), settings.request_timeout_seconds)
        app.state.history = history = HistoryStore(settings.database)
        bots = Bots(settings, asker, history)
        app.state.slack, app.state.zalo_oa, app.state.zalo_bot = bots.slack, bots.zalo_oa, bots.zalo_bot
        app.state.bots = bots
        app.state.jobs = job_store = JobStore(settings.database, settings.index_dir)
        app.state.job_runner = runner = JobRunner(job_store, engine_holder, settings)
        runner.start()
        yield
        runner.stop()
        job_store.close()
        await bots.close()
        app.state.keys.close()
        history.close()

    app = FastAPI(
        title="hoidap",
        version="0.1.0",
        lifespan=lifespan,
        description="Questions answered from Vietnamese reports, with citations.",
        docs_url=None,  # served offline below, from the package's Swagger UI files
        redoc_url=None,
    )
    add_offline_docs(app)
    app.state.settings = settings
    configure_access_log()
    app.state.metrics = Metrics()
    app.state.rate_limiter = RateLimiter(settings.rate_limit_per_minute)
    app.state.keys = KeyStore(settings.database)  # opens the database on first use, if it exists

    @app.exception_handler(ServiceError)
    async def service_error(_: Request, exc: ServiceError) -> JSONResponse:
        response = _error(exc.status, exc.code, exc.message, exc.param)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        if isinstance(exc, Unauthorized):
            response.headers["WWW-Authenticate"] = exc.challenge
        return response

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_error(exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _error(exc.status_code, "http_error", str(exc.detail))

    v1 = (ask.router, search.router, documents.router, uploads.router, jobs.router, chat.router, conversations.router)
    for router in v1:  # /v1/*: keys and limits
        app.include_router(router, dependencies=[Depends(authorize)], responses=error_responses(400, 401, 413, 429))
    for router in (health.router, page.router, slack.router, zalo.router):  # open, or signed by the platform
        app.include_router(router, responses=error_responses(400, 413))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        return Response(metrics_response(request), media_type=CONTENT_TYPE_LATEST)

    # Innermost first: the body guard, CORS, the request log, and the security headers on everything.
    app.add_middleware(
        RequestBodyGuard,
        limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_mb * 1024 * 1024,
        is_upload=uploads.is_upload,
    )
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(RequestLog, metrics=app.state.metrics, log_questions=settings.log_questions)
    app.add_middleware(SecurityHeaders)
    return app
