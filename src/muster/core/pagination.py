"""Opaque cursors for keyset paging: the sort key of the last item, base64-encoded."""

import base64
import json
from typing import Any

from muster.core.errors import ValidationFailed

MAX_LIMIT = 200
DEFAULT_LIMIT = 50


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
