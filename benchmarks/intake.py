"""Intake throughput: ``POST /api/v1/incidents`` end to end against a bare baseline.

The full path is the real server (``python -m muster serve``: auth, validation,
incident row, event, commit); the baseline is a minimal Starlette route doing
one asyncpg INSERT of a similar row (``benchmarks/_bare_app.py``). Both run as
one uvicorn worker on 127.0.0.1 against the same throwaway PostgreSQL database,
created inside the server named by ``MUSTER_DATABASE_URL`` and dropped at the
end, and both take the same load from ``benchmarks/_load.py``.

Progress goes to stderr; the last line on stdout is one JSON object::

    {"benchmark": "intake", "full": {"rps", "p50_ms", "p99_ms", ...},
     "bare": {...}, "ratio": <full rps / bare rps>, ...}

Usage: ``MUSTER_DATABASE_URL=postgresql://... python benchmarks/intake.py``.
"""

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import uvloop
from sqlalchemy.engine import URL

from _db import admin_execute, log, scratch_database, server_url
from _load import LoadResult, run_load
from muster.core import clock
from muster.core.db import create_engine, create_sessionmaker, transaction
from muster.core.security import hash_token, new_token
from muster.core.settings import Settings
from muster.events.schemas import Actor, Context
from muster.incidents import type_service
from muster.incidents.schemas import IncidentTypeCreate
from muster.migrations.runner import upgrade
from muster.org import service as org_service
from muster.org.models import ApiToken
from muster.org.roles import Role
from muster.org.schemas import MemberCreate

HERE = Path(__file__).resolve().parent
HOST = "127.0.0.1"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_ACTOR = Actor(name="intake benchmark")
POOL_SIZE = 20  # the full app's default: 10 pooled plus 10 overflow connections
REQUEST_VARIANTS = 65_536
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


# Database --------------------------------------------------------------------------


def plain_dsn(url: URL) -> str:
    """The URL as asyncpg and libpq spell it (no ``+asyncpg``)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def checkpoint(url: URL) -> None:
    """Flush dirty pages so neither run pays for the other's checkpoint."""
    try:
        await admin_execute(url, "CHECKPOINT")
    except asyncpg.PostgresError as exc:
        log(f"CHECKPOINT refused ({exc}); continuing")


async def prepare(url: URL) -> str:
    """Migrate, then add a department, a dispatcher, the FIRE type and a token."""
    engine = create_engine(
        Settings(database_url=url.render_as_string(hide_password=False))
    )
    try:
        await upgrade(engine)
        token = new_token()
        async with transaction(create_sessionmaker(engine)) as session:
            department = await org_service.create_department(
                session, name="Benchmark", slug="bench", actor=BENCH_ACTOR
            )
            ctx = Context(department.id, BENCH_ACTOR)
            member, _ = await org_service.add_member(
                session,
                ctx=ctx,
                data=MemberCreate(
                    email="dispatch@bench.example",
                    name="Bench",
                    roles=[Role.DISPATCHER],
                ),
            )
            await type_service.create_incident_type(
                session,
                ctx=ctx,
                data=IncidentTypeCreate(code="FIRE", name="Fire", category="fire"),
            )
            session.add(_api_token(token, member.id, department.id))
        return token
    finally:
        await engine.dispose()


def _api_token(token: str, member_id: str, department_id: str) -> ApiToken:
    return ApiToken(
        token_hash=hash_token(token),
        member_id=member_id,
        department_id=department_id,
        kind="api",
        name="intake benchmark",
        roles=None,
        created_at=clock.now(),
        expires_at=None,
        revoked_at=None,
    )


# Requests --------------------------------------------------------------------------


def incident_bodies(count: int, seed: int = 7) -> list[bytes]:
    """Valid incident bodies spread over a large area, so duplicates stay rare."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    bodies = []
    for i in range(count):
        body = {
            "type": "FIRE",
            "description": f"Smoke reported by caller {i}",
            "location": {
                "lat": round(rng.uniform(45.0, 55.0), 6),
                "lon": round(rng.uniform(5.0, 15.0), 6),
            },
        }
        bodies.append(json.dumps(body, separators=(",", ":")).encode())
    return bodies


def post_request(path: str, port: int, body: bytes, token: str | None) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {HOST}:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
    ]
    if token is not None:
        lines.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# Servers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    argv: list[str]
    env: dict[str, str]
    port: int
    requests: list[bytes]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def full_target(url: URL, token: str, bodies: Sequence[bytes]) -> Target:
    port = free_port()
    env = {
        **os.environ,
        "MUSTER_DATABASE_URL": url.render_as_string(hide_password=False),
        "MUSTER_HOST": HOST,
        "MUSTER_PORT": str(port),
        "MUSTER_ENV": "development",
        "MUSTER_LOG_LEVEL": "WARNING",
    }
    path = "/api/v1/incidents"
    return Target(
        name="full",
        argv=[sys.executable, "-m", "muster", "serve"],
        env=env,
        port=port,
        requests=[post_request(path, port, body, token) for body in bodies],
    )


def bare_target(url: URL, bodies: Sequence[bytes]) -> Target:
    port = free_port()
    env = {**os.environ, "MUSTER_BENCH_DSN": plain_dsn(url)}
    argv = [sys.executable, str(HERE / "_bare_app.py"), "--port", str(port)]
    return Target(
        name="bare",
        argv=[*argv, "--pool-size", str(POOL_SIZE)],
        env=env,
        port=port,
        requests=[post_request("/incidents", port, body, None) for body in bodies],
    )


async def _healthy(port: int) -> bool:
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
    except OSError:
        return False
    try:
        writer.write(f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        status = await asyncio.wait_for(reader.readline(), timeout=2.0)
        return status.startswith(b"HTTP/1.1 200")
    except (OSError, TimeoutError):
        return False
    finally:
        writer.close()


async def wait_until_healthy(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode}")
        if await _healthy(port):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"server not healthy after {STARTUP_TIMEOUT_S:.0f} s")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT_S)


@asynccontextmanager
async def serving(target: Target) -> AsyncIterator[None]:
    """The target's server, up and healthy; terminated on exit whatever happens."""
    process = subprocess.Popen(
        target.argv, env=target.env, stdout=sys.stderr, stderr=sys.stderr
    )
    try:
        await wait_until_healthy(process, target.port)
        yield
    finally:
        stop(process)


# Runs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    clients: int
    warmup_s: float
    duration_s: float


async def measure(target: Target, url: URL, options: Options) -> LoadResult:
    await checkpoint(url)
    log(f"starting {target.name} server on {HOST}:{target.port}…")
    async with serving(target):
        log(
            f"warming up {target.name} ({options.warmup_s:g} s), then measuring "
            f"{options.duration_s:g} s with {options.clients} clients…"
        )
        result = await run_load(
            HOST,
            target.port,
            target.requests,
            clients=options.clients,
            warmup_s=options.warmup_s,
            duration_s=options.duration_s,
        )
    log(
        f"{target.name}: {result.rps:.0f} req/s, p50 {result.p50_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms, {result.errors} errors"
    )
    if result.first_error is not None:
        log(f"{target.name}: first error: {result.first_error}")
    return result


def report(full: LoadResult, bare: LoadResult, options: Options) -> dict[str, Any]:
    return {
        "benchmark": "intake",
        "full": full.summary(),
        "bare": bare.summary(),
        "ratio": round(full.rps / bare.rps, 3) if bare.rps else 0.0,
        "clients": options.clients,
        "warmup_s": options.warmup_s,
        "duration_s": options.duration_s,
        "errors": full.errors + bare.errors,
    }


async def benchmark(admin: URL, options: Options) -> dict[str, Any]:
    bodies = incident_bodies(REQUEST_VARIANTS)
    async with scratch_database(admin, "intake") as url:
        log("migrating and seeding…")
        token = await prepare(url)
        full = await measure(full_target(url, token, bodies), url, options)
        bare = await measure(bare_target(url, bodies), url, options)
    return report(full, bare, options)


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description="Benchmark POST /api/v1/incidents.")
    parser.add_argument("--clients", type=int, default=64, help="connections")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per target")
    parser.add_argument("--duration", type=float, default=10.0, help="measured s")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.warmup < 0 or args.duration <= 0:
        parser.error("need --clients >= 1, --warmup >= 0 and --duration > 0")
    return Options(clients=args.clients, warmup_s=args.warmup, duration_s=args.duration)


def main() -> None:
    options = parse_options()
    admin = server_url(os.environ.get("MUSTER_DATABASE_URL") or DEFAULT_URL)
    result = uvloop.run(benchmark(admin, options))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
