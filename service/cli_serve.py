"""`hoidap serve`: the HTTP API, the chat page and the bots' webhooks, with uvicorn (`--workers N`) or as Ray
Serve replicas (`--ray ADDRESS --replicas N`, service/ray_serve.py)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from indexer.errors import IndexerError
from service.cli_common import IndexDirOption, RayOption, check_ray_address, ensure_model, fail, settings_or_exit
from service.settings import Settings


def serve(
    host: Annotated[str | None, typer.Option(help="Default HOIDAP_HOST or 127.0.0.1")] = None,
    port: Annotated[int | None, typer.Option(help="Default HOIDAP_PORT or 8000")] = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes")] = 1,
    index_dir: IndexDirOption = None,
    ray: RayOption = None,
    replicas: Annotated[
        int | None, typer.Option(min=1, max=1024, help="With --ray: Ray Serve replicas (default HOIDAP_RAY_REPLICAS)")
    ] = None,
) -> None:
    """Serve the HTTP API, the chat page and the bots' webhooks."""
    settings = settings_or_exit(host=host, port=port, index_dir=index_dir, ray_replicas=replicas)
    check_ray_address(ray)
    if settings.embedder == "e5-onnx":
        ensure_model(settings)  # once here, not in each worker; a failure is one clear line
    os.environ["HOIDAP_INDEX_DIR"] = str(settings.index_dir)
    if ray is not None:
        _serve_on_ray(settings, ray)
        return
    import uvicorn

    if workers > 1:  # one BLAS/OpenMP thread per worker: two workers with two threads each halved throughput
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("HOIDAP_EMBED_THREADS", "1")
    uvicorn.run(
        "service.api.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        loop="uvloop",
        http="httptools",  # uvicorn's h11 stack with --workers loses TCP_NODELAY (44 ms a request)
        log_level="info",
        access_log=False,  # service/api/observability.py writes one JSON line per request
    )


def _serve_on_ray(settings: Settings, address: str) -> None:
    """Serve on Ray until SIGINT or SIGTERM (service/ray_serve.py takes the application down and leaves Ray),
    then exit 0 at once, as the one-shot commands do (`done`)."""
    from indexer.ray_cluster import require_ray
    from service.cli import done

    try:
        require_ray()
        from service.ray_serve import serve_on_ray

        serve_on_ray(settings, address, settings.ray_replicas, report=typer.echo)
    except IndexerError as exc:
        fail(str(exc))
    done()
