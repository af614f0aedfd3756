"""Recommendation rules and reasons, each checked on the full scan and on the index."""

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from muster.dispatch.index import UnitIndex
from muster.dispatch.models import DispatchSettings
from muster.dispatch.recommend import (
    Candidate,
    CoverGap,
    MoveUp,
    Need,
    Pick,
    Point,
    Recommendation,
    Rules,
    Shortfall,
    brute_force,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
BASE = Point(47.37, 8.54)
KM_LAT = 1 / 111.19508  # degrees of latitude per kilometre on the haversine sphere
RULES = Rules(now=NOW)
ENGINE = [Need("engine", 1)]

Recommend = Callable[..., Recommendation]


def north(km: float) -> Point:
    return Point(BASE.lat + km * KM_LAT, BASE.lon)


def unit(name: str, km: float | None = 1.0, **fields: Any) -> Candidate:
    """An available staffed engine ``km`` north of BASE, reported 30 s ago."""
    position = north(km) if km is not None else None
    values: dict[str, Any] = {
        "unit_id": f"id-{name}",
        "name": name,
        "department_id": "dept",
        "capabilities": frozenset({"engine"}),
        "status": "available",
        "lat": position.lat if position else None,
        "lon": position.lon if position else None,
        "position_at": NOW - timedelta(seconds=30) if position else None,
    }
    values.update(fields)
    return Candidate(**values)


def at_home(name: str, station: str, km: float, **fields: Any) -> Candidate:
    """A unit in quarters at station ``station``, ``km`` north of BASE."""
    home = north(km)
    return unit(
        name,
        km=km,
        home_lat=home.lat,
        home_lon=home.lon,
        station_id=f"st-{station}",
        station_code=station,
        **fields,
    )


@pytest.fixture(params=["scan", "index"])
def recommend(request: pytest.FixtureRequest) -> Recommend:
    def run(
        units: Sequence[Candidate],
        needs: Sequence[Need] = ENGINE,
        target: Point = BASE,
        rules: Rules = RULES,
        exclude: Sequence[str] = (),
    ) -> Recommendation:
        if request.param == "scan":
            return brute_force(units, needs, target, rules, exclude)
        return UnitIndex.build(units).recommend(needs, target, rules, exclude)

    return run


def names(recommendation: Recommendation) -> list[str]:
    return [pick.name for pick in recommendation.picks]


# Ranking ----------------------------------------------------------------------------


def test_recommend_lowest_eta_first_explains_each_pick(recommend):
    units = [unit("E1", km=3), unit("E2", km=1), unit("E3", km=2)]

    result = recommend(units, [Need("engine", 2)])

    assert names(result) == ["E2", "E3"]
    first = result.picks[0]
    assert first == Pick(
        unit_id="id-E2",
        name="E2",
        capability="engine",
        eta_s=first.eta_s,
        distance_m=first.distance_m,
        reason="E2, 1.0 km from last position, about 3 min",
        department_id="dept",
    )
    assert first.eta_s == pytest.approx(60 + 1000 * 1.3 / (50 / 3.6), abs=0.5)
    assert first.distance_m == pytest.approx(1000, abs=1)
    assert result.shortfalls == []


def test_recommend_stale_position_uses_home_station_and_says_so(recommend):
    home = north(4)
    stale = unit(
        "E1",
        km=0.5,
        position_at=NOW - timedelta(minutes=10),
        home_lat=home.lat,
        home_lon=home.lon,
    )

    pick = recommend([stale]).picks[0]

    assert pick.distance_m == pytest.approx(4000, abs=1)
    assert pick.reason == (
        "E1, 4.0 km from home station (position stale, 10 min old), about 7 min"
    )


def test_recommend_stale_position_beaten_by_fresh_unit_nearer_than_home(recommend):
    home = north(4)
    stale = unit(
        "E1",
        km=0.5,
        position_at=NOW - timedelta(minutes=10),
        home_lat=home.lat,
        home_lon=home.lon,
    )

    assert names(recommend([stale, unit("E2", km=3)])) == ["E2"]


def test_recommend_stale_position_without_home_is_used_and_flagged(recommend):
    stale = unit("E1", km=2, position_at=NOW - timedelta(minutes=12))

    pick = recommend([stale]).picks[0]

    assert pick.distance_m == pytest.approx(2000, abs=1)
    assert "from last position (stale, 12 min old)" in pick.reason


def test_recommend_home_station_when_no_position_was_ever_reported(recommend):
    home = north(2)
    quartered = unit("E1", km=None, home_lat=home.lat, home_lon=home.lon)

    assert (
        "from home station (no position reported)"
        in recommend([quartered]).picks[0].reason
    )


def test_recommend_unit_without_any_position_is_a_shortfall(recommend):
    result = recommend([unit("E1", km=None)])

    assert result.picks == []
    assert result.shortfalls == [
        Shortfall("engine", 1, "available engine E1 has no known position")
    ]


def test_recommend_returning_unit_skipped_when_not_allowed(recommend):
    result = recommend([unit("E1", status="returning")])

    assert result.picks == []
    assert result.shortfalls == [Shortfall("engine", 1, "no available engine")]


def test_recommend_returning_unit_picked_when_allowed(recommend):
    rules = replace(RULES, allow_returning=True)

    result = recommend([unit("E1", status="returning")], rules=rules)

    assert result.picks[0].reason == (
        "E1 (returning), 1.0 km from last position, about 3 min"
    )


def test_recommend_on_call_crew_adds_call_back_time(recommend):
    on_call = unit("C1", km=0.5, staffing="on_call")
    staffed = unit("E2", km=4)

    result = recommend([on_call, staffed], [Need("engine", 2)])

    assert names(result) == ["E2", "C1"]
    assert result.picks[1].eta_s == pytest.approx(420 + 500 * 1.3 / (50 / 3.6), 0.01)
    assert result.picks[1].reason == (
        "C1, 0.5 km from last position, crew called in, about 8 min"
    )


def test_recommend_returning_on_call_unit_needs_no_call_back(recommend):
    rules = replace(RULES, allow_returning=True)
    returning = unit("C1", km=1, staffing="on_call", status="returning")

    pick = recommend([returning], rules=rules).picks[0]

    assert pick.eta_s == pytest.approx(60 + 1000 * 1.3 / (50 / 3.6), abs=0.5)


def test_recommend_unit_type_speed_beats_nearer_slower_unit(recommend):
    fast = unit("B1", km=6, speed_kmh=100.0)
    slow = unit("E2", km=4)

    assert names(recommend([fast, slow])) == ["B1"]


def test_recommend_out_of_service_and_committed_units_never_picked(recommend):
    units = [
        unit("E1", status="out_of_service"),
        unit("E2", status="on_scene", incident_id="i1", incident_number="2026-1"),
    ]

    assert recommend(units).picks == []


def test_recommend_ties_go_to_name_then_id(recommend):
    units = [
        unit("B", unit_id="1"),
        unit("A", unit_id="3"),
        unit("A", unit_id="2"),
    ]

    result = recommend(units, [Need("engine", 3)])

    assert [pick.unit_id for pick in result.picks] == ["2", "3", "1"]


def test_recommend_never_picks_excluded_units(recommend):
    units = [unit("E1", km=1), unit("E2", km=2)]

    result = recommend(units, exclude=["id-E1"])

    assert names(result) == ["E2"]


# Radius -----------------------------------------------------------------------------


def test_recommend_radius_excludes_units_and_names_the_nearest(recommend):
    rules = replace(RULES, max_radius_m=20_000)
    units = [unit("E1", km=25), unit("E2", km=30)]

    result = recommend(units, rules=rules)

    assert result.picks == []
    assert result.shortfalls == [
        Shortfall(
            "engine",
            1,
            "nearest available engine E1 is outside the 20 km radius (25.0 km)",
        )
    ]


def test_recommend_radius_shortfall_says_the_position_is_stale(recommend):
    rules = replace(RULES, max_radius_m=5_000)
    stale = unit("E1", km=8, position_at=NOW - timedelta(hours=1))

    reason = recommend([stale], rules=rules).shortfalls[0].reason

    assert reason.endswith("outside the 5 km radius (8.0 km, position stale)")


def test_recommend_radius_keeps_units_inside(recommend):
    rules = replace(RULES, max_radius_m=20_000)

    assert names(recommend([unit("E1", km=19.5)], rules=rules)) == ["E1"]


# Shortfalls -------------------------------------------------------------------------


def test_shortfall_names_closest_committed_unit_and_its_incident(recommend):
    units = [
        unit("E13", km=3, status="on_scene", incident_number="2026-000120"),
        unit("E12", km=1, status="dispatched", incident_number="2026-000118"),
        unit("E14", km=0.5, status="out_of_service"),
    ]

    result = recommend(units)

    assert result.shortfalls == [
        Shortfall(
            "engine",
            1,
            "closest engine E12 is committed to 2026-000118; no available engine",
        )
    ]


def test_shortfall_counts_missing_units_when_others_were_picked(recommend):
    result = recommend([unit("E1"), unit("E2", km=2)], [Need("engine", 3)])

    assert names(result) == ["E1", "E2"]
    assert result.shortfalls == [Shortfall("engine", 1, "no other available engine")]


def test_shortfall_for_a_capability_nobody_has(recommend):
    result = recommend([unit("E1")], [Need("hazmat", 1)])

    assert result.shortfalls == [Shortfall("hazmat", 1, "no available hazmat")]


# Several needs ----------------------------------------------------------------------


def test_needs_filled_in_order_and_no_unit_used_twice(recommend):
    quint = unit("Q1", km=1, capabilities=frozenset({"engine", "ladder"}))
    engine = unit("E2", km=2)

    result = recommend([quint, engine], [Need("ladder", 1), Need("engine", 1)])

    assert [(p.name, p.capability) for p in result.picks] == [
        ("Q1", "ladder"),
        ("E2", "engine"),
    ]


def test_earlier_need_takes_the_unit_a_later_need_then_lacks(recommend):
    quint = unit("Q1", km=1, capabilities=frozenset({"engine", "ladder"}))

    result = recommend([quint], [Need("engine", 1), Need("ladder", 1)])

    assert [(p.name, p.capability) for p in result.picks] == [("Q1", "engine")]
    assert result.shortfalls == [Shortfall("ladder", 1, "no other available ladder")]


def test_needs_of_zero_are_skipped(recommend):
    result = recommend([unit("E1")], [Need("engine", 0), Need("ladder", 0)])

    assert result == Recommendation([], [], [])


# Cover ------------------------------------------------------------------------------


def test_cover_names_emptied_station_and_nearest_unit_that_can_move_up(recommend):
    units = [
        at_home("E1", "S1", km=0),
        at_home("E3", "S2", km=5),
        at_home("E2", "S2", km=5),
        at_home("E4", "S3", km=3),  # its station's only engine: it stays
    ]

    result = recommend(units)

    assert names(result) == ["E1"]
    [gap] = result.cover
    assert gap.move_up is not None
    assert gap == CoverGap(
        station_id="st-S1",
        station_code="S1",
        capability="engine",
        move_up=MoveUp(
            unit_id="id-E2",
            name="E2",
            from_station_id="st-S2",
            eta_s=gap.move_up.eta_s,
            distance_m=gap.move_up.distance_m,
        ),
        reason="station S1 has no available engine left; "
        "move up E2, 5.0 km, about 9 min",
    )
    assert gap.move_up.distance_m == pytest.approx(5000, abs=1)
    assert gap.move_up.eta_s == pytest.approx(60 + 5000 * 1.3 / (50 / 3.6), abs=1)


def test_cover_has_no_gap_while_the_station_keeps_an_engine(recommend):
    units = [at_home("E1", "S1", km=0), at_home("E2", "S1", km=0)]

    result = recommend(units)

    assert names(result) == ["E1"]
    assert result.cover == []


def test_cover_gap_without_any_unit_free_to_move_up(recommend):
    units = [at_home("E1", "S1", km=0), at_home("E4", "S3", km=3)]

    gap = recommend(units).cover[0]

    assert gap.move_up is None
    assert (
        gap.reason == "station S1 has no available engine left; no engine can move up"
    )


def test_cover_suggests_each_unit_once(recommend):
    units = [
        at_home("E1", "S1", km=0),
        at_home("E2", "S2", km=1),
        unit("E9", km=20),
    ]

    result = recommend(units, [Need("engine", 2)])

    assert [gap.station_code for gap in result.cover] == ["S1", "S2"]
    assert [gap.move_up.name if gap.move_up else None for gap in result.cover] == [
        "E9",
        None,
    ]


def test_cover_gap_at_station_without_position_ranks_no_move_up(recommend):
    units = [unit("E1", station_id="st-S1", station_code="S1"), unit("E2", km=2)]

    gap = recommend(units).cover[0]

    assert gap.move_up is None
    assert gap.reason.endswith("its position is unknown, so no move-up is ranked")


# Rules ------------------------------------------------------------------------------


def test_rules_from_settings_copies_every_setting():
    settings = DispatchSettings(
        department_id="dept",
        allow_returning=True,
        position_max_age_s=120,
        detour_factor=1.5,
        turnout_s=90,
        crew_callback_s=300,
        default_speed_kmh=40.0,
        max_radius_m=15_000.0,
    )

    rules = Rules.from_settings(settings, NOW)

    assert rules == Rules(
        now=NOW,
        turnout_s=90,
        crew_callback_s=300,
        default_speed_kmh=40.0,
        detour_factor=1.5,
        position_max_age_s=120,
        allow_returning=True,
        max_radius_m=15_000.0,
    )
    assert rules.fresh_since == NOW - timedelta(seconds=120)


@pytest.mark.parametrize(
    "bad",
    [
        {"turnout_s": -1},
        {"crew_callback_s": -1},
        {"position_max_age_s": -1},
        {"default_speed_kmh": 0},
        {"detour_factor": 0},
    ],
)
def test_rules_refuse_values_that_break_the_ranking(bad):
    with pytest.raises(ValueError, match="must"):
        Rules(now=NOW, **bad)


def test_called_in_crew_counts_from_its_members_reported_arrival():
    on_call = Candidate(
        unit_id="id-V1",
        name="V1",
        department_id="dept",
        capabilities=frozenset({"engine"}),
        status="available",
        lat=BASE.lat,
        lon=BASE.lon,
        position_at=NOW,
        station_id="s1",
        staffing="on_call",
        crew_size=2,
    )
    coming = (NOW + timedelta(seconds=90), NOW + timedelta(seconds=150))
    target = (BASE.lat, BASE.lon)

    two = brute_force(
        [on_call], ENGINE, target, replace(RULES, crew_etas={"s1": coming})
    )
    one = brute_force(
        [on_call], ENGINE, target, replace(RULES, crew_etas={"s1": coming[:1]})
    )

    assert two.picks[0].eta_s == pytest.approx(150 + RULES.turnout_s)
    assert "crew in about 2 min" in two.picks[0].reason
    assert one.picks[0].eta_s == pytest.approx(RULES.crew_callback_s)
    assert "crew called in" in one.picks[0].reason
