"""Identifiers: time-ordered UUIDv7 strings, so primary keys stay index-friendly."""

import os
import time
import uuid


def new_id() -> str:
    """Return a new UUIDv7 (RFC 9562) as its canonical string."""
    return _uuid7(time.time_ns() // 1_000_000, int.from_bytes(os.urandom(10), "big"))


def new_ids(count: int) -> list[str]:
    """``count`` new UUIDv7 strings, with one read of the random source."""
    millis = time.time_ns() // 1_000_000
    pool = os.urandom(10 * count)
    return [
        _uuid7(millis, int.from_bytes(pool[at : at + 10], "big"))
        for at in range(0, 10 * count, 10)
    ]


def _uuid7(millis: int, rand: int) -> str:
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))
