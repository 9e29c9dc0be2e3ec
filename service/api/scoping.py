"""Which collections a request searches: the caller's key's collections, narrowed by the request's optional
`collections` (never widened).  A collection the caller cannot see is answered exactly as one that does not
exist, so a key learns nothing about other departments' collections.  The choice is kept on the request for
the request log (service/api/observability.py)."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request

from service.api.principal import Principal, principal_of
from service.engine import Engine
from service.errors import InvalidRequest


def visible_collections(principal: Principal, known: Iterable[str]) -> list[str]:
    """The index's collections this caller may see, sorted."""
    return sorted(c for c in known if principal.can_read(c))


def searched_collections(
    request: Request, engine: Engine, asked: list[str] | None, param: str = "collections"
) -> frozenset[str] | None:
    """The collections this request searches (None: every one), recorded for the request log."""
    principal = principal_of(request)
    if asked is None:
        scope = principal.collections
    else:
        visible = visible_collections(principal, engine.index.store.collections())
        unknown = [c for c in dict.fromkeys(asked) if c not in visible]
        if unknown:
            seen = ", ".join(visible) or "none"
            raise InvalidRequest(
                f"unknown collection {unknown[0]!r}: the collections this key sees are {seen} "
                "(GET /v1/collections lists them)",
                param,
            )
        scope = frozenset(asked)
    request.state.collections = scope
    return scope
