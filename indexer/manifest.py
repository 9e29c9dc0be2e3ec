"""The manifest of a published index generation: what built it and checksums of its files."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from indexer.errors import IndexLoadError

SCHEMA_VERSION = 1
# Bump when loading, cleaning or normalisation change the stored text, or what is kept about a document: every
# document is then re-read (its unchanged passages are not re-embedded).
PIPELINE_VERSION = "2026.11-5"  # 4: pages, tables as data, OCR; 5: subject provinces and kind of each document
MANIFEST_NAME = "manifest.json"


@dataclass
class Manifest:
    generation: str
    created_at: str
    embedder: dict[str, object]  # {"id": str, "dim": int}
    chunker: dict[str, object]
    pipeline_version: str = PIPELINE_VERSION
    schema_version: int = SCHEMA_VERSION
    documents: dict[str, str] = field(default_factory=dict)  # source -> sha256 of the file
    counts: dict[str, int] = field(default_factory=dict)
    files: dict[str, dict[str, object]] = field(default_factory=dict)  # name -> {"sha256", "size"}
    # collection -> the folder it was last indexed from (a generation from before collections: {})
    collections: dict[str, str] = field(default_factory=dict)
    # the FAISS index chosen for this size (indexer.dense.DenseChoice); {}: a generation from before the choice
    dense: dict[str, object] = field(default_factory=dict)
    unit_vectors: str = "separate"  # how answer units got their vectors (indexer/vectors.py)

    @property
    def embedder_id(self) -> str:
        return str(self.embedder["id"])

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1, sort_keys=True)

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise IndexLoadError(f"{directory} has no {MANIFEST_NAME}") from exc
        except (OSError, ValueError) as exc:
            raise IndexLoadError(f"{path} is unreadable: {exc}") from exc
        if data.get("schema_version") != SCHEMA_VERSION:
            raise IndexLoadError(
                f"index schema {data.get('schema_version')} is not the supported {SCHEMA_VERSION}: "
                "rebuild it with `hoidap index --rebuild`"
            )
        try:
            return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})
        except TypeError as exc:
            raise IndexLoadError(f"{path} is not a hoidap manifest: {exc}") from exc


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_digest(path: Path) -> dict[str, object]:
    return {"sha256": file_sha256(path), "size": path.stat().st_size}


def verify_files(directory: Path, manifest: Manifest) -> None:
    """Refuse a generation whose files are missing, truncated or changed since publication."""
    for name, expected in manifest.files.items():
        path = directory / name
        if not path.is_file():
            raise IndexLoadError(f"index file {name} is missing from {directory}")
        if path.stat().st_size != expected["size"]:
            raise IndexLoadError(f"index file {name} is truncated or changed (size differs)")
        if file_digest(path)["sha256"] != expected["sha256"]:
            raise IndexLoadError(f"index file {name} is corrupted (checksum differs)")
