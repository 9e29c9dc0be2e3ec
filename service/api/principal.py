"""Who is asking: the caller of a /v1/* request as the routes see it.  `authorize` (access.py) sets
`request.state.principal`; routes read it with `principal_of(request)` and never look at keys themselves.
Storage (conversations, feedback, jobs) is keyed by `Principal.id`; logs name `Principal.name`, never a key."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from indexer.types import DEFAULT_COLLECTION

if TYPE_CHECKING:  # not imported at run time: the CLI (`hoidap keys`) uses Role without loading FastAPI
    from fastapi import Request

__all__ = ["ANONYMOUS", "DEFAULT_COLLECTION", "Principal", "Role", "principal_of"]


class Role(StrEnum):
    READER = "reader"  # asks, searches, reads documents of its collections
    EDITOR = "editor"  # and uploads, replaces, deletes documents in its collections
    ADMIN = "admin"  # and manages keys; sees every collection


@dataclass(frozen=True)
class Principal:
    id: str  # stable storage id: "key:<id>", "shared:<digest prefix>" or "anonymous"
    name: str  # for logs and the page: the key's name, never the key
    role: Role
    collections: frozenset[str] | None  # None: every collection

    def can_read(self, collection: str) -> bool:
        return self.collections is None or collection in self.collections

    def can_edit(self, collection: str) -> bool:
        return self.role in (Role.EDITOR, Role.ADMIN) and self.can_read(collection)


# No keys configured: a local, single-user service; the caller may do everything.
ANONYMOUS = Principal(id="anonymous", name="anonymous", role=Role.ADMIN, collections=None)


def principal_of(request: Request) -> Principal:
    return getattr(request.state, "principal", ANONYMOUS)
