"""Response-time report at a million incidents, beside one hand-written SQL query.

In a throwaway PostgreSQL database created inside the server named by
``MUSTER_DATABASE_URL`` (and dropped at the end) this seeds a department with
20 incident types, 40 stations and 200 units, then loads incidents with one
to three unit assignments each (about two on average) by binary COPY: first
100,000, then 900,000 more. At each size it times the full report
(``muster.reporting.service.response_times``: every interval, overall and per
group) grouped by type and grouped by station, and beside it a single
hand-written SQL aggregate over the same rows (turnout count, mean, median and
90th percentile per type, with ``percentile_cont``). Each figure is the
median of three runs after one warm-up.

Progress goes to stderr; the last line on stdout is one JSON object::

    {"benchmark": "reports", "results": [{"incidents": 100000, "report_s",
     "sql_s", "report_type_s", "report_station_s", "assignments"}, ...],
     "growth": <report_s at the largest size / report_s at the smallest>}

``report_s`` is the slower of the two groupings.

Usage: ``MUSTER_DATABASE_URL=postgresql://... python benchmarks/reports.py``.
"""

import argparse
import asyncio
import json
import os
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from _db import log, scratch_database, server_url
from muster.core import clock
from muster.core.db import create_engine, create_sessionmaker, transaction
from muster.core.ids import new_id
from muster.core.settings import Settings
from muster.events.schemas import Actor
from muster.migrations.runner import upgrade
from muster.org import service as org_service
from muster.reporting import service as report_service
from muster.reporting.local_time import ShiftRotation
from muster.reporting.schemas import GroupBy, ReportQuery

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_ACTOR = Actor(name="reports benchmark")
SIZES = (100_000, 1_000_000)
TYPES, STATIONS, UNITS = 20, 40, 200
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
RUNS = 3

HAND_WRITTEN = text(
    """
    SELECT i.type_id,
           count(*),
           avg(date_part('epoch', a.en_route_at - a.dispatched_at)),
           percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP
               (ORDER BY date_part('epoch', a.en_route_at - a.dispatched_at))
    FROM assignments a JOIN incidents i ON i.id = a.incident_id
    WHERE i.department_id = :dept AND a.en_route_at >= a.dispatched_at
    GROUP BY i.type_id
    """
)


@dataclass
class Department:
    id: str
    types: list[str]
    stations: list[str]
    units: list[str]


def plain_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _row(department_id: str, values: list[Any], created: datetime) -> tuple[Any, ...]:
    return (new_id(), department_id, created, created, 1, "closed", *values)


async def seed(engine: AsyncEngine, dsn: str) -> Department:
    """A department with types, stations, a unit type and units (bulk inserted)."""
    async with transaction(create_sessionmaker(engine)) as session:
        department = await org_service.create_department(
            session,
            name="Bench",
            slug="bench",
            timezone="America/Chicago",
            actor=BENCH_ACTOR,
        )
    now = clock.now()
    dept = Department(department.id, [], [], [])
    connection = await asyncpg.connect(dsn)
    try:
        dept.types = [new_id() for _ in range(TYPES)]
        await connection.copy_records_to_table(
            "incident_types",
            records=[
                (
                    t,
                    dept.id,
                    f"T{i}",
                    f"Type {i}",
                    "ems" if i % 3 == 0 else "fire",
                    2,
                    now,
                    False,
                )
                for i, t in enumerate(dept.types)
            ],
            columns=[
                "id",
                "department_id",
                "code",
                "name",
                "category",
                "default_priority",
                "created_at",
                "auto_dispatch",
            ],
        )
        dept.stations = [new_id() for _ in range(STATIONS)]
        await connection.copy_records_to_table(
            "stations",
            records=[
                (s, dept.id, f"S{i:02d}", f"Station {i}", now, 1)
                for i, s in enumerate(dept.stations)
            ],
            columns=["id", "department_id", "code", "name", "created_at", "version"],
        )
        unit_type = new_id()
        await connection.execute(
            "INSERT INTO unit_types"
            " (id, department_id, code, name, capabilities, created_at)"
            " VALUES ($1, $2, 'ENGINE', 'Engine', '[\"engine\"]', $3)",
            unit_type,
            dept.id,
            now,
        )
        dept.units = [new_id() for _ in range(UNITS)]
        await connection.copy_records_to_table(
            "units",
            records=[
                (
                    u,
                    dept.id,
                    f"U{i:03d}",
                    unit_type,
                    4,
                    "staffed",
                    "available",
                    now,
                    now,
                    now,
                    1,
                )
                for i, u in enumerate(dept.units)
            ],
            columns=[
                "id",
                "department_id",
                "name",
                "unit_type_id",
                "crew_size",
                "staffing",
                "status",
                "status_at",
                "created_at",
                "updated_at",
                "version",
            ],
        )
    finally:
        await connection.close()
    return dept


# Generation ------------------------------------------------------------------------


def _lognormal(
    rng: np.random.Generator, median: float, sigma: float, shape: Any
) -> Any:
    return np.rint(rng.lognormal(np.log(median), sigma, shape)).astype(np.int64)


def generate(
    first: int, count: int, rng: np.random.Generator
) -> tuple[list[Any], list[Any]]:
    """Staging rows (epoch seconds, -1 for a missing time) for ``count`` incidents."""
    numbers = np.arange(first, first + count, dtype=np.int64)
    year = int(timedelta(days=365).total_seconds())
    received = int(YEAR_START.timestamp()) + rng.integers(0, year, count)
    dispatched = received + _lognormal(rng, 60, 0.5, count)
    units = 1 + rng.binomial(2, 0.5, count)
    shape = (count, 3)
    present = np.arange(3)[None, :] < units[:, None]
    sent = dispatched[:, None] + 5 * np.arange(3)[None, :]
    en_route = sent + _lognormal(rng, 60, 0.4, shape)
    on_scene = en_route + _lognormal(rng, 240, 0.5, shape)
    cleared = on_scene + _lognormal(rng, 1200, 0.7, shape)
    moved = present & (rng.random(shape) > 0.03)
    arrived = moved & (rng.random(shape) > 0.2)
    big = np.iinfo(np.int64).max
    first_en_route = np.where(moved, en_route, big).min(axis=1)
    first_on_scene = np.where(arrived, on_scene, big).min(axis=1)
    incidents = list(
        zip(
            numbers.tolist(),
            rng.integers(0, TYPES, count).tolist(),
            rng.integers(0, STATIONS, count).tolist(),
            rng.integers(1, 6, count).tolist(),
            received.tolist(),
            dispatched.tolist(),
            np.where(first_en_route == big, -1, first_en_route).tolist(),
            np.where(first_on_scene == big, -1, first_on_scene).tolist(),
            np.where(present, cleared, 0).max(axis=1).tolist(),
            strict=True,
        )
    )
    rows, slots = np.nonzero(present)
    assignments = list(
        zip(
            numbers[rows].tolist(),
            slots.tolist(),
            rng.integers(0, UNITS, rows.size).tolist(),
            sent[rows, slots].tolist(),
            np.where(moved, en_route, -1)[rows, slots].tolist(),
            np.where(arrived, on_scene, -1)[rows, slots].tolist(),
            cleared[rows, slots].tolist(),
            strict=True,
        )
    )
    return incidents, assignments


_STAGE = """
CREATE TEMP TABLE stage_incidents (n bigint, type_idx int, station_idx int,
    priority int, received bigint, dispatched bigint, en_route bigint,
    on_scene bigint, closed bigint);
CREATE TEMP TABLE stage_assignments (n bigint, slot int, unit_idx int,
    dispatched bigint, en_route bigint, on_scene bigint, cleared bigint);
"""

_MOVE_INCIDENTS = """
INSERT INTO incidents (id, department_id, number, type_id, priority, status, lat, lon,
    description, fields, station_id, received_at, dispatched_at, first_en_route_at,
    first_on_scene_at, closed_at, created_at, updated_at, version)
SELECT md5(n::text)::uuid::text, $1, n::text, ($2::text[])[type_idx + 1], priority,
    'closed', 41.88, -87.63, 'benchmark', '{}', ($3::text[])[station_idx + 1],
    to_timestamp(received), to_timestamp(dispatched),
    to_timestamp(nullif(en_route, -1)), to_timestamp(nullif(on_scene, -1)),
    to_timestamp(closed), now(), now(), 1
FROM stage_incidents
"""

_MOVE_ASSIGNMENTS = """
INSERT INTO assignments (id, department_id, incident_id, unit_id, alarm_level,
    capability, status, pages, dispatched_at, en_route_at, on_scene_at, cleared_at,
    version)
SELECT md5(n::text || '/' || slot)::uuid::text, $1, md5(n::text)::uuid::text,
    ($2::text[])[unit_idx + 1], 1, 'engine', 'cleared', 1, to_timestamp(dispatched),
    to_timestamp(nullif(en_route, -1)), to_timestamp(nullif(on_scene, -1)),
    to_timestamp(cleared), 1
FROM stage_assignments
"""


async def _skip_triggers(connection: asyncpg.Connection) -> None:
    """A scratch database: skip the per-row foreign-key triggers while loading."""
    try:
        await connection.execute("SET session_replication_role = replica")
    except asyncpg.PostgresError as exc:
        log(f"foreign keys stay checked while loading ({exc})")


async def load(dsn: str, dept: Department, first: int, count: int) -> int:
    """Add ``count`` incidents by COPY into staging tables; returns assignments."""
    incidents, assignments = generate(first, count, np.random.default_rng(first))
    connection = await asyncpg.connect(dsn)
    try:
        await _skip_triggers(connection)
        async with connection.transaction():
            await connection.execute(_STAGE)
            await connection.copy_records_to_table("stage_incidents", records=incidents)
            await connection.copy_records_to_table(
                "stage_assignments", records=assignments
            )
            await connection.execute(
                _MOVE_INCIDENTS, dept.id, dept.types, dept.stations
            )
            await connection.execute(_MOVE_ASSIGNMENTS, dept.id, dept.units)
        await connection.execute("ANALYZE incidents; ANALYZE assignments")
    finally:
        await connection.close()
    return len(assignments)


# Measurement -----------------------------------------------------------------------


async def timed(work: Callable[[], Awaitable[object]]) -> float:
    """Median seconds of ``RUNS`` runs after one warm-up."""
    await work()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        await work()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times), 3)


async def measure(
    engine: AsyncEngine, dept: Department, incidents: int, assignments: int
) -> dict[str, Any]:
    sessions = create_sessionmaker(engine)

    def report(group_by: GroupBy) -> Callable[[], Awaitable[object]]:
        async def work() -> object:
            async with transaction(sessions) as session:
                return await report_service.response_times(
                    session,
                    department_id=dept.id,
                    query=ReportQuery(group_by=group_by),
                    rotation=ShiftRotation(),
                )

        return work

    async def hand_written() -> object:
        async with engine.connect() as connection:
            return (await connection.execute(HAND_WRITTEN, {"dept": dept.id})).all()

    by_type = await timed(report(GroupBy.TYPE))
    by_station = await timed(report(GroupBy.STATION))
    sql = await timed(hand_written)
    result = {
        "incidents": incidents,
        "assignments": assignments,
        "report_s": max(by_type, by_station),
        "sql_s": sql,
        "report_type_s": by_type,
        "report_station_s": by_station,
    }
    log(f"{incidents} incidents: {json.dumps(result)}")
    return result


async def benchmark(admin: URL, sizes: list[int]) -> dict[str, Any]:
    results = []
    async with scratch_database(admin, "reports") as url:
        engine = create_engine(
            Settings(database_url=url.render_as_string(hide_password=False))
        )
        try:
            await upgrade(engine)
            dsn = plain_dsn(url)
            dept = await seed(engine, dsn)
            loaded = assignments = 0
            for size in sorted(sizes):
                log(f"loading {size - loaded} incidents")
                assignments += await load(dsn, dept, loaded, size - loaded)
                loaded = size
                results.append(await measure(engine, dept, loaded, assignments))
        finally:
            await engine.dispose()
    growth = results[-1]["report_s"] / results[0]["report_s"] if results else None
    return {
        "benchmark": "reports",
        "results": results,
        "growth": round(growth, 2) if growth else None,
    }


def parse_options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark the response-time report.")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="incidents")
    return parser.parse_args()


def main() -> None:
    options = parse_options()
    admin = server_url(os.environ.get("MUSTER_DATABASE_URL") or DEFAULT_URL)
    sizes = [int(s) for s in options.sizes.split(",")]
    print(json.dumps(asyncio.run(benchmark(admin, sizes))))


if __name__ == "__main__":
    main()
