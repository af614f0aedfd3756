"""The spatial index: changes, cell sizes, awkward places on the globe, dense data."""

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from muster.dispatch.index import MAX_CELL_M, MIN_CELL_M, UnitIndex, fit_cell_m
from muster.dispatch.recommend import Candidate, Need, Point, Rules, brute_force

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RULES = Rules(now=NOW)
ENGINE = [Need("engine", 1)]
FIRST_ALARM = [Need("engine", 3), Need("ladder", 1), Need("als", 1), Need("chief", 1)]


def engine(
    name: str, lat: float | None, lon: float | None, **fields: object
) -> Candidate:
    values: dict[str, object] = {
        "unit_id": f"id-{name}",
        "name": name,
        "department_id": "dept",
        "capabilities": frozenset({"engine"}),
        "status": "available",
        "lat": lat,
        "lon": lon,
        "position_at": NOW,
    }
    values.update(fields)
    return Candidate(**values)  # type: ignore[arg-type]  # fields vary per test


def picked(index: UnitIndex, target: Point, needs: list[Need] = ENGINE) -> list[str]:
    return [pick.name for pick in index.recommend(needs, target, RULES).picks]


def test_upsert_moves_a_unit_to_its_new_cell():
    index = UnitIndex.build(
        [engine("E1", 47.50, 8.50), engine("E2", 47.45, 8.50)], cell_m=500
    )

    index.upsert(engine("E1", 47.401, 8.50))

    assert picked(index, Point(47.40, 8.50)) == ["E1"]
    assert index.get("id-E1") == engine("E1", 47.401, 8.50)
    assert len(index) == 2


def test_upsert_moves_a_unit_out_of_quarters():
    in_quarters = engine("E1", 47.40, 8.50, home_lat=47.40, home_lon=8.50)
    index = UnitIndex.build([in_quarters, engine("E2", 47.45, 8.50)])

    index.upsert(replace(in_quarters, lat=47.46, lon=8.50))

    assert picked(index, Point(47.45, 8.50), [Need("engine", 2)]) == ["E2", "E1"]


def test_upsert_status_change_moves_unit_between_pools():
    index = UnitIndex.build([engine("E1", 47.40, 8.50)])

    index.upsert(engine("E1", 47.40, 8.50, status="en_route", incident_number="N1"))

    result = index.recommend(ENGINE, Point(47.40, 8.50), RULES)
    assert result.picks == []
    assert result.shortfalls[0].reason.startswith("closest engine E1 is committed")


def test_remove_forgets_the_unit_and_ignores_unknown_ids():
    index = UnitIndex.build([engine("E1", 47.40, 8.50), engine("E2", 47.45, 8.50)])

    index.remove("id-E1")
    index.remove("id-E1")
    index.remove("never-there")

    assert picked(index, Point(47.40, 8.50)) == ["E2"]
    assert index.get("id-E1") is None
    assert len(index) == 1


def test_remove_unplaced_unit_clears_its_shortfall_reason():
    lost = engine("E1", None, None, position_at=None)
    index = UnitIndex.build([lost])

    index.remove("id-E1")

    reason = index.recommend(ENGINE, Point(47.4, 8.5), RULES).shortfalls[0].reason
    assert reason == "no available engine"


def test_unit_found_across_the_antimeridian():
    near = engine("E1", 65.0, -179.995)  # about 0.5 km east of the target
    far = engine("E2", 65.0, 179.9)
    index = UnitIndex.build([near, far], cell_m=200)

    assert picked(index, Point(65.0, 179.995)) == ["E1"]


def test_unit_found_near_the_pole_on_the_other_side():
    units = [engine("E1", 89.99, 0.0), engine("E2", 89.95, 180.0)]
    index = UnitIndex.build(units, cell_m=300)
    target = Point(89.99, 179.0)

    assert picked(index, target) == [
        p.name for p in brute_force(units, ENGINE, target, RULES).picks
    ]


def test_units_on_the_poles_and_the_date_line_are_indexed():
    units = [
        engine("N", 90.0, 180.0),
        engine("S", -90.0, -180.0),
        engine("D", 0.0, 180.0),
    ]
    index = UnitIndex.build(units, cell_m=1000)

    for target in (Point(89.9, 0.0), Point(-89.9, 10.0), Point(0.0, -179.99)):
        expected = brute_force(units, ENGINE, target, RULES)
        assert index.recommend(ENGINE, target, RULES) == expected


def test_index_refuses_a_cell_size_of_zero():
    with pytest.raises(ValueError, match="cell_m"):
        UnitIndex(cell_m=0)


def test_fit_cell_m_makes_sparse_cells_big_and_dense_cells_small():
    rng = random.Random(3)  # noqa: S311 - test data, not secrets

    def spread(count: int) -> list[Candidate]:
        return [
            engine(f"E{i}", 47.2 + rng.random() * 0.5, 8.3 + rng.random() * 0.7)
            for i in range(count)
        ]

    assert fit_cell_m(spread(1)) == MAX_CELL_M
    assert fit_cell_m(spread(20_000)) == pytest.approx(
        math.sqrt(55_600 * 53_000 * 4 / 20_000), rel=0.2
    )
    assert fit_cell_m([engine(f"E{i}", 47.2, 8.3) for i in range(100)]) == MIN_CELL_M


def test_fit_cell_m_uses_home_when_no_position():
    homed = [
        engine(f"E{i}", None, None, home_lat=47.2, home_lon=8.3) for i in range(100)
    ]

    assert fit_cell_m(homed) == MIN_CELL_M


def test_dense_county_matches_the_scan_for_a_first_alarm():
    """Many units per cell: the rings stop early and must still be exact."""
    rng = random.Random(11)  # noqa: S311 - test data, not secrets
    kinds = [["engine"], ["ladder"], ["engine", "ladder"], ["als"], ["chief"]]
    stations = [
        (47.2 + rng.random() * 0.4, 8.3 + rng.random() * 0.6) for _ in range(40)
    ]
    units = []
    for i in range(1_000):
        home = rng.choice(stations)
        age = rng.choice([10, 100, 1_000])
        units.append(
            engine(
                f"U{i}",
                47.2 + rng.random() * 0.4,
                8.3 + rng.random() * 0.6,
                capabilities=frozenset(rng.choice(kinds)),
                status=rng.choice(["available"] * 4 + ["returning", "on_scene"]),
                position_at=NOW - timedelta(seconds=age),
                home_lat=home[0],
                home_lon=home[1],
                station_id=str(home),
                staffing=rng.choice(["staffed", "staffed", "on_call"]),
                speed_kmh=rng.choice([None, 40.0, 80.0]),
            )
        )
    index = UnitIndex.build(units)
    rules = replace(RULES, allow_returning=True)

    for _ in range(25):
        target = Point(47.2 + rng.random() * 0.4, 8.3 + rng.random() * 0.6)
        expected = brute_force(units, FIRST_ALARM, target, rules)
        assert index.recommend(FIRST_ALARM, target, rules) == expected
