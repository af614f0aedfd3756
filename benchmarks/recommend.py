"""Recommendation latency at county scale while unit positions keep changing.

For 1,000, 10,000 and 100,000 units spread over a 60 km square this seeds a
department (unit types, stations, units by bulk insert) in a throwaway
PostgreSQL database created inside the server named by ``MUSTER_DATABASE_URL``
and dropped at the end. The registry loads the department's index; then, for a
fixed time, first-alarm recommendations (3 engine, 1 ladder, 1 ALS, 1 chief)
are asked at random targets while another task keeps moving a tenth of the
units in the database. Before each recommendation the registry syncs
incrementally, as the dispatch service does; sync and recommendation are timed
apart (``p50_ms``/``p99_ms`` are the recommendation, ``sync_*`` the sync). The
same targets are then answered by a vectorised numpy scan over every unit's
arrays (``scan_p99_ms``), the brute-force baseline.

Progress goes to stderr; the last line on stdout is one JSON object::

    {"benchmark": "recommend", "results": [{"units", "p50_ms", "p99_ms",
     "scan_p99_ms", ...}, ...]}

Usage: ``MUSTER_DATABASE_URL=postgresql://... python benchmarks/recommend.py``.
"""

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import random
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.synchronize import Event as EventType
from typing import Any

import asyncpg
import numpy as np
import uvloop
from sqlalchemy import insert, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from _db import log, scratch_database, server_url
from muster.core import clock
from muster.core.db import create_engine, create_sessionmaker, transaction
from muster.core.ids import new_id
from muster.core.settings import Settings
from muster.dispatch.recommend import Need, Point, Rules
from muster.dispatch.registry import IndexRegistry
from muster.events.schemas import Actor
from muster.migrations.runner import upgrade
from muster.org import service as org_service
from muster.org.models import Station
from muster.units.models import Unit, UnitType

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"
BENCH_ACTOR = Actor(name="recommend benchmark")
SIZES = (1_000, 10_000, 100_000)
NEEDS = [Need("engine", 3), Need("ladder", 1), Need("als", 1), Need("chief", 1)]
CENTRE = Point(47.40, 8.55)
SPAN_M = 60_000.0
M_PER_DEG = 111_195.08
UNITS_PER_STATION = 25
MOVING_SHARE = 0.1  # of units on the road, each reporting every REPORT_EVERY_S
REPORT_EVERY_S = 5.0
UPDATE_TICK_S = 0.1
STEP_M = 150.0
INSERT_CHUNK = 10_000
SCAN_QUERIES = 1_000
STOP_TIMEOUT_S = 10.0
# (code, capabilities, speed in km/h or None for the default, share of units)
TYPES = [
    ("ENGINE", ["engine"], 50.0, 0.40),
    ("LADDER", ["ladder"], 45.0, 0.10),
    ("QUINT", ["engine", "ladder"], 45.0, 0.05),
    ("MEDIC", ["als"], 60.0, 0.30),
    ("CHIEF", ["chief"], 80.0, 0.05),
    ("TENDER", ["water"], None, 0.10),
]
STATUSES = [
    ("available", 0.75),
    ("returning", 0.05),
    ("dispatched", 0.03),
    ("en_route", 0.03),
    ("on_scene", 0.04),
    ("transporting", 0.01),
    ("at_hospital", 0.01),
    ("out_of_service", 0.08),
]


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile in milliseconds of values in seconds."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1] * 1000


# The fleet -------------------------------------------------------------------------


def _choose(rng: random.Random, weighted: Sequence[tuple[Any, ...]]) -> Any:
    return rng.choices(weighted, weights=[w[-1] for w in weighted])[0]


def random_point(rng: random.Random) -> Point:
    dlat = rng.uniform(-SPAN_M / 2, SPAN_M / 2) / M_PER_DEG
    dlon = rng.uniform(-SPAN_M / 2, SPAN_M / 2) / M_PER_DEG
    return Point(CENTRE.lat + dlat, CENTRE.lon + dlon / math.cos(math.radians(47.4)))


@dataclass
class Fleet:
    """Every unit as numpy arrays: the scan's input, moved along with the database."""

    ids: list[str]
    lat: np.ndarray
    lon: np.ndarray
    seen_at: np.ndarray  # epoch seconds of the last report, NaN without one
    home_lat: np.ndarray
    home_lon: np.ndarray
    available: np.ndarray
    returning: np.ndarray
    staffed: np.ndarray
    speed_kmh: np.ndarray
    capabilities: dict[str, np.ndarray]
    moving: np.ndarray  # indices of the units that report new positions


@dataclass(frozen=True)
class Seeded:
    """What was inserted: the department, its stations and units, each unit's type."""

    department_id: str
    stations: dict[str, dict[str, Any]]
    units: list[dict[str, Any]]
    kinds: list[tuple[list[str], float | None]]


def unit_row(
    rng: random.Random, number: int, station: dict[str, Any]
) -> dict[str, Any]:
    """A unit in quarters (most), on the road, or never located; mostly fresh."""
    # Rows last changed an hour ago, so only the mover's changes are recent.
    now, place = clock.now() - timedelta(hours=1), rng.random()
    lat: float | None = station["lat"] + rng.gauss(0, 0.001)
    lon: float | None = station["lon"] + rng.gauss(0, 0.001)
    if place > 0.97:
        lat = lon = None
    elif place > 0.7:
        lat, lon = random_point(rng)
    age = rng.uniform(0, 240) if rng.random() < 0.9 else rng.uniform(400, 4_000)
    reported = clock.now() - timedelta(seconds=age)
    return {
        "id": new_id(),
        "department_id": station["department_id"],
        "name": f"U{number:06d}",
        "station_id": station["id"],
        "crew_size": 4,
        "staffing": "staffed" if rng.random() < 0.7 else "on_call",
        "status": _choose(rng, STATUSES)[0],
        "status_at": now,
        "lat": lat,
        "lon": lon,
        "location_at": reported if lat is not None else None,
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }


def station_rows(
    rng: random.Random, department_id: str, count: int
) -> dict[str, dict[str, Any]]:
    stations = {}
    for number in range(count):
        where, station_id = random_point(rng), new_id()
        stations[station_id] = {
            "id": station_id,
            "department_id": department_id,
            "code": f"S{number}",
            "name": f"Station {number}",
            "lat": where.lat,
            "lon": where.lon,
            "created_at": clock.now(),
            "version": 1,
        }
    return stations


def type_rows(department_id: str) -> list[dict[str, Any]]:
    return [
        {
            "id": new_id(),
            "department_id": department_id,
            "code": code,
            "name": code.title(),
            "capabilities": capabilities,
            "speed_kmh": speed,
            "created_at": clock.now(),
        }
        for code, capabilities, speed, _ in TYPES
    ]


def plan(rng: random.Random, department_id: str, size: int) -> tuple[Seeded, list]:
    """The rows to insert for ``size`` units, and the unit types' rows."""
    types = type_rows(department_id)
    stations = station_rows(rng, department_id, max(1, size // UNITS_PER_STATION))
    homes = list(stations.values())
    units, kinds = [], []
    for number in range(size):
        choice = rng.choices(range(len(TYPES)), weights=[t[-1] for t in TYPES])[0]
        unit = unit_row(rng, number, rng.choice(homes))
        unit["unit_type_id"] = types[choice]["id"]
        units.append(unit)
        kinds.append((TYPES[choice][1], TYPES[choice][2]))
    return Seeded(department_id, stations, units, kinds), types


async def seed(engine: AsyncEngine, size: int, rng: random.Random) -> Seeded:
    """A department with unit types, stations and ``size`` units (bulk inserts)."""
    async with transaction(create_sessionmaker(engine)) as session:
        department = await org_service.create_department(
            session, name=f"County {size}", slug=f"county-{size}", actor=BENCH_ACTOR
        )
    seeded, types = plan(rng, department.id, size)
    async with engine.begin() as connection:
        await connection.execute(insert(UnitType), types)
        await connection.execute(insert(Station), list(seeded.stations.values()))
        for start in range(0, size, INSERT_CHUNK):
            await connection.execute(
                insert(Unit), seeded.units[start : start + INSERT_CHUNK]
            )
    return seeded


def fleet_of(seeded: Seeded) -> Fleet:
    rows, stations = seeded.units, seeded.stations

    def column(name: str) -> np.ndarray:
        return np.array([np.nan if r[name] is None else r[name] for r in rows])

    status = np.array([r["status"] for r in rows])
    seen = [r["location_at"].timestamp() if r["location_at"] else np.nan for r in rows]
    located = np.flatnonzero(~np.isnan(column("lat")))
    everything = {c for caps, _, _ in (t[1:] for t in TYPES) for c in caps}
    return Fleet(
        ids=[r["id"] for r in rows],
        lat=column("lat"),
        lon=column("lon"),
        seen_at=np.array(seen),
        home_lat=np.array([stations[r["station_id"]]["lat"] for r in rows]),
        home_lon=np.array([stations[r["station_id"]]["lon"] for r in rows]),
        available=status == "available",
        returning=status == "returning",
        staffed=np.array([r["staffing"] == "staffed" for r in rows]),
        speed_kmh=np.array([speed or 50.0 for _, speed in seeded.kinds]),
        capabilities={
            c: np.array([c in caps for caps, _ in seeded.kinds]) for c in everything
        },
        moving=located[: int(len(rows) * MOVING_SHARE)],
    )


# Moving units ----------------------------------------------------------------------

MOVE = (
    "UPDATE units AS u SET lat = v.lat, lon = v.lon, location_at = $1,"
    " updated_at = $1, version = u.version + 1"
    " FROM unnest($2::varchar[], $3::float8[], $4::float8[]) AS v(id, lat, lon)"
    " WHERE u.id = v.id"
)


@dataclass(frozen=True)
class Moves:
    """What the mover process needs: where to write and which units move."""

    dsn: str
    ids: list[str]
    lat: list[float]
    lon: list[float]
    seed: int


def move_units(moves: Moves, stop: EventType, counter: Any) -> None:
    """The mover process: a batch of new positions every tick until ``stop``.

    It runs apart from the process that measures, so its work doesn't land
    inside the measured syncs (it still shares the machine's cores).
    """
    uvloop.run(_move_until(moves, stop, counter))


async def _move_until(moves: Moves, stop: EventType, counter: Any) -> None:
    rng = np.random.default_rng(moves.seed)
    lat, lon = np.array(moves.lat), np.array(moves.lon)
    per_tick = max(1, round(len(moves.ids) / REPORT_EVERY_S * UPDATE_TICK_S))
    step = STEP_M / M_PER_DEG
    connection = await asyncpg.connect(moves.dsn)
    try:
        while not stop.is_set():
            batch = np.unique(rng.integers(0, len(moves.ids), per_tick))
            lat[batch] += rng.uniform(-step, step, len(batch))
            lon[batch] += rng.uniform(-step, step, len(batch))
            ids = [moves.ids[i] for i in batch]
            await connection.execute(
                MOVE, clock.now(), ids, lat[batch].tolist(), lon[batch].tolist()
            )
            with counter.get_lock():
                counter.value += len(batch)
            await asyncio.sleep(UPDATE_TICK_S)
    finally:
        await connection.close()


@asynccontextmanager
async def moving(url: URL, fleet: Fleet, seed: int) -> AsyncIterator[Any]:
    """A mover process for the fleet's moving units; yields its move counter."""
    context = multiprocessing.get_context("spawn")
    stop, counter = context.Event(), context.Value("q", 0)
    chosen = fleet.moving
    moves = Moves(
        dsn=plain_dsn(url),
        ids=[fleet.ids[i] for i in chosen],
        lat=fleet.lat[chosen].tolist(),
        lon=fleet.lon[chosen].tolist(),
        seed=seed,
    )
    process = context.Process(target=move_units, args=(moves, stop, counter))
    process.start()
    try:
        yield counter
    finally:
        stop.set()
        process.join(timeout=STOP_TIMEOUT_S)
        if process.is_alive():
            process.kill()
            process.join()


def plain_dsn(url: URL) -> str:
    """The URL as asyncpg spells it (no ``+asyncpg``)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


async def catch_up(engine: AsyncEngine, fleet: Fleet) -> None:
    """Copy the moving units' positions back from the database into the arrays."""
    chosen = {fleet.ids[i]: i for i in fleet.moving}
    units = Unit.__table__.c
    query = select(units.id, units.lat, units.lon, units.location_at).where(
        units.id.in_(list(chosen))
    )
    async with engine.connect() as connection:
        for unit_id, lat, lon, at in await connection.execute(query):
            row = chosen[unit_id]
            fleet.lat[row], fleet.lon[row] = lat, lon
            fleet.seen_at[row] = at.timestamp()


# The brute-force scan --------------------------------------------------------------


def scan(
    fleet: Fleet, needs: Sequence[Need], target: Point, rules: Rules
) -> list[float]:
    """ETAs of the units a full vectorised scan picks (same rules as the index)."""
    fresh = fleet.seen_at >= rules.fresh_since.timestamp()
    use_position = (fresh & ~np.isnan(fleet.lat)) | np.isnan(fleet.home_lat)
    lat = np.radians(np.where(use_position, fleet.lat, fleet.home_lat))
    lon = np.radians(np.where(use_position, fleet.lon, fleet.home_lon))
    tlat, tlon = math.radians(target.lat), math.radians(target.lon)
    a = (
        np.sin((lat - tlat) / 2) ** 2
        + np.cos(lat) * math.cos(tlat) * np.sin((lon - tlon) / 2) ** 2
    )
    metres = 2 * 6_371_008.8 * np.arcsin(np.minimum(1.0, np.sqrt(a)))
    ready = fleet.staffed | fleet.returning
    mobilise = np.where(ready, rules.turnout_s, rules.crew_callback_s)
    eta = mobilise + metres * rules.detour_factor / (fleet.speed_kmh / 3.6)
    eligible = fleet.available | (fleet.returning & rules.allow_returning)
    eta = np.where(eligible & ~np.isnan(eta), eta, np.inf)
    picked: list[float] = []
    for need in needs:
        etas = np.where(fleet.capabilities.get(need.capability, False), eta, np.inf)
        best = np.argpartition(etas, need.count)[: need.count]
        best = best[np.isfinite(etas[best])]
        picked += sorted(etas[best].tolist())
        eta[best] = np.inf
    return picked


# Runs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    sizes: tuple[int, ...]
    warmup_s: float
    duration_s: float
    overlap_s: float


@dataclass
class Timings:
    sync: list[float]
    recommend: list[float]
    targets: list[Point]


async def ask(
    engine: AsyncEngine, registry: IndexRegistry, department_id: str, seconds: float
) -> Timings:
    """Sync then recommend at random targets, back to back, for ``seconds``."""
    sessions = create_sessionmaker(engine)
    rng = random.Random(99)  # noqa: S311 - benchmark targets, not secrets
    timings = Timings([], [], [])
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        target = random_point(rng)
        async with sessions() as session:
            started = time.perf_counter()
            index = await registry.index_for(session, department_id)
            synced = time.perf_counter()
            index.recommend(NEEDS, target, Rules(now=clock.now()))
            done = time.perf_counter()
        timings.sync.append(synced - started)
        timings.recommend.append(done - synced)
        timings.targets.append(target)
    return timings


async def check_against_scan(
    engine: AsyncEngine, registry: IndexRegistry, department_id: str, fleet: Fleet
) -> None:
    """With the positions still, the index and the scan pick units as quick."""
    async with create_sessionmaker(engine)() as session:
        index = await registry.index_for(session, department_id)
    rng = random.Random(7)  # noqa: S311 - benchmark targets, not secrets
    for _ in range(20):
        target, rules = random_point(rng), Rules(now=clock.now())
        ours = [pick.eta_s for pick in index.recommend(NEEDS, target, rules).picks]
        theirs = scan(fleet, NEEDS, target, rules)
        assert np.allclose(ours, theirs), (ours, theirs)


def time_scan(fleet: Fleet, targets: Sequence[Point]) -> list[float]:
    durations = []
    for target in targets[:SCAN_QUERIES]:
        rules = Rules(now=clock.now())
        started = time.perf_counter()
        scan(fleet, NEEDS, target, rules)
        durations.append(time.perf_counter() - started)
    return durations


@dataclass(frozen=True)
class Database:
    url: URL
    engine: AsyncEngine


async def measure(database: Database, size: int, options: Options) -> dict[str, Any]:
    engine, url = database.engine, database.url
    log(f"{size} units: seeding…")
    seeded = await seed(engine, size, random.Random(size))  # noqa: S311 - test data
    fleet, department_id = fleet_of(seeded), seeded.department_id
    del seeded  # a hundred thousand row dicts would only slow the collector
    registry = IndexRegistry(overlap_s=options.overlap_s)
    started = time.perf_counter()
    async with create_sessionmaker(engine)() as session:
        await registry.index_for(session, department_id)
    load_s = time.perf_counter() - started
    log(f"{size} units: index loaded in {load_s:.2f} s; measuring with moves…")
    async with moving(url, fleet, seed=size) as moved:
        await ask(engine, registry, department_id, options.warmup_s)
        before = moved.value
        timings = await ask(engine, registry, department_id, options.duration_s)
        moves = moved.value - before
    await catch_up(engine, fleet)
    await check_against_scan(engine, registry, department_id, fleet)
    scans = time_scan(fleet, timings.targets)
    result = summary(size, timings, scans, moves / options.duration_s, load_s)
    log(f"{size} units: {json.dumps(result)}")
    return result


def summary(
    size: int, timings: Timings, scans: list[float], moves_per_s: float, load_s: float
) -> dict[str, Any]:
    return {
        "units": size,
        "p50_ms": round(percentile(timings.recommend, 0.50), 3),
        "p99_ms": round(percentile(timings.recommend, 0.99), 3),
        "scan_p99_ms": round(percentile(scans, 0.99), 3),
        "scan_p50_ms": round(percentile(scans, 0.50), 3),
        "sync_p50_ms": round(percentile(timings.sync, 0.50), 3),
        "sync_p99_ms": round(percentile(timings.sync, 0.99), 3),
        "queries": len(timings.recommend),
        "moves_per_s": round(moves_per_s, 1),
        "load_s": round(load_s, 2),
    }


async def benchmark(admin: URL, options: Options) -> dict[str, Any]:
    async with scratch_database(admin, "recommend") as url:
        engine = create_engine(
            Settings(database_url=url.render_as_string(hide_password=False))
        )
        try:
            await upgrade(engine)
            database = Database(url, engine)
            results = [await measure(database, size, options) for size in options.sizes]
        finally:
            await engine.dispose()
    return {"benchmark": "recommend", "results": results}


def parse_options(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description="Benchmark unit recommendation.")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="units")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds per size")
    parser.add_argument("--duration", type=float, default=10.0, help="measured s")
    parser.add_argument(
        "--overlap", type=float, default=5.0, help="the registry's sync overlap in s"
    )
    args = parser.parse_args(argv)
    sizes = tuple(int(size) for size in args.sizes.split(","))
    if min(sizes) < 1 or args.warmup < 0 or args.duration <= 0 or args.overlap < 0:
        parser.error("need sizes >= 1, --duration > 0, --warmup and --overlap >= 0")
    return Options(sizes, args.warmup, args.duration, args.overlap)


def main() -> None:
    options = parse_options()
    admin = server_url(os.environ.get("MUSTER_DATABASE_URL") or DEFAULT_URL)
    result = uvloop.run(benchmark(admin, options))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
