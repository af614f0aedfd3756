"""Opaque cursors for keyset paging: the sort key of the last item, base64-encoded."""

import base64
import json
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from muster.core.errors import ValidationFailed

T = TypeVar("T")

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class PageRequest:
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


def encode_cursor(*key: Any) -> str:
    raw = json.dumps(list(key), separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, size: int) -> list[Any]:
    """The key a cursor carries; a malformed cursor is a validation error."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(
            "cursor is malformed",
            errors=[{"loc": ["query", "cursor"], "msg": "malformed"}],
        ) from exc
    if not isinstance(key, list) or len(key) != size:
        raise ValidationFailed(
            "cursor is malformed",
            errors=[{"loc": ["query", "cursor"], "msg": "malformed"}],
        )
    return key


async def keyset_page(
    session: AsyncSession,
    query: Select[T],
    *,
    order: tuple[InstrumentedAttribute[Any], InstrumentedAttribute[Any]],
    page: PageRequest,
) -> tuple[list[T], str | None]:
    """A page of ``query`` ascending by ``order``: a sort column, then a unique one."""
    first, second = order
    limit = page.limit
    if page.cursor:
        after_first, after_second = decode_cursor(page.cursor, size=2)
        query = query.where(
            (first > after_first) | ((first == after_first) & (second > after_second))
        )
    ordered = query.order_by(first, second).limit(limit + 1)
    rows = list((await session.scalars(ordered)).all())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode_cursor(getattr(last, first.key), getattr(last, second.key))
