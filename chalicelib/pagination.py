"""Opaque list cursors: DynamoDB's LastEvaluatedKey, base64url-encoded and tied to one store."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any, TypeVar

from chalicelib.errors import InvalidRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

T = TypeVar("T")

# How a route shows one item of a page (a view in chalicelib/api/views.py): the domain pages, api shapes.
Shape = Callable[[Any], dict[str, Any]]


def parse_limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:  # "²".isdigit() is True
        raise InvalidRequest(f"'limit' must be a whole number from 1 to {MAX_LIMIT}", field="limit")
    return int(raw)


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, sort_keys=True).encode()).decode().rstrip("=")


def decode_cursor(raw: str | None, store_id: str, *, partition: str = "store_id") -> dict[str, Any] | None:
    """The start key for the next page; a cursor of another store's partition (or garbage) is a 400.

    ``partition`` names the key attribute that must equal ``store_id`` (a store-prefixed key such as a
    conversation's ``<store_id>#<conversation_id>`` when the table is partitioned by it).
    """
    if not raw:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
        owner = key[partition]["S"]
    except (ValueError, KeyError, TypeError):
        raise InvalidRequest("'cursor' is not a cursor this API returned", field="cursor") from None
    if owner != store_id:
        raise InvalidRequest("'cursor' is not a cursor this API returned", field="cursor")
    return dict(key)


def page(query: Callable[..., Any], store_id: str, limit: int, cursor: str | None, shape: Shape) -> dict[str, Any]:
    """Run ``query(store_id, limit=, last_evaluated_key=)`` once and shape one page of items."""
    results = query(store_id, limit=limit, last_evaluated_key=decode_cursor(cursor, store_id))
    items = [shape(item) for item in results]
    return {"items": items, "next_cursor": encode_cursor(results.last_evaluated_key)}
