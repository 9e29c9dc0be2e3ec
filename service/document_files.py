"""A collection's files: where they live, and how uploaded files are checked, stored, replaced and deleted.

A collection's folder is the one the index's manifest records for it — the folder `hoidap index DIR
--collection X` read, so the command line and the page never disagree — or, for a collection first made by an
upload, `<HOIDAP_UPLOADS_DIR>/<collection>/`.  Uploaded files are kept there, so a re-index from scratch loses
nothing.  Files are written under a hidden temporary name (the indexer skips hidden files) and renamed into
place, so a job running meanwhile never reads half a file."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from indexer.corpus import collections_of
from indexer.errors import IndexLoadError
from indexer.layout import IndexLayout
from indexer.loaders import LOADERS, OCR_LOADERS
from indexer.manifest import Manifest
from indexer.types import DEFAULT_COLLECTION, Document, check_collection, collection_source
from service.errors import Conflict, InvalidRequest, NotFound, TooLarge, UnsupportedType
from service.limits import MAX_FILENAME_BYTES
from service.settings import Settings

ACCEPTED_SUFFIXES: tuple[str, ...] = tuple(sorted(set(LOADERS) | set(OCR_LOADERS)))
_COPY_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Upload:
    """One file of an upload request, as received (spooled by the form parser)."""

    name: str
    size: int
    stream: BinaryIO


def known_collections(index_dir: Path) -> dict[str, str]:
    """Collection -> the folder the live generation was indexed from (none when there is no index yet)."""
    directory = IndexLayout(index_dir).current_dir()
    if directory is None:
        return {}
    try:
        return collections_of(Manifest.read(directory))
    except IndexLoadError:
        return {}


def checked_collection(name: str) -> str:
    try:
        return check_collection(name)
    except ValueError as exc:
        raise InvalidRequest(str(exc), param="collection") from None


def collection_folder(settings: Settings, collection: str) -> Path:
    """Where the collection's files live (see the module's docstring); 409 when that folder is unknown or gone."""
    folder = known_collections(settings.index_dir).get(checked_collection(collection))
    if folder is None:
        return (settings.uploads_dir / collection).resolve()
    if not folder:
        raise Conflict(
            f"the index's {collection!r} collection was built before indexes recorded each collection's folder: "
            f"run `hoidap index DIR --collection {collection}` once with its folder, then change it here"
        )
    path = Path(folder)
    if not path.is_dir():
        raise Conflict(
            f"collection {collection!r} was indexed from {folder}, which is no longer a folder: restore it, or "
            f"index the collection again with `hoidap index DIR --collection {collection}`"
        )
    return path


def accepted_types() -> str:
    return ", ".join(ACCEPTED_SUFFIXES)


def checked_name(name: str | None) -> str:
    """An uploaded file's name, NFC-normalised, or 4xx saying what is wrong with it."""
    name = unicodedata.normalize("NFC", name or "")
    problem = None
    if not name.strip():
        problem = "a file has no name"
    elif "/" in name or "\\" in name:
        problem = f"{name!r}: a file name must not contain / or \\ (send the file itself, not a path)"
    elif name.startswith("."):
        problem = f"{name!r}: hidden file names (starting with '.') are not accepted"
    elif name != name.strip():
        problem = f"{name!r}: a file name must not start or end with spaces"
    elif any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") for c in name):
        problem = f"{name!r}: a file name must not contain control or invisible characters"
    elif len(name.encode()) > MAX_FILENAME_BYTES:
        problem = f"a file name is {len(name.encode())} bytes long; at most {MAX_FILENAME_BYTES} are accepted"
    if problem:
        raise InvalidRequest(problem, param="files")
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        raise UnsupportedType(
            f"{name!r}: files of type {suffix or '(no extension)'} cannot be indexed; accepted: {accepted_types()}",
            param="files",
        )
    return name


def check_uploads(uploads: list[Upload], max_file_bytes: int) -> None:
    """Every file of a request is checked before any is kept: one bad file refuses the request."""
    if not uploads:
        raise InvalidRequest("no files: send one or more in the multipart field `files`", param="files")
    seen: set[str] = set()
    for upload in uploads:
        if upload.name in seen:
            raise InvalidRequest(f"{upload.name!r} is sent twice in one request", param="files")
        seen.add(upload.name)
        if upload.size > max_file_bytes:
            raise TooLarge(
                f"{upload.name!r} is {upload.size / 1e6:.1f} MB, over the {max_file_bytes // (1024 * 1024)} MB "
                "limit for one file (HOIDAP_MAX_FILE_MB)",
                param="files",
            )
        if upload.size == 0:
            raise InvalidRequest(f"{upload.name!r} is empty", param="files")


def store(target: Path, upload: Upload) -> None:
    """Write an uploaded file at `target`, atomically (hidden temporary name, fsync, rename)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".upload-{secrets.token_hex(6)}"
    try:
        upload.stream.seek(0)
        with temporary.open("wb") as out:
            shutil.copyfileobj(upload.stream, out, _COPY_CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


@dataclass(frozen=True)
class DocumentFile:
    """Where an indexed (or uploaded, not yet indexed) document's file is."""

    source: str
    collection: str
    folder: Path
    path: Path


_COLLECTION_PREFIX = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")


def document_file(settings: Settings, source: str, indexed: Document | None) -> DocumentFile:
    """The file behind a source id: the indexed document's collection, or (a file kept but not indexed, e.g.
    skipped) the collection its id names.  404 when there is no such file and no such document."""
    missing = NotFound(f"no document {source!r}: GET /v1/documents lists them")
    if indexed is not None:
        collection = indexed.collection
    else:
        first, _, rest = source.partition("/")
        named = rest and _COLLECTION_PREFIX.fullmatch(first) and first != DEFAULT_COLLECTION
        exists = named and (first in known_collections(settings.index_dir) or (settings.uploads_dir / first).is_dir())
        collection = first if exists else DEFAULT_COLLECTION
    relative = source if collection == DEFAULT_COLLECTION else source[len(collection) + 1 :]
    parts = PurePosixPath(relative).parts
    if not parts or any(p in (".", "..") or p.startswith(".") or "\\" in p for p in parts):
        raise missing
    folder = collection_folder(settings, collection)
    path = folder.joinpath(*parts)
    inside = path.resolve().is_relative_to(folder.resolve())
    if not inside or (indexed is None and not path.is_file()):
        raise missing
    return DocumentFile(collection_source(collection, relative), collection, folder, path)
