"""Named API keys kept in the service's database: a name, a role, the collections it sees, the sha256 digest
of the key (never the key), and when it was made, last used and revoked.  `authorize` (service/api/access.py)
looks the digest up on every request, so a key made or revoked with `hoidap keys` counts at once, in every
worker, without a restart.  Keys are needed as soon as the database holds one, revoked or not: revoking the
last key does not open the service."""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from indexer.types import check_collection
from service.api.principal import Principal, Role
from service.database import connect

KEY_PREFIX = "hd_"
KEY_BYTES = 32  # random bytes in a key: a plain sha256 of it cannot be reversed or guessed
LAST_USED_EVERY_SECONDS = 60.0  # `last_used` is written at most this often per key (a write per request is waste)
MAX_NAME_CHARS = 100
ALL_COLLECTIONS = "*"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    collections TEXT,            -- JSON list of collection names; NULL: every collection
    digest TEXT NOT NULL UNIQUE, -- sha256 hex of the key
    created_at REAL NOT NULL,
    last_used_at REAL,
    revoked_at REAL
);
CREATE UNIQUE INDEX IF NOT EXISTS api_keys_active_name ON api_keys(name) WHERE revoked_at IS NULL;
"""


class KeyProblem(ValueError):
    """A key that cannot be made or revoked as asked; the message says what to do instead."""


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_collections(values: list[str], role: Role) -> frozenset[str] | None:
    """Collections as `--collections` gives them (repeated or comma-separated; `*` for every collection).
    An admin sees every collection (it can make a key for any), so its collections are `*` or left out."""
    names = [v.strip() for value in values for v in value.split(",") if v.strip()]
    if role is Role.ADMIN:
        if names and names != [ALL_COLLECTIONS]:
            raise KeyProblem("an admin key sees every collection: leave out --collections (or give '*')")
        return None
    if not names:
        article = "an" if role is Role.EDITOR else "a"
        raise KeyProblem(
            f"{article} {role.value} key needs --collections: the collections it sees, e.g. so-tai-chinh, or '*'"
        )
    if ALL_COLLECTIONS in names:
        if len(names) > 1:
            raise KeyProblem("'*' already means every collection: give it alone")
        return None
    for name in names:
        check_collection(name)
    return frozenset(names)


@dataclass(frozen=True)
class ApiKey:
    id: int
    name: str
    role: Role
    collections: frozenset[str] | None  # None: every collection
    created_at: float
    last_used_at: float | None
    revoked_at: float | None

    @property
    def principal(self) -> Principal:
        return Principal(f"key:{self.id}", self.name, self.role, self.collections)

    def public(self) -> dict[str, object]:
        """What `hoidap keys list --json` shows: everything but the digest."""
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role.value,
            "collections": sorted(self.collections) if self.collections is not None else ALL_COLLECTIONS,
            "created_at": _iso(self.created_at),
            "last_used_at": _iso(self.last_used_at),
            "revoked_at": _iso(self.revoked_at),
        }


def _iso(seconds: float | None) -> str | None:
    return None if seconds is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _key_of(row: sqlite3.Row) -> ApiKey:
    collections = row["collections"]
    return ApiKey(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        collections=None if collections is None else frozenset(json.loads(collections)),
        created_at=row["created_at"],
        last_used_at=row["last_used_at"],
        revoked_at=row["revoked_at"],
    )


class KeyStore:
    """The api_keys table of one database file.  Reading never creates the file (a service without keys has
    none); the connection opens on first use, one per process, its calls serialised by a lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._written: dict[int, float] = {}  # key id -> when its last_used was last written

    def _db(self, create: bool) -> sqlite3.Connection | None:
        if self._connection is None:
            if not create and not self.path.exists():
                return None
            connection = connect(self.path)
            connection.executescript(_SCHEMA)
            self._connection = connection
        return self._connection

    # -- what authorize asks, on every request ---------------------------------------------------------------
    def any(self) -> bool:
        """Whether the database holds a key (revoked ones count: revoking the last key does not open the
        service)."""
        with self._lock:
            db = self._db(create=False)
            return db is not None and db.execute("SELECT 1 FROM api_keys LIMIT 1").fetchone() is not None

    def find(self, digest: str) -> ApiKey | None:
        """The key with this digest (revoked or not), noting when it was used."""
        with self._lock:
            db = self._db(create=False)
            if db is None:
                return None
            row = db.execute("SELECT * FROM api_keys WHERE digest = ?", (digest,)).fetchone()
            if row is None:
                return None
            key = _key_of(row)
            now = time.time()
            if key.revoked_at is None and now - self._written.get(key.id, 0.0) >= LAST_USED_EVERY_SECONDS:
                self._written[key.id] = now
                db.execute("UPDATE api_keys SET last_used_at = ? WHERE id = ?", (now, key.id))
            return key

    # -- what `hoidap keys` does -----------------------------------------------------------------------------
    def create(self, name: str, role: Role, collections: frozenset[str] | None) -> tuple[ApiKey, str]:
        """A new key: its record and the key itself (shown once, never stored)."""
        name = " ".join(name.split())
        if not name:
            raise KeyProblem('a key needs a name, e.g. --name "Sở Tài chính"')
        if len(name) > MAX_NAME_CHARS:
            raise KeyProblem(f"the name is over {MAX_NAME_CHARS} characters")
        if name.isdigit():
            raise KeyProblem("a name cannot be only digits (`hoidap keys revoke` takes an id or a name)")
        key = KEY_PREFIX + secrets.token_urlsafe(KEY_BYTES)
        stored = None if collections is None else json.dumps(sorted(collections))
        with self._lock:
            db = self._db(create=True)
            assert db is not None
            try:
                cursor = db.execute(
                    "INSERT INTO api_keys (name, role, collections, digest, created_at) VALUES (?, ?, ?, ?, ?)",
                    (name, role.value, stored, key_digest(key), time.time()),
                )
            except sqlite3.IntegrityError:
                raise KeyProblem(
                    f"a key named {name!r} is in use: revoke it first (`hoidap keys revoke {name!r}`) or choose "
                    "another name"
                ) from None
            row = db.execute("SELECT * FROM api_keys WHERE id = ?", (cursor.lastrowid,)).fetchone()
        return _key_of(row), key

    def list(self, include_revoked: bool = True) -> list[ApiKey]:
        with self._lock:
            db = self._db(create=False)
            if db is None:
                return []
            rows = db.execute("SELECT * FROM api_keys ORDER BY id").fetchall()
        keys = [_key_of(r) for r in rows]
        return keys if include_revoked else [k for k in keys if k.revoked_at is None]

    def revoke(self, which: str) -> ApiKey:
        """Revoke the key with this id, or the active key with this name; it fails from its next request on."""
        active = [k for k in self.list() if k.revoked_at is None]
        matches = [k for k in active if (which.isdigit() and k.id == int(which)) or k.name == which.strip()]
        if not matches:
            revoked = [k for k in self.list() if k.revoked_at is not None and (str(k.id) == which or k.name == which)]
            if revoked:
                raise KeyProblem(f"the key {which!r} is already revoked")
            raise KeyProblem(f"no key {which!r}: `hoidap keys list` shows the keys' ids and names")
        key = matches[0]
        with self._lock:
            db = self._db(create=True)
            assert db is not None
            db.execute("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (time.time(), key.id))
            row = db.execute("SELECT * FROM api_keys WHERE id = ?", (key.id,)).fetchone()
        return _key_of(row)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
