"""`hoidap serve --ray`: the same FastAPI app (service/api/app.py) as N Ray Serve replicas behind Ray Serve's
HTTP proxy on the head node, over one published index on storage every node sees.

Each replica builds the app from its own settings (the driver's HOIDAP_* variables, paths made absolute,
one thread: as `hoidap serve --workers N` does), so its lifespan loads an EngineHolder that picks up newly
published generations as `hoidap serve` does; a request keeps the engine it started with, so requests in
flight during a republish finish on their generation.  Ray is imported only in the Ray modules.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from typing import Any

from ray import serve

from indexer.errors import IndexerError
from indexer.ray_cluster import joined
from service.settings import Settings

APP_NAME = "hoidap"
# One BLAS/OpenMP thread and one embedder thread per replica (the index files are memory-mapped, shared by
# the replicas of a node): what `hoidap serve --workers N` sets for its workers.
REPLICA_ENVIRONMENT = {"OMP_NUM_THREADS": "1", "HOIDAP_EMBED_THREADS": "1"}
REPLICA_CPUS = 1
# hoidap logs each request itself (service/api/observability.py): Ray's own access log would be a second,
# per-request write in the proxy and in every replica
RAY_LOGGING = {"log_level": "WARNING", "enable_access_log": False}
_PATHS = ("index_dir", "corpus_dir", "database", "models_dir", "zalo_oa_token_file")


class HoidapReplica:
    """One replica: the app, built on the replica from the settings its environment carries."""

    def __serve_build_asgi_app__(self) -> Any:
        from service.api.app import create_app
        from service.settings import load_settings

        return create_app(load_settings())


def replica_environment(settings: Settings) -> dict[str, str]:
    """The driver's HOIDAP_* variables, its settings' paths absolute (a replica has another working directory)."""
    env = {k: v for k, v in os.environ.items() if k.startswith("HOIDAP_")}
    env.update({f"HOIDAP_{name.upper()}": str(getattr(settings, name).resolve()) for name in _PATHS})
    return env | REPLICA_ENVIRONMENT


def application(settings: Settings, replicas: int) -> Any:
    """The Serve application: `replicas` copies of the app, each on one CPU."""
    deployment = serve.deployment(
        name=APP_NAME,
        num_replicas=replicas,
        ray_actor_options={"num_cpus": REPLICA_CPUS, "runtime_env": {"env_vars": replica_environment(settings)}},
        logging_config=RAY_LOGGING,
    )(serve.ingress()(HoidapReplica))
    return deployment.bind()


def serve_on_ray(settings: Settings, address: str, replicas: int, report: Callable[[str], None]) -> None:
    """Deploy on the cluster at `address`, serve until SIGINT or SIGTERM, then take the application down.

    The handlers are set after joining: `ray.init` installs its own SIGTERM handler (sys.exit, and with a
    private instance the node's teardown) which would leave in the middle of taking the application down."""
    stop = threading.Event()
    with joined(address):
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        http = {"host": settings.host, "port": settings.port}
        serve.start(proxy_location="HeadOnly", http_options=http, logging_config=RAY_LOGGING)
        try:
            try:
                serve.run(application(settings, replicas), name=APP_NAME, route_prefix="/", blocking=False)
            except RuntimeError as exc:  # a replica that could not start (its reason is in the message)
                raise IndexerError(f"the Ray Serve application did not start: {exc}") from exc
            report(f"hoidap on Ray: {replicas} replica(s), http://{settings.host}:{settings.port} (on the head node)")
            stop.wait()
        finally:
            serve.delete(APP_NAME)
            if not serve.status().applications:  # Serve was ours alone: stop its proxy and controller too
                serve.shutdown()
