"""Property: the index recommends exactly what a scan of every unit recommends.

Worlds are random units (positions, homes, statuses, capabilities, staffing,
speeds, stale or missing positions) in a region of about 50 km, a few across the
antimeridian or near the pole, with random rules, needs, targets and excluded
units. Positions
sometimes sit on a coarse lattice so that ETAs tie and names and ids decide.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from muster.dispatch.index import UnitIndex
from muster.dispatch.recommend import Candidate, Need, Point, Rules, brute_force

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
CAPABILITIES = ["engine", "ladder", "als", "chief"]
STATUSES = [
    *["available"] * 6,
    "returning",
    "dispatched",
    "en_route",
    "on_scene",
    "transporting",
    "at_hospital",
    "out_of_service",
]
NAMES = ["A1", "A2", "B1", "E7", "E12"]
# (south-west corner lat, lon, height and width in degrees)
COUNTY = (47.2, 8.3, 0.45, 0.66)
ANTIMERIDIAN = (65.0, 179.7, 0.45, 0.6)
POLE = (89.6, -180.0, 0.39, 360.0)
Region = tuple[float, float, float, float]

EXAMPLES = settings(
    max_examples=150,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def wrap(lon: float) -> float:
    return (lon + 180) % 360 - 180


@cache
def points(region: Region) -> st.SearchStrategy[Point]:
    lat0, lon0, height, width = region
    lattice = st.tuples(st.integers(0, 6), st.integers(0, 6)).map(
        lambda ij: Point(lat0 + ij[0] * height / 6, wrap(lon0 + ij[1] * width / 6))
    )
    anywhere = st.tuples(st.floats(0, 1), st.floats(0, 1)).map(
        lambda uv: Point(lat0 + uv[0] * height, wrap(lon0 + uv[1] * width))
    )
    return st.one_of(lattice, anywhere)


# Called-in crews on their way to stations s0..s3 (seconds from now; past ones too).
CREW_ETAS = st.dictionaries(
    st.sampled_from(["s0", "s1", "s2", "s3"]),
    st.lists(st.sampled_from([-30, 0, 45, 200, 900]), max_size=5).map(
        lambda seconds: tuple(sorted(NOW + timedelta(seconds=s) for s in seconds))
    ),
    max_size=4,
)
AGES = st.sampled_from([None, 0, 60, 120, 299, 300, 301, 3600])
UNIT_NAMES = st.sampled_from(NAMES)
UNIT_CAPABILITIES = st.frozensets(st.sampled_from(CAPABILITIES), max_size=3)
UNIT_STATUSES = st.sampled_from(STATUSES)
INCIDENT_NUMBERS = st.none() | st.sampled_from(["2026-000001", "2026-2"])
STAFFING = st.sampled_from(["staffed", "on_call"])
SPEEDS = st.sampled_from([None, 0.0, 30.0, 50.0, 90.0])


@cache
def maybe_points(region: Region) -> st.SearchStrategy[Point | None]:
    return st.none() | points(region)


@cache
def station_numbers(count: int) -> st.SearchStrategy[int | None]:
    return st.none() | st.integers(0, count - 1)


@st.composite
def candidates(
    draw: st.DrawFn, number: int, region: Region, stations: list[Point | None]
) -> Candidate:
    position = draw(maybe_points(region))
    age = draw(AGES)
    station = draw(station_numbers(len(stations))) if stations else None
    home = stations[station] if station is not None else None
    return Candidate(
        unit_id=f"u{number:02d}",
        name=draw(UNIT_NAMES),
        department_id="dept",
        capabilities=draw(UNIT_CAPABILITIES),
        status=draw(UNIT_STATUSES),
        incident_number=draw(INCIDENT_NUMBERS),
        lat=position.lat if position else None,
        lon=position.lon if position else None,
        position_at=NOW - timedelta(seconds=age) if age is not None else None,
        home_lat=home.lat if home else None,
        home_lon=home.lon if home else None,
        station_id=f"s{station}" if station is not None else None,
        station_code=f"S{station}" if station is not None else None,
        staffing=draw(STAFFING),
        crew_size=draw(st.integers(0, 3)),
        speed_kmh=draw(SPEEDS),
    )


@st.composite
def rules(draw: st.DrawFn) -> Rules:
    turnout_s, crew_callback_s = draw(st.sampled_from([(60, 420), (0, 0), (120, 30)]))
    return Rules(
        now=NOW,
        turnout_s=turnout_s,
        crew_callback_s=crew_callback_s,
        default_speed_kmh=draw(st.sampled_from([20.0, 50.0, 120.0])),
        detour_factor=draw(st.sampled_from([1.0, 1.3, 2.5])),
        position_max_age_s=draw(st.sampled_from([120, 300])),
        allow_returning=draw(st.booleans()),
        max_radius_m=draw(st.sampled_from([None, None, 500.0, 5_000.0, 30_000.0])),
        crew_etas=draw(CREW_ETAS),
    )


needs = st.lists(
    st.builds(Need, st.sampled_from([*CAPABILITIES, "hazmat"]), st.integers(0, 3)),
    max_size=4,
)


@dataclass(frozen=True)
class World:
    region: Region
    stations: list[Point | None]
    units: list[Candidate]
    rules: Rules
    needs: list[Need]
    targets: list[Point]
    cell_m: float | None
    exclude: frozenset[str]


FAR = st.builds(Point, st.floats(-80, 80), st.floats(-180, 180))


@cache
def targets(region: Region) -> st.SearchStrategy[Point]:
    return st.one_of(points(region), points(region), points(region), FAR)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    region = draw(st.sampled_from([COUNTY, COUNTY, COUNTY, ANTIMERIDIAN, POLE]))
    stations = draw(st.lists(maybe_points(region), max_size=4))
    count = draw(st.integers(0, 40))
    units = [draw(candidates(i, region, stations)) for i in range(count)]
    ids = [unit.unit_id for unit in units]
    exclude = (
        st.frozensets(st.sampled_from(ids), max_size=3)
        if ids
        else st.just(frozenset[str]())
    )
    return World(
        region=region,
        stations=stations,
        units=units,
        rules=draw(rules()),
        needs=draw(needs),
        targets=draw(st.lists(targets(region), min_size=1, max_size=3)),
        cell_m=draw(st.sampled_from([None, 150.0, 1_000.0, 8_000.0])),
        exclude=draw(exclude),
    )


def assert_same(index: UnitIndex, units: list[Candidate], world: World) -> None:
    for target in world.targets:
        expected = brute_force(units, world.needs, target, world.rules, world.exclude)
        found = index.recommend(world.needs, target, world.rules, world.exclude)
        assert found == expected


@EXAMPLES
@given(worlds())
def test_index_recommends_exactly_what_the_scan_does(world):
    index = UnitIndex.build(world.units, world.cell_m)

    assert_same(index, world.units, world)


@EXAMPLES
@given(worlds(), st.data())
def test_index_stays_exact_after_moves_and_removals(world, data):
    index = UnitIndex.build(world.units, world.cell_m)
    live = {unit.unit_id: unit for unit in world.units}

    for step in range(data.draw(st.integers(1, 10))):
        unit_id = data.draw(st.sampled_from([*live, f"new{step}"]))
        if unit_id in live and data.draw(st.booleans()):
            index.remove(unit_id)
            del live[unit_id]
            continue
        fresh = data.draw(candidates(step, world.region, world.stations))
        moved = replace(fresh, unit_id=unit_id)
        index.upsert(moved)
        live[unit_id] = moved

    assert len(index) == len(live)
    assert_same(index, list(live.values()), world)
