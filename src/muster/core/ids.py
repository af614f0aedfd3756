"""Identifiers: time-ordered UUIDv7 strings, so primary keys stay index-friendly."""

import os
import time
import uuid


def new_id() -> str:
    """Return a new UUIDv7 (RFC 9562) as its canonical string."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))
