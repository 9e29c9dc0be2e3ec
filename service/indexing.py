"""An indexing run as `hoidap index` makes it: the local indexer, or with a Ray address the same stages as a
Ray Data pipeline on that cluster (indexer/ray_pipeline.py)."""

from __future__ import annotations

from indexer.embedders import make_embedder
from indexer.pipeline import Indexer
from indexer.types import DEFAULT_COLLECTION, IndexSummary
from service.settings import Settings


def run_index(
    settings: Settings,
    rebuild: bool,
    progress: bool,
    ray: str | None = None,
    collection: str = DEFAULT_COLLECTION,
    allow_empty: bool = False,
) -> IndexSummary:
    """Make `collection` of `settings.index_dir` hold what `settings.corpus_dir` holds (other collections are
    kept); IndexerError says what went wrong."""
    embedder = make_embedder(settings.embedder, settings.embed_threads, settings.models_dir)
    max_file_bytes = settings.max_file_mb * 1024 * 1024
    if ray is None:
        indexer = Indexer(
            embedder, max_file_bytes=max_file_bytes, progress=progress, unit_vectors=settings.unit_vectors
        )
        return indexer.run(settings.corpus_dir, settings.index_dir, rebuild, collection, allow_empty)
    from indexer.ray_cluster import joined
    from indexer.ray_pipeline import RayIndexer, RayOptions

    options = RayOptions(settings.ray_embed_actors, settings.ray_actor_cpus, settings.ray_batch_size)
    ray_indexer = RayIndexer(
        embedder,
        settings.embedder,
        settings.models_dir,
        options,
        max_file_bytes=max_file_bytes,
        progress=progress,
        unit_vectors=settings.unit_vectors,
    )
    with joined(ray):
        return ray_indexer.run(settings.corpus_dir, settings.index_dir, rebuild, collection, allow_empty)
