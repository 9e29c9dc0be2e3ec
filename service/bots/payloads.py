"""Reading what a webhook sends without trusting it: JSON that must be an object, fields that may be missing
or of any type, secrets compared in constant time whatever characters they hold."""

from __future__ import annotations

import hmac
import json
from typing import Any

from service.errors import BadRequest


def json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError as exc:  # not UTF-8 or not JSON
        raise BadRequest(f"the body is not JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise BadRequest("the body is JSON but not an object")
    return payload


def text_field(payload: Any, *path: str) -> str:
    """payload[path[0]][path[1]]… as text when it is a string or a number, else ""."""
    value = payload
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return str(value)


def same_secret(expected: str, given: str) -> bool:
    """Constant-time comparison that also takes non-ASCII input (hmac.compare_digest refuses such strings);
    header values arrive decoded as Latin-1, so they encode back to their bytes."""
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("latin-1", "replace"))
