"""Joining a Ray cluster, for `hoidap index --ray` and `hoidap serve --ray` (Ray is imported only here, in
indexer/ray_pipeline.py and in service/ray_serve.py: nothing else needs it)."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from typing import Any

from indexer.errors import IndexerError

AUTO = "auto"  # the cluster on this machine (`ray start --head` ran here), or RAY_ADDRESS
LOCAL = "local"  # a private Ray instance started by this process (no cluster needed)
_HOST_PORT = re.compile(r"^(ray://)?[A-Za-z0-9._-]+:\d{1,5}$")
# What the workers need from the driver's environment (the code's path, the models, thread counts).
PASSED_ENVIRONMENT = ("PYTHONPATH", "HOIDAP_MODELS_DIR", "OMP_NUM_THREADS")


def address_problem(address: str) -> str | None:
    """What is wrong with a `--ray` address, or None."""
    if address in (AUTO, LOCAL) or _HOST_PORT.match(address):
        return None
    return (
        f"--ray takes a Ray cluster address, not {address!r}: HOST:PORT (the head's `ray start --head --port`), "
        f"ray://HOST:PORT, {AUTO} (the cluster on this machine) or {LOCAL} (a private one in this process); "
        "give the corpus folder before --ray"
    )


def require_ray() -> None:
    """IndexerError saying how to install Ray where it is not installed (it is an optional extra)."""
    try:
        import ray  # noqa: F401
    except ImportError as exc:
        raise IndexerError(
            "--ray needs Ray, which is not installed here: `pip install 'hoidap[ray]'` (or `pip install -e '.[ray]'` "
            "in a checkout; the same version on every node of the cluster)"
        ) from exc


def connect(address: str) -> bool:
    """Join the cluster at `address`.  True when this call connected (the caller then calls `disconnect`)."""
    if problem := address_problem(address):
        raise IndexerError(problem)
    os.environ.setdefault("RAY_DATA_LOG_LEVEL", "ERROR")  # failures still surface, as exceptions
    require_ray()
    import ray

    if ray.is_initialized():
        return False
    env = {k: os.environ[k] for k in PASSED_ENVIRONMENT if k in os.environ}
    options: dict[str, Any] = {"runtime_env": {"env_vars": env}, "logging_level": "WARNING", "log_to_driver": False}
    try:
        if address == LOCAL:
            ray.init(include_dashboard=False, **options)
        else:
            ray.init(address=address, **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise IndexerError(
            f"cannot join the Ray cluster at {address!r} ({exc}); start one with `ray start --head` and give "
            f"its address (HOST:PORT), or use `--ray {LOCAL}` for a private one on this machine"
        ) from exc
    return True


def disconnect() -> None:
    import ray

    ray.shutdown()


@contextlib.contextmanager
def joined(address: str) -> Iterator[None]:
    """Connected to the cluster at `address` for the block (left as it was found: connected or not)."""
    connected = connect(address)
    try:
        yield
    finally:
        if connected:
            disconnect()
