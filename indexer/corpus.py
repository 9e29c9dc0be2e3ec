"""What an indexing run reads and how it reports: the corpus folder scanned into source ids of one collection,
the collections a generation holds, and how far a run is (the per-file stages, their timer and skip reasons
are in indexer/processing.py)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from indexer.loaders import is_supported
from indexer.manifest import Manifest
from indexer.types import DEFAULT_COLLECTION, SkippedFile, collection_source

ProgressHook = Callable[[str, float], None]  # (stage, fraction of the whole run done, 0-1)
STAGE_SPANS = {
    "reading": (0.0, 0.3),
    "ocr": (0.3, 0.4),
    "embedding": (0.4, 0.75),
    "embedding answer units": (0.75, 0.9),
    "writing": (0.9, 1.0),
}


class Progress:
    """Tells a hook how far a run is, as one fraction over all stages (the service's jobs show it)."""

    def __init__(self, hook: ProgressHook | None) -> None:
        self.hook = hook

    def __call__(self, stage: str, done: int = 0, total: int = 0) -> None:
        if self.hook is None:
            return
        start, end = STAGE_SPANS[stage]
        self.hook(stage, start + (end - start) * (done / total if total else 0.0))


def scan_corpus(
    corpus_dir: Path, collection: str = DEFAULT_COLLECTION
) -> tuple[list[tuple[str, Path]], list[SkippedFile]]:
    """Supported files under the corpus (hidden ones ignored), by their source id, and the others."""
    found, skipped = [], []
    for root, dirs, files in os.walk(corpus_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name.startswith("."):
                continue
            path = Path(root) / name
            source = collection_source(collection, path.relative_to(corpus_dir).as_posix())
            if is_supported(path):
                found.append((source, path))
            else:
                skipped.append(SkippedFile(source, f"unsupported file type {path.suffix or '(none)'}"))
    return found, skipped


@dataclass(frozen=True)
class RunScope:
    """What a run updates: one collection, re-read from scratch or incrementally."""

    collection: str
    rebuild: bool
    allow_empty: bool


def collections_of(manifest: Manifest) -> dict[str, str]:
    """Collection -> folder of a generation; one from before collections holds only the default one."""
    if manifest.collections:
        return dict(manifest.collections)
    return {DEFAULT_COLLECTION: ""} if manifest.documents else {}
