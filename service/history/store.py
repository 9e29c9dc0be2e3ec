"""Conversations, their turns (a question and its answer) and feedback on a turn, in the service's SQLite
database.  Every read and write names its owner (`Principal.id`): a conversation of another owner does not
exist for the caller (NotFound, the same 404 as an unknown id).  Deleting a conversation deletes its turns and
their feedback."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from service.database import connect
from service.errors import NotFound
from service.limits import CONVERSATION_TITLE_CHARS

SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    title TEXT NOT NULL,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_by_owner ON conversations (owner, updated);
CREATE TABLE IF NOT EXISTS conversation_turns (
    id TEXT PRIMARY KEY,
    conversation TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    question TEXT NOT NULL,
    standalone TEXT NOT NULL,
    content TEXT NOT NULL,
    reply TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_conversation ON conversation_turns (conversation, position);
CREATE TABLE IF NOT EXISTS feedback (
    turn TEXT PRIMARY KEY REFERENCES conversation_turns (id) ON DELETE CASCADE,
    rated_by TEXT NOT NULL,
    rating TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment TEXT,
    expected TEXT,
    created REAL NOT NULL,
    updated REAL NOT NULL
);
"""


class Rating(StrEnum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class Feedback:
    rating: Rating
    comment: str | None
    expected: str | None  # the right answer, when the user gave it
    updated: float


@dataclass(frozen=True)
class Turn:
    id: str
    conversation: str
    position: int
    question: str  # as the user wrote it ("Còn Kon Tum thì sao?")
    standalone: str  # as it was answered ("Kon Tum có bao nhiêu điểm cầu?")
    content: str  # the reply as the chat API sent it
    reply: dict[str, Any]  # the answer contract (answer, evidence, citations, confidence, outcome, …)
    created: float
    feedback: Feedback | None = None


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    created: float
    updated: float
    turns: int


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def title_of(question: str) -> str:
    text = " ".join(question.split())
    if len(text) <= CONVERSATION_TITLE_CHARS:
        return text
    return text[: CONVERSATION_TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _feedback(row: sqlite3.Row) -> Feedback | None:
    if row["rating"] is None:
        return None
    return Feedback(Rating(row["rating"]), row["comment"], row["expected"], row["f_updated"])


def _turn(row: sqlite3.Row) -> Turn:
    return Turn(
        row["id"],
        row["conversation"],
        row["position"],
        row["question"],
        row["standalone"],
        row["content"],
        json.loads(row["reply"]),
        row["created"],
        _feedback(row),
    )


def _missing(conversation_id: str | None) -> NotFound:
    """The same 404 for a conversation that does not exist and one of another owner."""
    return NotFound(f"no conversation {conversation_id!r}: GET /v1/conversations lists yours")


_TURNS = """SELECT t.*, f.rating, f.comment, f.expected, f.updated AS f_updated, c.owner
FROM conversation_turns t JOIN conversations c ON c.id = t.conversation LEFT JOIN feedback f ON f.turn = t.id"""


class HistoryStore:
    """Opens the database on first use (a service that is never asked to remember creates no file)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        # one connection, used by one thread at a time (handlers run in a thread pool); WAL orders the processes
        self._lock = threading.RLock()

    def _db(self) -> sqlite3.Connection:
        with self._lock:
            if self._connection is None:
                connection = connect(self.path)
                connection.executescript(SCHEMA)
                self._connection = connection
            return self._connection

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    # -- conversations ------------------------------------------------------------------------------------
    def conversations(self, owner: str, limit: int) -> list[Conversation]:
        query = """SELECT c.*, (SELECT COUNT(*) FROM conversation_turns t WHERE t.conversation = c.id) AS turns
            FROM conversations c WHERE c.owner = ? ORDER BY c.updated DESC LIMIT ?"""
        with self._lock:
            rows = self._db().execute(query, (owner, limit)).fetchall()
        return [Conversation(r["id"], r["title"], r["created"], r["updated"], r["turns"]) for r in rows]

    def conversation(self, owner: str, conversation_id: str) -> tuple[Conversation, list[Turn]]:
        """The conversation and its turns in order; NotFound when it is not the owner's (or does not exist)."""
        with self._lock:
            db = self._db()
            row = db.execute("SELECT * FROM conversations WHERE id = ? AND owner = ?", (conversation_id, owner))
            row = row.fetchone()
            if row is None:
                raise _missing(conversation_id)
            rows = db.execute(f"{_TURNS} WHERE t.conversation = ? ORDER BY t.position", (row["id"],)).fetchall()
        turns = [_turn(r) for r in rows]
        return Conversation(row["id"], row["title"], row["created"], row["updated"], len(turns)), turns

    def require(self, owner: str, conversation_id: str) -> None:
        """NotFound unless the owner has this conversation."""
        with self._lock:
            query = "SELECT 1 FROM conversations WHERE id = ? AND owner = ?"
            found = self._db().execute(query, (conversation_id, owner)).fetchone()
        if found is None:
            raise _missing(conversation_id)

    def questions(self, owner: str, conversation_id: str) -> list[str]:
        """The user's questions so far, oldest first (for resolving a follow-up)."""
        return [t.question for t in self.conversation(owner, conversation_id)[1]]

    def append(
        self,
        owner: str,
        conversation_id: str | None,
        turn: Turn,
        *,
        create: bool = False,
    ) -> tuple[str, str]:
        """Add a turn (its id, conversation and position are assigned here) to the owner's conversation, or to a
        new one when `conversation_id` is None — or, with `create`, when no conversation has that id yet (the
        bots name theirs).  Returns (conversation id, turn id)."""
        now, turn_id = time.time(), new_id("msg")
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                if conversation_id is None or create:
                    conversation_id = conversation_id or new_id("conv")
                    db.execute(
                        "INSERT OR IGNORE INTO conversations VALUES (?, ?, ?, ?, ?)",
                        (conversation_id, owner, title_of(turn.question), now, now),
                    )
                updated = db.execute(
                    "UPDATE conversations SET updated = ? WHERE id = ? AND owner = ?", (now, conversation_id, owner)
                )
                if updated.rowcount != 1:
                    raise _missing(conversation_id)
                position = db.execute(
                    "SELECT COALESCE(MAX(position), -1) + 1 FROM conversation_turns WHERE conversation = ?",
                    (conversation_id,),
                ).fetchone()[0]
                db.execute(
                    "INSERT INTO conversation_turns VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        turn_id,
                        conversation_id,
                        position,
                        turn.question,
                        turn.standalone,
                        turn.content,
                        json.dumps(turn.reply, ensure_ascii=False),
                        now,
                    ),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return conversation_id, turn_id

    def delete(self, owner: str, conversation_id: str) -> None:
        with self._lock:
            deleted = self._db().execute(
                "DELETE FROM conversations WHERE id = ? AND owner = ?", (conversation_id, owner)
            )
        if deleted.rowcount != 1:
            raise _missing(conversation_id)

    # -- feedback -----------------------------------------------------------------------------------------
    def rate(self, owner: str, turn_id: str, rating: Rating, comment: str | None, expected: str | None) -> Turn:
        """Record (or change) the feedback on one of the owner's turns; the turn with its feedback."""
        now = time.time()
        with self._lock:
            db = self._db()
            found = db.execute(
                """SELECT 1 FROM conversation_turns t JOIN conversations c ON c.id = t.conversation
                WHERE t.id = ? AND c.owner = ?""",
                (turn_id, owner),
            ).fetchone()
            if found is None:
                raise NotFound(f"no message {turn_id!r} in your conversations")
            db.execute(
                """INSERT INTO feedback VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (turn) DO UPDATE SET
                rated_by = excluded.rated_by, rating = excluded.rating, comment = excluded.comment,
                expected = excluded.expected, updated = excluded.updated""",
                (turn_id, owner, rating.value, comment, expected, now, now),
            )
            return _turn(db.execute(f"{_TURNS} WHERE t.id = ?", (turn_id,)).fetchone())

    def rated(self, rating: Rating | None = None) -> Iterator[tuple[str, Turn]]:
        """Every rated turn of every owner (for the export), oldest feedback first: (owner, turn)."""
        where = "WHERE f.rating IS NOT NULL" + (" AND f.rating = ?" if rating else "")
        with self._lock:
            query = f"{_TURNS} {where} ORDER BY f.created, t.id"
            rows = self._db().execute(query, (rating.value,) if rating else ()).fetchall()
        for row in rows:
            yield row["owner"], _turn(row)
