"""Where generations live and how one is switched in atomically.

    <index_dir>/CURRENT          the name of the live generation ("gen-000007"), replaced by rename
    <index_dir>/gen-000007/      manifest.json, store.sqlite, vectors.npy, dense.faiss, bm25_*/
    <index_dir>/.tmp-gen-…/      a generation being written (never read; removed by the next run)
    <index_dir>/.lock            held by the one indexer that may write

A crash at any moment leaves CURRENT naming a complete generation: the new one is fully written and fsynced
under a temporary name, renamed into place, and only then named in CURRENT (itself written to a temporary
file, fsynced and renamed over the old one).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from indexer.errors import IndexLocked

CURRENT = "CURRENT"
_GEN = re.compile(r"^gen-(\d{6,})$")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    for root, _dirs, files in os.walk(path):
        for name in files:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(root))


class IndexLayout:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def current_name(self) -> str | None:
        try:
            name = (self.root / CURRENT).read_text(encoding="ascii").strip()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, UnicodeDecodeError):
            return None
        return name if _GEN.match(name) else None

    def current_dir(self) -> Path | None:
        name = self.current_name()
        return self.root / name if name else None

    def generations(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if _GEN.match(p.name) and p.is_dir())

    def next_name(self) -> str:
        numbers = [int(_GEN.match(n).group(1)) for n in self.generations()]  # type: ignore[union-attr]
        current = self.current_name()
        if current:
            numbers.append(int(current[4:]))
        return f"gen-{max(numbers, default=0) + 1:06d}"

    @contextlib.contextmanager
    def writer_lock(self) -> Iterator[None]:
        """One indexer at a time per index directory."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.root / ".lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise IndexLocked(
                    f"another indexer (`hoidap index`, or the service's documents job) is writing {self.root}; "
                    "wait for it to finish"
                ) from exc
            yield
        finally:
            os.close(fd)

    def staging_dir(self, name: str) -> Path:
        path = self.root / f".tmp-{name}-{os.getpid()}"
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path

    def publish(self, staging: Path, name: str) -> Path:
        """Move a fully written staging directory into place and make it the live generation."""
        fsync_tree(staging)
        final = self.root / name
        os.rename(staging, final)
        _fsync_dir(self.root)
        pointer = self.root / f".{CURRENT}.tmp-{os.getpid()}"
        with open(pointer, "w", encoding="ascii") as f:
            f.write(name + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(pointer, self.root / CURRENT)
        _fsync_dir(self.root)
        return final

    def collect_garbage(self, keep: int = 2) -> None:
        """Remove abandoned staging directories and generations older than the `keep` newest.

        Readers that still have an old generation open keep working: its files stay alive while open.
        """
        if not self.root.is_dir():
            return
        for path in self.root.iterdir():
            if path.name.startswith(".tmp-") or path.name.startswith(f".{CURRENT}.tmp"):
                with contextlib.suppress(OSError):
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
        current = self.current_name()
        old = [n for n in self.generations() if n != current]
        for name in old[: max(0, len(old) - (keep - 1))]:
            shutil.rmtree(self.root / name, ignore_errors=True)
