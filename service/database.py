"""The service's own database (SQLite): API keys, conversations, feedback, indexing jobs.  One file
(`HOIDAP_DATABASE`, default data/service.sqlite3) shared by those modules; each opens its own connection with
`connect()` and creates its tables with `CREATE TABLE IF NOT EXISTS`.  The index is not in it: the index is
published as files (indexer/store.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

BUSY_TIMEOUT_MS = 5000  # how long a writer waits for another process's lock before failing


def connect(path: Path) -> sqlite3.Connection:
    """A connection in WAL mode (readers never wait for the writer), foreign keys on, rows by column name.
    `check_same_thread=False`: FastAPI runs handlers in a thread pool; callers serialise writes with a lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return connection
