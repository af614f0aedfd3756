"""A lean HTTP/1.1 load generator for benchmarks, on asyncio protocols.

Each client holds one keep-alive connection with one request in flight.
Requests are pre-built bytes; a response is read by its status line and
``Content-Length`` only. Responses completing during the warm-up are not
measured; those completing in the measured window give the rate and the
latencies. Everything stops by itself: a connection closes once the window
ends, and anything still open a grace period later is aborted.
"""

import asyncio
import itertools
import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

GRACE_S = 10.0
RECONNECT_PAUSE_S = 0.05
_HEADER_END = b"\r\n\r\n"
_CONTENT_LENGTH = b"\r\ncontent-length:"


class ProtocolError(Exception):
    """A response this client cannot read (no ``Content-Length``, bad status)."""


@dataclass
class Window:
    """The measured interval and what happened in it (errors count the whole run)."""

    start: float
    stop: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str | None = None

    def record(self, sent: float, done: float, status: int, body: bytes) -> None:
        if not 200 <= status < 300:
            self.error(f"HTTP {status}: {body[:300].decode('utf-8', 'replace')}")
        elif self.start <= done <= self.stop:
            self.latencies.append(done - sent)

    def error(self, reason: str) -> None:
        self.errors += 1
        if self.first_error is None:
            self.first_error = reason


@dataclass(frozen=True)
class LoadResult:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    first_error: str | None

    def summary(self) -> dict[str, float | int]:
        return {
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 2),
            "p99_ms": round(self.p99_ms, 2),
            "requests": self.requests,
            "errors": self.errors,
        }


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


def _content_length(head: bytes) -> int:
    lowered = head.lower()
    at = lowered.find(_CONTENT_LENGTH)
    if at < 0:
        raise ProtocolError("response without Content-Length")
    start = at + len(_CONTENT_LENGTH)
    end = lowered.find(b"\r\n", start)
    return int(lowered[start : end if end >= 0 else len(lowered)])


def _status(head: bytes) -> int:
    if not head.startswith(b"HTTP/1.1 "):
        raise ProtocolError(f"bad status line {head[:40]!r}")
    return int(head[9:12])


class _Connection(asyncio.Protocol):
    """One keep-alive connection sending the next request as each answer arrives."""

    def __init__(self, requests: Iterator[bytes], window: Window) -> None:
        self._requests = requests
        self._window = window
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None
        self._sent_at = 0.0
        self._in_flight = False
        self._status = 0
        self._needed = -1
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without subclassing it.
        self._transport = cast(asyncio.Transport, transport)
        self._send_next()

    def _send_next(self) -> None:
        assert self._transport is not None
        self._sent_at = time.perf_counter()
        if self._sent_at >= self._window.stop:
            self._transport.close()
            return
        self._in_flight = True
        self._transport.write(next(self._requests))

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        try:
            while self._parse_one():
                pass
        except (ProtocolError, ValueError) as exc:
            self._window.error(str(exc))
            self._in_flight = False
            self.abort()

    def _parse_one(self) -> bool:
        if self._needed < 0:
            end = self._buffer.find(_HEADER_END)
            if end < 0:
                return False
            head = bytes(self._buffer[:end])
            self._status = _status(head)
            self._needed = end + len(_HEADER_END) + _content_length(head)
        if len(self._buffer) < self._needed:
            return False
        body = bytes(self._buffer[: self._needed])
        del self._buffer[: self._needed]
        self._needed = -1
        self._in_flight = False
        self._window.record(self._sent_at, time.perf_counter(), self._status, body)
        self._send_next()
        return True

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._in_flight:
            self._window.error(f"connection lost mid-request: {exc!r}")
        if not self.closed.done():
            self.closed.set_result(None)


async def _client(
    host: str,
    port: int,
    requests: Iterator[bytes],
    window: Window,
    live: set[_Connection],
) -> None:
    loop = asyncio.get_running_loop()
    while time.perf_counter() < window.stop:
        try:
            _, connection = await loop.create_connection(
                lambda: _Connection(requests, window), host, port
            )
        except OSError as exc:
            window.error(f"connect failed: {exc!r}")
            await asyncio.sleep(RECONNECT_PAUSE_S)
            continue
        live.add(connection)
        try:
            await connection.closed
        finally:
            live.discard(connection)


async def run_load(  # noqa: PLR0913 - one call describes one measured run
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    clients: int,
    warmup_s: float,
    duration_s: float,
) -> LoadResult:
    """Drive ``clients`` connections for ``warmup_s`` then measure ``duration_s``."""
    begin = time.perf_counter()
    window = Window(start=begin + warmup_s, stop=begin + warmup_s + duration_s)
    cycle = itertools.cycle(requests)
    live: set[_Connection] = set()
    tasks = [
        asyncio.create_task(_client(host, port, cycle, window, live))
        for _ in range(clients)
    ]
    _, pending = await asyncio.wait(tasks, timeout=warmup_s + duration_s + GRACE_S)
    for connection in list(live):
        connection.abort()  # still waiting after the grace period: an error
    if pending:
        _, stuck = await asyncio.wait(pending, timeout=GRACE_S)
        for task in stuck:
            task.cancel()
    latencies = sorted(window.latencies)
    return LoadResult(
        rps=len(latencies) / duration_s,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p99_ms=percentile(latencies, 0.99) * 1000,
        requests=len(latencies),
        errors=window.errors,
        first_error=window.first_error,
    )
