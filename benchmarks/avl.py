"""AVL throughput: position reports per second through ``POST /api/v1/locations``.

The full path is the real server (``python -m muster serve``: auth, validation
of every report, the subjects looked up, history rows inserted, one guarded
UPDATE per unit moved, commit), fed batches by ``benchmarks/_load.py``. A
batch is what a gateway uploads every few seconds: ``--per-unit`` consecutive
fixes (default 5, one a second) from each of ``batch / per-unit`` units, all
newer than what was sent before, so each batch moves every unit in it (with
``--per-unit 1`` every report moves its unit, the costliest case). The baseline is
bare asyncpg ``executemany`` inserting the same history rows into the same
table from as many connections, with no HTTP, validation or unit updates. Both
run in one throwaway PostgreSQL database created inside the server named by
``MUSTER_DATABASE_URL`` and dropped at the end.

Progress goes to stderr; the last line on stdout is one JSON object::

    {"benchmark": "avl", "full": {"positions_per_s", ...},
     "bare": {"positions_per_s", ...}, "ratio": <full / bare>, ...}

Usage: ``MUSTER_DATABASE_URL=postgresql://... python benchmarks/avl.py``.
"""

import argparse
import asyncio
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import uvloop
from sqlalchemy import func, insert, select
from sqlalchemy.engine import URL

from _db import log, scratch_database, server_url
from _load import LoadResult, run_load
from intake import (
    HOST,
    Target,
    checkpoint,
    free_port,
    plain_dsn,
    post_request,
    serving,
)
from muster.core import clock
from muster.core.db import create_engine, create_sessionmaker, transaction
from muster.core.ids import new_id
from muster.core.security import hash_token, new_token
from muster.core.settings import Settings
from muster.events.schemas import Actor, Context
from muster.migrations.runner import upgrade
from muster.org import service as org_service
from muster.org.models import ApiToken
from muster.org.roles import Role
from muster.org.schemas import MemberCreate
from muster.units.models import PositionReport, Unit, UnitType

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_ACTOR = Actor(name="avl benchmark")
CENTRE = (47.40, 8.55)
REQUEST_VARIANTS = 600
HISTORY_SPAN_S = 3000.0  # reports are dated across the last 50 minutes, in order

BARE_INSERT = """
INSERT INTO position_reports
    (id, department_id, unit_id, member_id, at, lat, lon, speed_kmh, heading,
     accuracy_m, reported_by, received_at)
VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $10, $11)
"""


@dataclass(frozen=True)
class Options:
    clients: int
    batch: int
    per_unit: int
    units: int
    warmup_s: float
    duration_s: float


@dataclass(frozen=True)
class Seeded:
    department_id: str
    member_id: str
    token: str
    unit_ids: list[str]


# Database --------------------------------------------------------------------------


def unit_rows(department_id: str, type_id: str, count: int) -> list[dict[str, Any]]:
    now = clock.now() - timedelta(hours=1)
    return [
        {
            "id": new_id(),
            "department_id": department_id,
            "name": f"U{number:05d}",
            "unit_type_id": type_id,
            "crew_size": 4,
            "staffing": "staffed",
            "status": "available",
            "status_at": now,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        for number in range(count)
    ]


async def prepare(url: URL, units: int) -> Seeded:
    """Migrate; add a department, a responder with a device token, and units."""
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
            member, _ = await org_service.add_member(
                session,
                ctx=Context(department.id, BENCH_ACTOR),
                data=MemberCreate(
                    email="mdt@bench.example", name="MDT", roles=[Role.RESPONDER]
                ),
            )
            session.add(_device_token(token, member.id, department.id))
        type_id = new_id()
        rows = unit_rows(department.id, type_id, units)
        async with engine.begin() as connection:
            await connection.execute(
                insert(UnitType),
                [
                    {
                        "id": type_id,
                        "department_id": department.id,
                        "code": "ENGINE",
                        "name": "Engine",
                        "capabilities": ["engine"],
                        "created_at": clock.now(),
                    }
                ],
            )
            await connection.execute(insert(Unit), rows)
        return Seeded(department.id, member.id, token, [r["id"] for r in rows])
    finally:
        await engine.dispose()


def _device_token(token: str, member_id: str, department_id: str) -> ApiToken:
    return ApiToken(
        token_hash=hash_token(token),
        member_id=member_id,
        department_id=department_id,
        kind="api",
        name="avl benchmark",
        roles=[Role.RESPONDER],
        created_at=clock.now(),
        expires_at=None,
        revoked_at=None,
    )


async def stored(url: URL) -> tuple[int, int]:
    """How many reports are stored, and how many units have a position."""
    engine = create_engine(
        Settings(database_url=url.render_as_string(hide_password=False))
    )
    try:
        async with engine.connect() as connection:
            reports = await connection.scalar(select(func.count(PositionReport.id)))
            moved = await connection.scalar(
                select(func.count(Unit.id)).where(Unit.location_at.is_not(None))
            )
        return int(reports or 0), int(moved or 0)
    finally:
        await engine.dispose()


# Reports ---------------------------------------------------------------------------


def batches(unit_ids: Sequence[str], options: Options, seed: int = 11) -> list[list]:
    """``REQUEST_VARIANTS`` batches, each of ``per_unit`` consecutive fixes from
    distinct units, dated in order over the past ``HISTORY_SPAN_S`` so each
    batch is newer than the ones before it and moves its units."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    start = clock.now() - timedelta(seconds=HISTORY_SPAN_S)
    step = HISTORY_SPAN_S / (REQUEST_VARIANTS * options.batch)
    out, tick = [], 0
    for _ in range(REQUEST_VARIANTS):
        chosen = rng.sample(list(unit_ids), options.batch // options.per_unit)
        items = []
        for _fix in range(options.per_unit):
            for unit_id in chosen:
                tick += 1
                at = start + timedelta(seconds=tick * step)
                items.append(_report(rng, unit_id, at))
        out.append(items)
    return out


def _report(rng: random.Random, unit_id: str, at: datetime) -> dict[str, Any]:
    return {
        "unit_id": unit_id,
        "lat": round(CENTRE[0] + rng.uniform(-0.3, 0.3), 6),
        "lon": round(CENTRE[1] + rng.uniform(-0.3, 0.3), 6),
        "at": at.isoformat(),
        "speed": round(rng.uniform(0, 90), 1),
        "heading": round(rng.uniform(0, 359), 1),
    }


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
    return Target(
        name="full",
        argv=[sys.executable, "-m", "muster", "serve"],
        env=env,
        port=port,
        requests=[post_request("/api/v1/locations", port, b, token) for b in bodies],
    )


# Runs ------------------------------------------------------------------------------


async def measure_full(
    url: URL, seeded: Seeded, reports: list[list], options: Options
) -> LoadResult:
    bodies = [
        json.dumps({"items": items}, separators=(",", ":")).encode()
        for items in reports
    ]
    target = full_target(url, seeded.token, bodies)
    await checkpoint(url)
    log(f"starting the server on {HOST}:{target.port}…")
    async with serving(target):
        log(
            f"warming up ({options.warmup_s:g} s), then measuring "
            f"{options.duration_s:g} s: {options.clients} clients, "
            f"{options.batch} reports per batch, {options.per_unit} per unit…"
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
        f"full: {result.rps * options.batch:.0f} positions/s "
        f"({result.rps:.1f} batches/s), p50 {result.p50_ms:.1f} ms, "
        f"p99 {result.p99_ms:.1f} ms, {result.errors} errors"
    )
    if result.first_error is not None:
        log(f"full: first error: {result.first_error}")
    return result


def bare_rows(seeded: Seeded, items: list[dict[str, Any]]) -> list[tuple]:
    received = clock.now()
    return [
        (
            new_id(),
            seeded.department_id,
            item["unit_id"],
            datetime.fromisoformat(item["at"]),
            item["lat"],
            item["lon"],
            item["speed"],
            item["heading"],
            None,
            seeded.member_id,
            received,
        )
        for item in items
    ]


async def _bare_client(
    pool: asyncpg.Pool, seeded: Seeded, reports: list[list], window: list[float]
) -> tuple[int, int]:
    """Insert batches until the window closes; (rows in the window, batches)."""
    rows = batches_done = 0
    start, stop = window
    position = random.randrange(len(reports))  # noqa: S311 - load spread only
    while time.perf_counter() < stop:
        items = reports[position % len(reports)]
        position += 1
        async with pool.acquire() as connection, connection.transaction():
            await connection.executemany(BARE_INSERT, bare_rows(seeded, items))
        if time.perf_counter() >= start:
            rows += len(items)
            batches_done += 1
    return rows, batches_done


async def measure_bare(
    url: URL, seeded: Seeded, reports: list[list], options: Options
) -> float:
    await checkpoint(url)
    dsn = plain_dsn(url)
    async with asyncpg.create_pool(
        dsn, min_size=options.clients, max_size=options.clients
    ) as pool:
        begin = time.perf_counter()
        window = [
            begin + options.warmup_s,
            begin + options.warmup_s + options.duration_s,
        ]
        done = await asyncio.gather(
            *(
                _bare_client(pool, seeded, reports, window)
                for _ in range(options.clients)
            )
        )
    # Batches straddling the window's end are counted whole: a slight overcount
    # that favours the baseline.
    rate = sum(rows for rows, _ in done) / options.duration_s
    log(f"bare: {rate:.0f} positions/s")
    return rate


def report(
    full: LoadResult, bare_rate: float, options: Options, stored_rows: tuple[int, int]
) -> dict[str, Any]:
    full_rate = full.rps * options.batch
    return {
        "benchmark": "avl",
        "full": {
            "positions_per_s": round(full_rate, 1),
            "batches_per_s": round(full.rps, 2),
            "p50_ms": round(full.p50_ms, 2),
            "p99_ms": round(full.p99_ms, 2),
            "errors": full.errors,
        },
        "bare": {"positions_per_s": round(bare_rate, 1)},
        "ratio": round(full_rate / bare_rate, 3) if bare_rate else 0.0,
        "batch": options.batch,
        "per_unit": options.per_unit,
        "clients": options.clients,
        "units": options.units,
        "warmup_s": options.warmup_s,
        "duration_s": options.duration_s,
        "stored_reports": stored_rows[0],
        "units_located": stored_rows[1],
    }


async def benchmark(admin: URL, options: Options) -> dict[str, Any]:
    async with scratch_database(admin, "avl") as url:
        log("migrating and seeding…")
        seeded = await prepare(url, options.units)
        reports = batches(seeded.unit_ids, options)
        full = await measure_full(url, seeded, reports, options)
        counts = await stored(url)
        log(f"stored {counts[0]} reports; {counts[1]} units have a position")
        bare = await measure_bare(url, seeded, reports, options)
    return report(full, bare, options, counts)


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description="Benchmark POST /api/v1/locations.")
    parser.add_argument("--clients", type=int, default=4, help="connections")
    parser.add_argument("--batch", type=int, default=500, help="reports per batch")
    parser.add_argument(
        "--per-unit", type=int, default=5, help="fixes per unit in a batch"
    )
    parser.add_argument("--units", type=int, default=2000, help="units reporting")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per run")
    parser.add_argument("--duration", type=float, default=10.0, help="measured s")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.warmup < 0 or args.duration <= 0:
        parser.error("need --clients >= 1, --warmup >= 0 and --duration > 0")
    if not 1 <= args.batch <= 2000 or args.batch % args.per_unit:
        parser.error("need 1 <= --batch <= 2000, a multiple of --per-unit")
    if not 1 <= args.batch // args.per_unit <= args.units:
        parser.error("need --units at least --batch / --per-unit")
    return Options(
        clients=args.clients,
        batch=args.batch,
        per_unit=args.per_unit,
        units=args.units,
        warmup_s=args.warmup,
        duration_s=args.duration,
    )


def main() -> None:
    options = parse_options()
    admin = server_url(os.environ.get("MUSTER_DATABASE_URL") or DEFAULT_URL)
    result = uvloop.run(benchmark(admin, options))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
