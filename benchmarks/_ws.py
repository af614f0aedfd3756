"""A lean WebSocket client for benchmarks, on asyncio protocols.

It does only what listening to a stream needs: the opening handshake, reading
unmasked text frames from the server, answering pings and closing. A full
client library spends a task, futures and a queue per message; with a
thousand clients in one process on a small machine, that cost would be taken
from the server being measured.
"""

import asyncio
import base64
import os
import struct
import time
from collections.abc import Callable
from typing import cast

OP_TEXT = 0x1
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA
_HEADER_END = b"\r\n\r\n"

OnMessage = Callable[[bytes, float], None]


class HandshakeError(Exception):
    """The server did not switch protocols."""


def _client_frame(opcode: int, payload: bytes) -> bytes:
    """A masked frame, as RFC 6455 requires of clients (payloads under 126 bytes)."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked


class StreamClient(asyncio.Protocol):
    """One connection; ``on_message(payload, received_at)`` for each text frame."""

    def __init__(self, host: str, path: str, on_message: OnMessage) -> None:
        self._request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}\r\n\r\n"
        ).encode()
        self._on_message = on_message
        self._buffer = bytearray()
        self._open = False
        self._transport: asyncio.Transport | None = None
        loop = asyncio.get_running_loop()
        self.opened: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[None] = loop.create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)
        self._transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        received = time.time()
        self._buffer += data
        if not self._open and not self._handshake():
            return
        while self._frame(received):
            pass

    def _handshake(self) -> bool:
        end = self._buffer.find(_HEADER_END)
        if end < 0:
            return False
        head = bytes(self._buffer[:end])
        del self._buffer[: end + len(_HEADER_END)]
        if not head.startswith(b"HTTP/1.1 101"):
            self.opened.set_exception(HandshakeError(head[:200].decode("latin-1")))
            self.close()
            return False
        self._open = True
        self.opened.set_result(None)
        return True

    def _frame(self, received: float) -> bool:
        buffer = self._buffer
        if len(buffer) < 2:
            return False
        opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
        if length == 126:
            if len(buffer) < 4:
                return False
            length, start = struct.unpack_from("!H", buffer, 2)[0], 4
        elif length == 127:
            if len(buffer) < 10:
                return False
            length, start = struct.unpack_from("!Q", buffer, 2)[0], 10
        if len(buffer) < start + length:
            return False
        payload = bytes(buffer[start : start + length])
        del buffer[: start + length]
        self._handle(opcode, payload, received)
        return True

    def _handle(self, opcode: int, payload: bytes, received: float) -> None:
        if opcode == OP_TEXT:
            self._on_message(payload, received)
        elif opcode == OP_PING and self._transport is not None:
            self._transport.write(_client_frame(OP_PONG, payload[:125]))
        elif opcode == OP_CLOSE:
            self.close()

    def close(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            if self._open:
                self._transport.write(_client_frame(OP_CLOSE, struct.pack("!H", 1000)))
            self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed early: {exc!r}"))
        if not self.closed.done():
            self.closed.set_result(None)


async def open_stream(
    host: str, port: int, path: str, on_message: OnMessage
) -> StreamClient:
    """A connected client whose handshake succeeded."""
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(
        lambda: StreamClient(f"{host}:{port}", path, on_message), host, port
    )
    await client.opened
    return client
