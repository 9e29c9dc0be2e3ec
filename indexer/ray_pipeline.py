"""`hoidap index --ray`: the local indexer's stages as a Ray Data pipeline, then the same atomic publish.

    files ─► read (sha256, reuse check) ─► load + clean + normalise ─► chunk + segment   (Ray Data map stages,
                                                                                          tasks on every node)
    texts to embed, one row per batch ─► map_batches on an actor pool (each actor loads the embedder once)

What stays on the driver is what the local indexer does around the stages: deciding what can be reused from
the previous generation (by file sha256 and by embedding-text hash, exactly as indexer/pipeline.py does: this
class *is* that indexer with two hooks replaced), OCR's batch of scanned pages (its cache lives beside the
index, on storage every node sees), and writing and publishing the generation.

Each embedding batch is formed here, in the local indexer's order (longest texts first, `batch_size` texts),
so an actor embeds exactly the batches a local run embeds and the vectors match the local ones.  Ray is
imported only in the Ray modules (indexer/ray_cluster.py joins the cluster): without `--ray` nothing needs it.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embedders import Embedder, make_embedder
from indexer.errors import IndexerError
from indexer.ocr import OcrJob
from indexer.pipeline import Indexer
from indexer.processing import FileOutcome, FileProcessor, FileState, ProcessorConfig, skip_reason
from indexer.types import EmbedKind
from indexer.vectors import SpanEmbedder


@dataclass(frozen=True)
class EmbedderRecipe:
    """How an actor makes the driver's embedder (paths absolute: workers do not share the driver's cwd)."""

    spec: str
    threads: int | None
    models_dir: Path
    expected_id: str

    def make(self) -> Embedder:
        embedder = make_embedder(self.spec, self.threads, self.models_dir)
        embedder.load()
        if embedder.id != self.expected_id:
            raise IndexerError(f"a Ray worker loaded {embedder.id!r}, not the driver's {self.expected_id!r}")
        return embedder


@dataclass(frozen=True)
class RayOptions:
    """The Ray pipeline's tunable numbers (HOIDAP_RAY_* settings)."""

    embed_actors: int = 2  # embedding actors in the pool
    actor_cpus: int = 1  # CPUs each actor reserves, and its embedder's threads
    batch_size: int = 32  # texts per embedding batch


# -- the map stages (run in Ray workers; each worker process builds its processor once) --------------------
@lru_cache(maxsize=4)
def _processor(config: ProcessorConfig) -> FileProcessor:
    return FileProcessor.from_config(config)


def read_stage(row: dict[str, Any], config: ProcessorConfig, defer_ocr: bool) -> dict[str, Any]:
    """Read the file, hash it, settle it when unchanged (or to be read after OCR) or unreadable."""
    settled, data, sha = _processor(config).triage(row["source"], Path(row["path"]), row["previous"] or None, defer_ocr)
    return row | {"settled": pickle.dumps(settled) if settled else b"", "data": data, "sha": sha}


def load_stage(row: dict[str, Any], config: ProcessorConfig) -> dict[str, Any]:
    """Load the format, clean and normalise: the file's bytes become its document."""
    if row["settled"]:
        return row | {"document": b""}
    processor = _processor(config)
    try:
        raw = processor.load(Path(row["path"]), row["data"], row["sha"])
        document = processor.document(row["source"], raw, row["sha"], len(row["data"]))
    except Exception as exc:  # a broken file must never stop the run
        skipped = FileOutcome(row["source"], FileState.SKIPPED, reason=skip_reason(exc))
        return row | {"settled": pickle.dumps(skipped), "data": b"", "document": b""}
    return row | {"data": b"", "document": pickle.dumps((document, raw.notes))}


def chunk_stage(row: dict[str, Any], config: ProcessorConfig) -> dict[str, Any]:
    """Chunk and segment the document; the row becomes the file's outcome."""
    if row["settled"]:
        return {"i": row["i"], "outcome": row["settled"]}
    document, notes = pickle.loads(row["document"])
    try:
        chunks, spans = _processor(config).chunks(document)
        outcome = FileOutcome(row["source"], FileState.PROCESSED, document, chunks, spans, notes)
    except Exception as exc:  # a broken file must never stop the run
        outcome = FileOutcome(row["source"], FileState.SKIPPED, reason=skip_reason(exc))
    return {"i": row["i"], "outcome": pickle.dumps(outcome)}


class EmbedActor:
    """One embedder, loaded once per actor; a call embeds rows that each hold one batch of texts."""

    def __init__(self, recipe: EmbedderRecipe) -> None:
        self.embedder = recipe.make()

    def __call__(self, rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Each row: `texts`, and `spans` (pickled; empty: no spans) for late answer-unit vectors."""
        vectors, pooled = [], []
        for texts, spans in zip(rows["texts"], rows["spans"], strict=True):
            if spans:
                embedder = self.embedder
                assert isinstance(embedder, SpanEmbedder)
                batch, found = embedder.embed_spans(list(texts), pickle.loads(spans))
            else:
                batch, found = self.embedder.embed(list(texts), EmbedKind.PASSAGE), []
            vectors.append(batch.tobytes())
            pooled.append(pickle.dumps(found))
        return {
            "start": rows["start"],
            "vectors": np.array(vectors, dtype=object),
            "pooled": np.array(pooled, dtype=object),
        }


class RayIndexer(Indexer):
    """The local Indexer with its per-file stages and its embedding run as Ray Data pipelines."""

    def __init__(
        self, embedder: Embedder, spec: str, models_dir: Path, options: RayOptions | None = None, **kwargs: Any
    ) -> None:
        """`spec` and `models_dir`: how each actor makes its own copy of `embedder`."""
        self.options = options or RayOptions()
        super().__init__(embedder, batch_size=self.options.batch_size, **kwargs)
        self.spec, self.models_dir = spec, Path(models_dir).resolve()

    def _config(self) -> ProcessorConfig:
        cache = self.ocr.cache_dir if self.ocr is not None else None
        return ProcessorConfig(self.chunker.settings, self.max_file_bytes, cache.resolve() if cache else None)

    def _outcomes(self, files: list[tuple[str, Path]], reusable: dict[str, str]) -> Iterator[FileOutcome]:
        rows = [
            {"i": i, "source": source, "path": str(path.resolve()), "previous": reusable.get(source, "")}
            for i, (source, path) in enumerate(files)
        ]
        with self.timer.stage("read+process (ray)"):
            outcomes = self._process(rows, defer_ocr=True)
        deferred = [i for i, o in enumerate(outcomes) if o.state is FileState.DEFERRED]
        yield from (o for o in outcomes if o.state is not FileState.DEFERRED)
        jobs: list[OcrJob] = [job for i in deferred for job in outcomes[i].ocr_jobs]
        self._run_ocr(jobs)  # on the driver, many pages at once; workers then read the pages from its cache
        if deferred:
            with self.timer.stage("read+process (ray)"):
                yield from self._process([rows[i] | {"previous": ""} for i in deferred], defer_ocr=False)

    def _process(self, rows: list[dict[str, Any]], defer_ocr: bool) -> list[FileOutcome]:
        import ray.data

        config = self._config()
        dataset = (
            ray.data.from_items(rows)
            .map(partial(read_stage, config=config, defer_ocr=defer_ocr))
            .map(partial(load_stage, config=config))
            .map(partial(chunk_stage, config=config))
        )
        found = {row["i"]: pickle.loads(row["outcome"]) for row in self._rows(dataset)}
        return [found[row["i"]] for row in rows]

    def _embed(self, texts: Sequence[str], label: str) -> np.ndarray:
        return self._embed_rows(texts, None)[0]

    def _embed_spans(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]], label: str
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        return self._embed_rows(texts, spans)

    def _embed_rows(
        self, texts: Sequence[str], spans: Sequence[Sequence[tuple[int, int]]] | None
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """Passage vectors for `texts` on the actor pool and, with `spans`, the pooled vectors of those spans."""
        import ray.data

        size = self.options.batch_size
        rows = [
            {
                "start": s,
                "texts": list(texts[s : s + size]),
                "spans": pickle.dumps([list(x) for x in spans[s : s + size]]) if spans is not None else b"",
            }
            for s in range(0, len(texts), size)
        ]
        recipe = EmbedderRecipe(self.spec, self.options.actor_cpus, self.models_dir, self.embedder.id)
        dataset = ray.data.from_items(rows).map_batches(
            EmbedActor,
            fn_constructor_args=(recipe,),
            batch_size=1,  # a row is already one batch of texts
            compute=ray.data.ActorPoolStrategy(size=min(self.options.embed_actors, len(rows))),
            num_cpus=self.options.actor_cpus,
            batch_format="numpy",
        )
        out = np.zeros((len(texts), self.embedder.dim), dtype=np.float32)
        pooled: list[list[np.ndarray | None]] = [[] for _ in texts]
        for row in self._rows(dataset):
            vectors = np.frombuffer(row["vectors"], dtype=np.float32).reshape(-1, self.embedder.dim)
            out[row["start"] : row["start"] + len(vectors)] = vectors
            for offset, found in enumerate(pickle.loads(row["pooled"])):
                pooled[row["start"] + offset] = found
        return out, pooled

    def _rows(self, dataset: Any) -> Iterator[dict[str, Any]]:
        import ray.data
        from ray.exceptions import RayError

        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = self.progress
        context.print_on_execution_start = False
        # A failure fails the run (nothing is published), with its reason: an embedder that cannot load fails
        # at the first actor's death, an exception in a batch is not retried.  An actor whose process dies
        # (killed for memory) is restarted and its batch re-run, which gives the same vectors.
        context.max_consecutive_actor_init_deaths = 0
        context.actor_task_retry_on_errors = False
        try:
            yield from dataset.iter_rows()
        except RayError as exc:
            raise IndexerError(f"the Ray pipeline failed: {exc}") from exc
