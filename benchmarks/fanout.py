"""Fan-out: how long a committed event takes to reach many WebSocket clients.

Starts the real server (``python -m muster serve``) on 127.0.0.1 against a
throwaway PostgreSQL database created inside the server named by
``MUSTER_DATABASE_URL``. With ``MUSTER_BUS_URL`` set (Redis), two instances
share the bus: half the clients listen on each, and the events are created
through the first, so half the deliveries cross instances. Without it, one
instance uses the in-process bus.

The clients (1,000 by default) connect to ``/api/v1/stream``; then a burst of
incidents is created over HTTP as fast as a few posters can. The latency of
a delivery is the client's receipt time minus the event's ``at`` (taken just
before the commit, on the same clock). Every client must receive every event
of the burst once, in order; anything missing, repeated or out of order
counts as lost.

Progress goes to stderr; the last line on stdout is one JSON object::

    {"benchmark": "fanout", "clients", "events", "p50_ms", "p99_ms", "lost", ...}

Usage: ``MUSTER_DATABASE_URL=postgresql://... [MUSTER_BUS_URL=redis://...]
python benchmarks/fanout.py [--clients 1000] [--events 100]``.
"""

import argparse
import asyncio
import json
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import uvloop
from sqlalchemy import func, select
from sqlalchemy.engine import URL

from _db import log, scratch_database, server_url
from _load import percentile
from _ws import StreamClient, open_stream
from intake import HOST, Target, free_port, incident_bodies, prepare, serving
from muster.core.db import create_engine, create_sessionmaker
from muster.core.settings import Settings
from muster.events.models import EventHead

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
CONNECT_BATCH = 100
DELIVERY_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Options:
    clients: int
    events: int
    posters: int


@dataclass
class Listener:
    """One WebSocket client: what it received after ``start``, and when."""

    start: int
    seqs: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    def record(self, message: bytes, received: float) -> None:
        event = json.loads(message)
        self.seqs.append(event["seq"])
        at = datetime.fromisoformat(event["at"].replace("Z", "+00:00"))
        self.latencies.append(received - at.timestamp())

    def lost(self, last: int) -> int:
        """Events in (start, last] not received exactly once and in order."""
        expected = list(range(self.start + 1, last + 1))
        if self.seqs == expected:
            return 0
        in_order = sum(1 for a, b in zip(self.seqs, expected, strict=False) if a == b)
        return len(expected) - in_order + max(0, len(self.seqs) - len(expected))


def server_target(url: URL, bus_url: str | None, prefix: str) -> Target:
    port = free_port()
    env = {
        **os.environ,
        "MUSTER_DATABASE_URL": url.render_as_string(hide_password=False),
        "MUSTER_HOST": HOST,
        "MUSTER_PORT": str(port),
        "MUSTER_ENV": "development",
        "MUSTER_LOG_LEVEL": "WARNING",
        "MUSTER_RUN_JOBS": "false",
        "MUSTER_BUS_PREFIX": prefix,
    }
    env.pop("MUSTER_BUS_URL", None)
    if bus_url:
        env["MUSTER_BUS_URL"] = bus_url
    argv = [sys.executable, "-m", "muster", "serve"]
    return Target(name="muster", argv=argv, env=env, port=port, requests=[])


async def last_seq(url: URL) -> int:
    """The benchmark department's last sequence number (it is the only one)."""
    engine = create_engine(
        Settings(database_url=url.render_as_string(hide_password=False))
    )
    try:
        async with create_sessionmaker(engine)() as session:
            found = await session.scalar(select(func.max(EventHead.last_seq)))
            return int(found or 0)
    finally:
        await engine.dispose()


@asynccontextmanager
async def clients(
    ports: Sequence[int], token: str, start: int, count: int
) -> AsyncIterator[list[tuple[StreamClient, Listener]]]:
    """``count`` open stream connections spread over ``ports``, all after ``start``."""
    path = f"/api/v1/stream?since={start}&access_token={token}"
    opened: list[tuple[StreamClient, Listener]] = []
    try:
        for first in range(0, count, CONNECT_BATCH):
            batch = range(first, min(count, first + CONNECT_BATCH))
            listeners = [Listener(start) for _ in batch]
            sockets = await asyncio.gather(
                *(
                    open_stream(HOST, ports[i % len(ports)], path, listener.record)
                    for i, listener in zip(batch, listeners, strict=True)
                )
            )
            opened.extend(zip(sockets, listeners, strict=True))
        log(f"{len(opened)} clients connected")
        yield opened
    finally:
        for client, _ in opened:
            client.close()
        await asyncio.gather(*(client.closed for client, _ in opened))


async def post_burst(port: int, token: str, options: Options) -> None:
    bodies = incident_bodies(options.events, seed=11)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def poster(http: httpx.AsyncClient) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            response = await http.post("/api/v1/incidents", content=body)
            assert response.status_code == 201, response.text

    async with httpx.AsyncClient(
        base_url=f"http://{HOST}:{port}", headers=headers, timeout=60
    ) as http:
        await asyncio.gather(*(poster(http) for _ in range(options.posters)))


async def wait_for_deliveries(
    opened: list[tuple[StreamClient, Listener]], end: int
) -> float:
    """Wait until every client has seen ``end``; return when the last one did."""
    deadline = time.monotonic() + DELIVERY_TIMEOUT_S
    pending = [listener for _, listener in opened]
    while pending and time.monotonic() < deadline:
        pending = [
            listener
            for listener in pending
            if not listener.seqs or listener.seqs[-1] < end
        ]
        await asyncio.sleep(0.01)
    if pending:
        log(f"{len(pending)} clients still waiting after {DELIVERY_TIMEOUT_S:.0f} s")
    return time.monotonic()


async def run_burst(
    url: URL, ports: Sequence[int], token: str, options: Options
) -> dict[str, Any]:
    start = await last_seq(url)
    async with clients(ports, token, start, options.clients) as opened:
        log(f"posting {options.events} incidents with {options.posters} posters…")
        began = time.monotonic()
        await post_burst(ports[0], token, options)
        posted = time.monotonic()
        end = await last_seq(url)
        delivered = await wait_for_deliveries(opened, end)
    latencies = sorted(x for _, listener in opened for x in listener.latencies)
    return {
        "events": end - start,
        "deliveries": len(latencies),
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 2),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "max_ms": round((latencies[-1] if latencies else 0) * 1000, 2),
        "lost": sum(listener.lost(end) for _, listener in opened),
        "burst_s": round(posted - began, 3),
        "all_delivered_s": round(delivered - began, 3),
    }


async def benchmark(
    admin: URL, bus_url: str | None, options: Options
) -> dict[str, Any]:
    prefix = f"muster-bench-{secrets.token_hex(5)}"
    instances = 2 if bus_url else 1
    async with scratch_database(admin, "fanout") as url:
        log("migrating and seeding…")
        token = await prepare(url)
        targets = [server_target(url, bus_url, prefix) for _ in range(instances)]
        async with AsyncExitStack() as stack:
            for target in targets:
                log(f"starting instance on {HOST}:{target.port}…")
                await stack.enter_async_context(serving(target))
            result = await run_burst(url, [t.port for t in targets], token, options)
    return {
        "benchmark": "fanout",
        "clients": options.clients,
        "instances": instances,
        "bus": "redis" if bus_url else "in-process",
        **result,
    }


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description="Benchmark live stream fan-out.")
    parser.add_argument("--clients", type=int, default=1000, help="WebSocket clients")
    parser.add_argument("--events", type=int, default=100, help="incidents created")
    parser.add_argument("--posters", type=int, default=4, help="concurrent posters")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.events < 1 or args.posters < 1:
        parser.error("need --clients, --events and --posters of 1 or more")
    return Options(clients=args.clients, events=args.events, posters=args.posters)


def main() -> None:
    options = parse_options()
    admin = server_url(os.environ.get("MUSTER_DATABASE_URL") or DEFAULT_URL)
    bus_url = os.environ.get("MUSTER_BUS_URL") or None
    result = uvloop.run(benchmark(admin, bus_url, options))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
