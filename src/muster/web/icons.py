"""The app icon as PNG, drawn here: a white cross with an amber centre on the
brand blue (the same design as ``static/icons/muster.svg``). Installed web
apps want PNG icons of fixed sizes; drawing them keeps binary files out of
the repository."""

import struct
import zlib
from functools import lru_cache

SIZES = (192, 512)
_BLUE = (0x0B, 0x4F, 0x8A)
_WHITE = (0xFF, 0xFF, 0xFF)
_AMBER = (0xF0, 0xB4, 0x00)


def _colour(x: float, y: float) -> tuple[int, int, int]:
    """The design on a 64-unit square, as in the SVG (without its corners)."""
    if (x - 32) ** 2 + (y - 32) ** 2 <= 25:
        return _AMBER
    if (26 <= x < 38 and 12 <= y < 52) or (12 <= x < 52 and 26 <= y < 38):
        return _WHITE
    return _BLUE


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


@lru_cache(maxsize=len(SIZES))
def png(size: int) -> bytes:
    """The icon, ``size`` pixels square, as a PNG file."""
    scale = 64 / size
    rows = bytearray()
    for row in range(size):
        rows.append(0)  # filter: none
        for col in range(size):
            rows.extend(_colour((col + 0.5) * scale, (row + 0.5) * scale))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + _chunk(b"IEND", b"")
    )
